"""A command's writes as one statement (engine/store/write_batch.py): every row lands, on
each database; on PostgreSQL they are one statement, built and compiled once per shape;
an instance whose row version moved under a command is a Conflict, not an overwrite."""

from datetime import timedelta

import pytest
from sqlalchemy import event, select, update

from engine.commands.runner import InstanceRun
from engine.enums import AuditCommand
from engine.errors import Conflict
from engine.facade import Policyflow, get_engine, sql_stats
from engine.store.db import transaction
from engine.store.models import Instance, WorkItem
from engine.store.write_batch import WriteBatch
from tests.conftest import NOW, deploy_test_model

DRAFT = {"title": "Kế hoạch", "pages": 3}


def started(pf: Policyflow) -> tuple[int, str]:
    """A linear3 instance and its open work item."""
    deploy_test_model(pf, "linear3.bpmn")
    outcome = pf.start("linear3", "cv_vhtt", {}, now=NOW)
    return outcome["id"], outcome["open_tasks"][0]["id"]


def item_row(instance_id: int, item_id: str) -> dict:
    return {
        "id": item_id, "instance_id": instance_id, "process_key": "linear3", "version_id": 1,
        "element_id": "Extra", "name": "Thêm", "role_key": None, "unit_id": 1,
        "scope": "unit", "form": None, "state": "open", "created_at": NOW, "due_at": None,
    }  # fmt: skip


def test_a_batch_writes_every_row_and_counts_the_last(pf: Policyflow) -> None:
    instance_id, item_id = started(pf)
    with transaction(pf.url) as s:
        version = s.scalar(select(Instance.row_version).where(Instance.id == instance_id))
        batch = WriteBatch()
        batch.insert(WorkItem, [item_row(instance_id, "extra-1"), item_row(instance_id, "x-2")])
        batch.update(WorkItem, {"state": "cancelled", "completed_at": NOW}, {"id": [item_id]})
        changed = batch.run(
            s, Instance, {"title": "Đã ghi", "row_version": version + 1},
            {"id": instance_id, "row_version": version},
        )  # fmt: skip
        assert changed == 1
        stale = batch.run(
            s, Instance, {"title": "Không ghi"}, {"id": instance_id, "row_version": version}
        )
        assert stale == 0  # the version moved: nothing matched
    with transaction(pf.url) as s:
        items = dict(s.execute(select(WorkItem.id, WorkItem.state)).tuples().all())
        assert items == {item_id: "cancelled", "extra-1": "open", "x-2": "open"}
        title, row_version = s.execute(
            select(Instance.title, Instance.row_version).where(Instance.id == instance_id)
        ).one()
        assert (title, row_version) == ("Đã ghi", version + 1)


def test_a_completion_sends_its_writes_as_one_cached_statement(pf: Policyflow) -> None:
    """On PostgreSQL: the user, the locked item and instance, then one statement for the
    event, both work items and the instance — found in SQLAlchemy's compiled cache from
    the second completion on (a shape it cannot cache was the first version's flaw)."""
    if not pf.url.startswith("postgresql"):
        pytest.skip("DML in CTEs is PostgreSQL's; SQLite runs the writes one by one")
    engine = get_engine(pf.url)
    sql_stats.install(engine)
    misses: list[str] = []

    def seen(conn, cursor, statement, params, context, executemany) -> None:
        if statement.startswith("WITH") and "CACHE_HIT" not in str(context.cache_hit):
            misses.append(str(context.cache_hit))

    event.listen(engine, "after_cursor_execute", seen)
    try:
        for _ in range(3):
            _, item_id = started(pf)
            sql_stats.reset()
            pf.complete(item_id, "cv_vhtt", DRAFT, now=NOW)
            counts = sql_stats.reset()
            assert counts.statements == 3 and counts.transactions == 1, counts
    finally:
        event.remove(engine, "after_cursor_execute", seen)
    assert len(misses) <= 1, misses  # compiled once, the first time


def test_an_instance_changed_under_a_command_is_a_conflict(pf: Policyflow) -> None:
    """Commands lock their instance, so this takes a writer that does not: the row
    version still refuses to overwrite what another transaction wrote."""
    instance_id, _ = started(pf)
    with pytest.raises(Conflict), pf.core.transaction() as s:
        instance = s.get(Instance, instance_id)
        assert instance is not None
        with get_engine(pf.url).begin() as other:
            bump = Instance.row_version + 1
            other.execute(
                update(Instance).where(Instance.id == instance_id).values(row_version=bump)
            )
        rt = pf.runtime
        run = InstanceRun(s, rt, instance, rt.org_tree(s), NOW + timedelta(minutes=1), "system")
        run.execute(AuditCommand.TIMER, {}, lambda wf: None, advance=False)
    with transaction(pf.url) as s:
        events = s.scalar(select(Instance.event_count).where(Instance.id == instance_id))
    assert events == 1  # only the start's event: the stale command wrote nothing
