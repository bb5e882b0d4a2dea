"""The inbox page: its order across pages, and counts that stop at the count limit."""

import importlib
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import flask_babel
import pytest
from flask import Flask, url_for
from sqlalchemy import event, select

from engine.facade import Policyflow, get_engine
from engine.store.models import Notification, User
from tests.conftest import NOW, deploy_test_model
from tests.web_client import signed_in
from web import create_app, i18n

# Each instance a test leaves must re-execute exactly from its audit log (issue 6).
pytestmark = pytest.mark.usefixtures("every_instance_replays")

inbox_query = importlib.import_module("engine.queries.inbox")
inbox_view = importlib.import_module("web.views.inbox")


@pytest.fixture
def app(pf: Policyflow) -> Iterator[Flask]:
    deploy_test_model(pf, "linear3.bpmn")
    yield create_app({"DATABASE_URL": pf.url, "TESTING": True, "SECRET_KEY": "test"})


def started(pf: Policyflow, days: list[int]) -> list[str]:
    """linear3 started on these days after NOW: its Draft tasks' ids, by due date."""
    ids = []
    for day in days:
        outcome = pf.start("linear3", "cv_vhtt", now=NOW + timedelta(days=day))
        ids += [t["id"] for t in outcome["open_tasks"]]
    return ids


def rows(html: str) -> list[str]:
    return re.findall(r'<tr class="[^"]*" data-task-id="([^"]+)"', html)


def test_latest_due_first_reads_from_the_latest_due_on(
    app: Flask, pf: Policyflow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Page 1 of "due ↓" starts with the latest deadline of all (it used to show the
    earliest deadlines of page 1 of "due ↑" turned round)."""
    monkeypatch.setattr(inbox_view, "PER_PAGE", 2)
    first, second, third = started(pf, [0, 7, 14])
    client, _ = signed_in(app, "cv_vhtt")
    assert rows(client.get("/").text) == [first, second]
    assert rows(client.get("/?sort=-due").text) == [third, second]
    assert rows(client.get("/?sort=-due&page=2").text) == [first]


def test_counts_past_the_limit_read_as_more(
    app: Flask, pf: Policyflow, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inbox_query, "COUNT_LIMIT", 2)
    monkeypatch.setattr(inbox_view, "PER_PAGE", 1)
    tasks = started(pf, [0, 7, 14])
    client, _ = signed_in(app, "cv_vhtt")
    page = client.get("/").text
    assert '<span class="muted">(2+)</span>' in page  # the heading: more than 2
    assert '<span class="count">2+</span>' in page  # the navigation's open box
    assert "Trang 1/2+" in page and "page=2" in page  # a next page, of more than 2
    deeper = client.get("/?page=3").text  # counted to the page's depth: exact again
    assert rows(deeper) == [tasks[2]] and "Trang 3/3" in deeper and "page=4" not in deeper
    assert '<span class="muted">(3)</span>' in deeper


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_dates_read_as_babel_writes_them(app: Flask, lang: str) -> None:
    """The date-time filter formats by strftime (a page has one per row): what Babel's
    formatter writes for dd/MM/yyyy HH:mm in Việt Nam time, in both languages."""
    moments = [NOW, NOW + timedelta(hours=17, minutes=5), NOW.replace(month=12, day=31)]
    with app.test_request_context(headers={"Cookie": f"lang={lang}"}):
        for moment in moments:
            want = flask_babel.format_datetime(moment, i18n.DATETIME_FORMAT)
            assert i18n.format_datetime(moment.isoformat()) == want
            assert i18n.format_datetime(moment) == want


def test_row_links_are_url_fors(app: Flask, pf: Policyflow) -> None:
    """The rows' links are built once a page and filled per row: the same as url_for's."""
    [task] = started(pf, [0])
    client, _ = signed_in(app, "cv_vhtt")
    page = client.get("/").text
    with app.test_request_context():
        instance_id = pf.task(task, "cv_vhtt")["instance_id"]
        links = [
            url_for("tasks.show", task_id=task),
            url_for("instances.show", instance_id=instance_id),
            url_for("tasks.claim", task_id=task),
        ]
    row = page[page.index(f'data-task-id="{task}"') :]
    row = row[: row.index("</tr>")]
    assert all(f'"{link}"' in row for link in links), (links, row)


def test_the_unread_notices_come_with_the_counts(app: Flask, pf: Policyflow) -> None:
    """The navigation's bell is read by the inbox's statement, not a query of its own."""
    started(pf, [0])
    with pf.transaction() as s:
        me = s.scalar(select(User.id).where(User.username == "cv_vhtt"))
        s.add_all(Notification(user_id=me, message="Nhắc việc", created_at=NOW) for _ in "ab")
    client, _ = signed_in(app, "cv_vhtt")
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    engine = get_engine(pf.url)
    event.listen(engine, "before_cursor_execute", seen)
    try:
        page = client.get("/").text
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    bell = page[page.index('href="/notifications"') :]
    assert '<span class="count">2</span>' in bell[: bell.index("</a>")]
    reading = [s for s in statements if "FROM notifications" in s]
    assert len(reading) == 1 and "work_items" in reading[0], reading
