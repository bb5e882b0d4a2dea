"""What one page of the web UI costs the database, counted on PostgreSQL through the real
app with a session cookie (issue 17): a page read — the inbox, a task, an instance — is
one transaction, whatever it asks the engine for (the session's user, the content, the
navigation's figures, the documents box). Before, each of those calls was a transaction
of its own, each reading the user again: 7 for the inbox, 9 for a task page, 12 for an
instance page. A read that fails leaves the rest of the page working.

Counted with SQLAlchemy's cursor events (engine/store/sql_stats.py). Not a timing test."""

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine.facade import Policyflow, get_engine, sql_stats
from tests.api.test_request_budget import build_world
from tests.conftest import PG_URL, reset_runtime
from tests.web_client import signed_in
from web import create_app

pytestmark = pytest.mark.skipif(
    not PG_URL.startswith("postgres"), reason="counted on PostgreSQL (DATABASE_URL)"
)

PAGES = ["/", "/?box=completed", "/tasks/{task}", "/instances/{instance}", "/instances",
         "/dashboard?nam=2024"]  # fmt: skip


@pytest.fixture(scope="module")
def world(postgresql_url: str) -> Iterator[tuple[Flask, dict[str, object]]]:
    url = reset_runtime(postgresql_url)
    found = build_world(Policyflow(url))
    sql_stats.install(get_engine(url))
    yield create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "test"}), found


def counted(client: FlaskClient, path: str) -> tuple[int, str, sql_stats.Counts]:
    sql_stats.reset()
    res = client.get(path)
    return res.status_code, res.text, sql_stats.reset()


@pytest.mark.parametrize("page", PAGES)
def test_a_page_is_one_transaction(world: tuple[Flask, dict[str, object]], page: str) -> None:
    app, ids = world
    client, _ = signed_in(app, "cv_vhtt")
    path = page.format(**ids)
    counted(client, path)  # the version's forms and the step forms cached
    status, _, counts = counted(client, path)
    assert status == 200
    assert (counts.transactions, counts.commits, counts.rollbacks) == (1, 1, 0), counts
    print(f"{path}: {counts.statements} statements in one transaction")


def test_the_dashboard_reads_its_report_in_one_statement(
    world: tuple[Flask, dict[str, object]],
) -> None:
    """Every source of the report (case records, P3's tasks, overdue tasks, completed
    steps, the plan and its progress) in one UNION ALL (7 statements with the user before);
    the rest of the page is the user and the navigation's figures."""
    app, _ = world
    client, _ = signed_in(app, "ct_ubnd")
    counted(client, "/dashboard?nam=2024")
    sql_stats.keep_sql(True)
    try:
        status, _, counts = counted(client, "/dashboard?nam=2024")
    finally:
        sql_stats.keep_sql(False)
    assert status == 200 and counts.transactions == 1, counts
    report = [sql for sql in counts.sql if "case_records" in sql]
    assert len(report) == 1, counts.sql
    assert all(t in report[0] for t in ("work_items", "plan_tasks", "plan_task_progress"))
    print(f"/dashboard: {counts.statements} statements, the report's sources in one")


def test_a_failed_read_leaves_the_page_whole(world: tuple[Flask, dict[str, object]]) -> None:
    """An instance the user may not see: the engine's NotFound rolls the shared
    transaction back, and the error page's navigation (the user, the counts) is read in
    transactions of its own, as before."""
    app, _ = world
    client, _ = signed_in(app, "cv_vhtt")
    status, text, counts = counted(client, "/instances/999999")
    assert status == 404 and "Nguyễn Thị Hoa" in text  # the navigation names the user
    assert counts.rollbacks == 1 and counts.commits >= 1, counts


def test_a_change_is_not_part_of_a_shared_transaction(
    world: tuple[Flask, dict[str, object]],
) -> None:
    """A POST keeps one transaction per command: a command refused (the civil servant
    may not claim the head's review) is rolled back on its own, apart from the session's
    check, and the page that says why still reads."""
    app, ids = world
    client, token = signed_in(app, "cv_vhtt")
    sql_stats.reset()
    res = client.post(f"/tasks/{ids['task']}/claim", data={"csrf_token": token})
    counts = sql_stats.reset()
    assert res.status_code == 403 and "Nguyễn Thị Hoa" in res.text
    assert counts.rollbacks == 1 and counts.commits >= 1 and counts.transactions >= 2, counts
