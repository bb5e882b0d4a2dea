"""work_items keeps only partial indexes besides its key and the instance's (revision
0020): the scans of open items name the state in their SQL, so that PostgreSQL's generic
plan of a prepared statement can use them, and the revision goes down and up with the
rows kept."""

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import event, func, inspect, select

from engine.facade import Policyflow, get_engine
from engine.store import schema as migrate
from engine.store.db import transaction
from engine.store.models import WorkItem
from tests.conftest import (
    NOW,
    _prepare,
    deploy_test_model,
)

PARTIAL = {
    "ix_work_items_open_due",
    "ix_work_items_open_reach",
    "ix_work_items_open_claimed",
    "ix_work_items_done_by",
    "ix_work_items_completed_at",
}
WHOLE = {"ix_work_items_instance_id"}  # and the primary key
BEFORE_0020 = {"ix_work_items_inbox", "ix_work_items_claimed", "ix_work_items_due"}


def index_names(url: str) -> set[str]:
    with get_engine(url).connect() as conn:
        return {i["name"] for i in inspect(conn).get_indexes("work_items")}


def test_0020_down_and_up_keeps_the_work_items(fresh_url: str) -> None:
    url = _prepare(fresh_url)
    assert index_names(url) == PARTIAL | WHOLE
    pf = Policyflow(url)
    deploy_test_model(pf, "linear3.bpmn")
    first = pf.start("linear3", "cv_vhtt", now=NOW)
    pf.start("linear3", "cv_vhtt", now=NOW + timedelta(days=1))
    [task] = first["open_tasks"]
    pf.complete(task["id"], "cv_vhtt", {"title": "Kế hoạch", "pages": 3}, now=NOW)
    inbox = pf.inbox("tp_vhtt", now=NOW)

    migrate.downgrade(url, "0019")
    assert index_names(url) == (PARTIAL - {"ix_work_items_open_due"}) | WHOLE | BEFORE_0020
    migrate.upgrade(url)
    assert index_names(url) == PARTIAL | WHOLE
    with transaction(url) as s:
        assert s.scalar(select(func.count()).select_from(WorkItem)) == 3
    assert Policyflow(url).inbox("tp_vhtt", now=NOW) == inbox


def test_scans_of_open_items_name_the_state(pf: Policyflow) -> None:
    """Reminders, the inbox, the dashboard's overdue count and the release of lapsed claims
    say state = 'open' in their SQL, never a bound value (which no partial index matches
    in a generic plan)."""
    deploy_test_model(pf, "linear3.bpmn")
    pf.start("linear3", "cv_vhtt", now=NOW)
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if re.search(r"work_items\.state (=|IN) ", statement):  # a condition on the state
            statements.append(" ".join(statement.split()))

    engine = get_engine(pf.url)
    event.listen(engine, "before_cursor_execute", seen)
    try:
        pf.jobs.send_reminders(NOW + timedelta(days=30))
        pf.inbox("cv_vhtt", now=NOW)
        pf.inbox("cv_vhtt", now=NOW, box="completed")
        pf.indicators.report("ct_ubnd", 2024, now=NOW)
        pf.people.release_lapsed()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(statements) >= 5
    for statement in statements:
        states = re.findall(r"work_items\.state (?:=|IN) (\S+)", statement)
        assert all(s.startswith("'") for s in states), statement
