"""The engine API on a small linear process: start, inbox, complete, validation, audit."""

import itertools
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from engine.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from engine.facade import Policyflow
from engine.store.db import transaction
from engine.store.models import AuditEvent, Instance, WorkItem
from tests.conftest import NOW, deploy_test_model


def only_task(pf: Policyflow, username: str, instance_id: int) -> dict:
    mine = [t for t in pf.tasks(username) if t["instance_id"] == instance_id]
    assert len(mine) == 1, mine
    return mine[0]


@pytest.fixture
def linear(pf: Policyflow) -> Policyflow:
    deploy_test_model(pf, "linear3.bpmn")
    return pf


def test_linear_instance_runs_to_the_end_with_an_audit_trail(linear: Policyflow) -> None:
    started = linear.start("linear3", "cv_vhtt", now=NOW)
    draft = only_task(linear, "cv_vhtt", started["id"])
    assert draft["name"] == "Soạn thảo" and draft["role"] == "chuyen_vien_vhtt"
    assert draft["form_schema"]["required"] == ["title", "pages"]
    # 2 working days after Tuesday 1 Oct 2024 → end of Thursday 3 Oct, local time.
    assert draft["due_at"].startswith("2024-10-03T16:59:59")

    linear.complete(draft["id"], "cv_vhtt", {"title": "Kế hoạch", "pages": 3}, now=NOW)
    review = only_task(linear, "tp_vhtt", started["id"])
    linear.complete(review["id"], "tp_vhtt", {}, now=NOW + timedelta(hours=1))
    approve = only_task(linear, "ct_ubnd", started["id"])
    done = linear.complete(approve["id"], "ct_ubnd", {}, now=NOW + timedelta(hours=2))

    assert done["status"] == "completed"
    shown = linear.show(started["id"])
    assert shown["open_tasks"] == [] and shown["data"]["title"] == "Kế hoạch"
    events = linear.history(started["id"])
    assert [e["command"] for e in events] == ["start", "complete", "complete", "complete"]
    assert [e["actor"] for e in events] == ["cv_vhtt", "cv_vhtt", "tp_vhtt", "ct_ubnd"]
    assert events[1]["payload"]["data"] == {"title": "Kế hoạch", "pages": 3}
    assert any(t[1] == "Review" and t[2] == "READY" for t in events[1]["result"]["tasks"])
    assert all(e["prev_hash"] == p["hash"] for p, e in itertools.pairwise(events))
    assert linear.audit.verify_chain(started["id"]) == []


def test_wrong_form_data_is_a_clear_error_and_changes_nothing(linear: Policyflow) -> None:
    started = linear.start("linear3", "cv_vhtt", now=NOW)
    draft = only_task(linear, "cv_vhtt", started["id"])
    with pytest.raises(InvalidInput) as err:
        linear.complete(draft["id"], "cv_vhtt", {"pages": "ba"}, now=NOW)
    assert set(err.value.field_errors) == {"title", "pages"}
    assert "bắt buộc" in err.value.field_errors["title"][0]
    assert only_task(linear, "cv_vhtt", started["id"])["id"] == draft["id"]
    assert len(linear.history(started["id"])) == 1


def test_users_without_the_lane_role_cannot_complete(linear: Policyflow) -> None:
    started = linear.start("linear3", "cv_vhtt", now=NOW)
    draft = only_task(linear, "cv_vhtt", started["id"])
    assert linear.tasks("tp_vhtt") == []
    with pytest.raises(PermissionDenied):
        linear.complete(draft["id"], "tp_vhtt", {"title": "x", "pages": 1})
    with pytest.raises(NotFound):  # a commune officer may not even see it exists
        linear.complete(draft["id"], "xa_xuanbac", {"title": "x", "pages": 1})
    with pytest.raises(PermissionDenied):
        linear.start("linear3", "xa_xuanbac", now=NOW)


def test_double_completion_is_a_conflict(linear: Policyflow) -> None:
    started = linear.start("linear3", "cv_vhtt", now=NOW)
    draft = only_task(linear, "cv_vhtt", started["id"])
    linear.complete(draft["id"], "cv_vhtt", {"title": "a", "pages": 1}, now=NOW)
    with pytest.raises(Conflict):
        linear.complete(draft["id"], "cv_vhtt", {"title": "b", "pages": 2}, now=NOW)
    assert linear.show(started["id"])["data"]["title"] == "a"


def test_claimed_task_is_reserved_for_its_claimant(linear: Policyflow) -> None:
    started = linear.start("linear3", "cv_vhtt", now=NOW)
    draft = only_task(linear, "cv_vhtt", started["id"])
    linear.complete(draft["id"], "cv_vhtt", {"title": "a", "pages": 1}, now=NOW)
    approve_id = None
    review = only_task(linear, "tp_vhtt", started["id"])
    linear.complete(review["id"], "tp_vhtt", {}, now=NOW)
    approve_id = only_task(linear, "ct_ubnd", started["id"])["id"]
    linear.claim(approve_id, "pct_ubnd")
    with pytest.raises(Conflict):
        linear.claim(approve_id, "ct_ubnd")
    with pytest.raises(Conflict):
        linear.complete(approve_id, "ct_ubnd", {})
    linear.unclaim(approve_id, "pct_ubnd")
    linear.claim(approve_id, "ct_ubnd")
    assert only_task(linear, "ct_ubnd", started["id"])["claimed_by"] == "ct_ubnd"
    commands = [e["command"] for e in linear.history(started["id"])]
    assert commands[-3:] == ["claim", "unclaim", "claim"]


def test_concurrent_completions_exactly_one_wins(linear: Policyflow) -> None:
    started = linear.start("linear3", "cv_vhtt", now=NOW)
    draft = only_task(linear, "cv_vhtt", started["id"])
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def attempt(n: int) -> None:
        engine = Policyflow(linear.url)  # one process per thread, as web workers are
        barrier.wait()
        try:
            engine.complete(draft["id"], "cv_vhtt", {"title": f"t{n}", "pages": n + 1}, now=NOW)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict"] * 7 + ["ok"]
    assert [e["command"] for e in linear.history(started["id"])] == ["start", "complete"]
    assert len(linear.tasks("tp_vhtt")) == 1


def test_a_stale_cached_workflow_is_never_used(linear: Policyflow) -> None:
    """Two engine objects (two web workers) take turns on one instance."""
    other = Policyflow(linear.url)
    started = linear.start("linear3", "cv_vhtt", now=NOW)
    draft = only_task(linear, "cv_vhtt", started["id"])
    other.complete(draft["id"], "cv_vhtt", {"title": "a", "pages": 1}, now=NOW)
    review = only_task(linear, "tp_vhtt", started["id"])
    linear.complete(review["id"], "tp_vhtt", {}, now=NOW)  # linear's cache is stale here
    approve = only_task(other, "ct_ubnd", started["id"])
    assert other.complete(approve["id"], "ct_ubnd", {}, now=NOW)["status"] == "completed"


def test_cancel_suspend_resume(linear: Policyflow) -> None:
    started = linear.start("linear3", "cv_vhtt", now=NOW)
    draft = only_task(linear, "cv_vhtt", started["id"])
    for action in (linear.cancel, linear.suspend):  # an administrator's decision only
        with pytest.raises(PermissionDenied):
            action(started["id"], "cv_vhtt")
    assert linear.suspend(started["id"], "admin") == "suspended"
    with pytest.raises(Conflict):
        linear.complete(draft["id"], "cv_vhtt", {"title": "a", "pages": 1})
    assert linear.resume(started["id"], "admin") == "running"
    assert linear.cancel(started["id"], "admin") == "cancelled"
    assert linear.tasks("cv_vhtt") == []
    with pytest.raises(Conflict):
        linear.cancel(started["id"], "admin")
    commands = [e["command"] for e in linear.history(started["id"])]
    assert commands == ["start", "suspend", "resume", "cancel"]


def test_tampering_with_the_audit_log_is_found(linear: Policyflow) -> None:
    started = linear.start("linear3", "cv_vhtt", now=NOW)
    draft = only_task(linear, "cv_vhtt", started["id"])
    linear.complete(draft["id"], "cv_vhtt", {"title": "a", "pages": 1}, now=NOW)
    with transaction(linear.url) as s:
        s.execute(
            update(AuditEvent)
            .where(AuditEvent.instance_id == started["id"], AuditEvent.seq == 2)
            .values(payload={"task_id": draft["id"], "data": {"title": "b", "pages": 1}})
        )
    breaks = linear.audit.verify_chain(started["id"])
    assert [(b.seq, b.reason) for b in breaks] == [(2, "content changed after it was written")]


def test_work_items_and_instance_rows_agree(linear: Policyflow) -> None:
    started = linear.start("linear3", "cv_vhtt", now=NOW)
    with transaction(linear.url) as s:
        instance = s.get(Instance, started["id"])
        items = s.scalars(select(WorkItem).where(WorkItem.instance_id == started["id"])).all()
        assert [i.element_id for i in items] == ["Draft"]
        assert list(instance.waiting["tasks"].values()) == ["Draft"]


def test_plain_postgresql_urls_use_psycopg_3() -> None:
    """Regression: Policyflow("postgresql://…") asked SQLAlchemy for psycopg2."""
    from engine.store.db import get_engine

    for url in ("postgresql://u@127.0.0.1/x", "postgres://u@127.0.0.1/x"):
        assert Policyflow(url).url.startswith("postgresql+psycopg://")
        assert get_engine(url).dialect.driver == "psycopg"
