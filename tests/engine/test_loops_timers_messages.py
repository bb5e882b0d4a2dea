"""Loops past the library's depth trap, timers fired by the clock, messages delivered."""

from datetime import timedelta

import pytest

from engine.facade import Policyflow
from tests.conftest import NOW, deploy_test_model
from tests.engine.test_engine_core import only_task

# Each instance a test leaves must re-execute exactly from its audit log (issue 6).
pytestmark = pytest.mark.usefixtures("every_instance_replays")

ROUNDS = 400


def test_a_400_round_revision_loop_completes(pf: Policyflow) -> None:
    deploy_test_model(pf, "revision_loop.bpmn")
    instance = pf.start("revision_loop", "cv_vhtt", now=NOW)["id"]
    for n in range(ROUNDS):
        draft = only_task(pf, "cv_vhtt", instance)
        pf.complete(draft["id"], "cv_vhtt", {}, now=NOW)
        review = only_task(pf, "tp_vhtt", instance)
        decision = "approve" if n == ROUNDS - 1 else "return"
        done = pf.complete(review["id"], "tp_vhtt", {"review_decision": decision}, now=NOW)
    assert done["status"] == "completed"
    shown = pf.show(instance)
    assert shown["data"]["revision_count"] == ROUNDS - 1
    assert len(pf.history(instance)) == 1 + 2 * ROUNDS
    assert pf.audit.verify_chain(instance) == []


def test_timer_fires_only_when_due_and_escalates(pf: Policyflow) -> None:
    deploy_test_model(pf, "timer_message.bpmn")
    instance = pf.start("timer_message", "cv_vhtt", now=NOW)["id"]
    answer = only_task(pf, "cv_vhtt", instance)
    assert answer["due_at"].startswith("2024-10-02T08:00")  # 24 h from the exact time
    assert pf.show(instance)["waiting_timers"] == ["2024-10-02T08:00:00+00:00"]

    assert pf.fire_due_timers(NOW + timedelta(hours=23)) == {}
    assert only_task(pf, "cv_vhtt", instance)["id"] == answer["id"]

    fired = pf.fire_due_timers(NOW + timedelta(hours=24, seconds=1))
    assert list(fired) == [instance]
    assert pf.tasks("cv_vhtt") == []
    escalate = only_task(pf, "ct_ubnd", instance)
    assert escalate["name"] == "Xử lý quá hạn"
    timer_event = pf.history(instance)[-1]
    assert timer_event["command"] == "timer" and timer_event["actor"] == "system"
    assert timer_event["at"].startswith("2024-10-02T08:00:01")
    assert pf.fire_due_timers(NOW + timedelta(days=3)) == {}  # fired once only


def test_message_reaches_the_waiting_instance(pf: Policyflow) -> None:
    deploy_test_model(pf, "timer_message.bpmn")
    instance = pf.start("timer_message", "cv_vhtt", now=NOW)["id"]
    other = pf.start("timer_message", "cv_vhtt", now=NOW)["id"]
    pf.complete(only_task(pf, "cv_vhtt", instance)["id"], "cv_vhtt", {}, now=NOW)
    assert pf.show(instance)["waiting_timers"] == []  # the boundary timer went with its task
    got = pf.deliver_message("press_reply", {"reply": "đã đăng"}, "system", now=NOW)
    assert got == [instance]
    assert pf.show(instance)["status"] == "completed"
    assert pf.show(other)["status"] == "running"
    assert pf.history(instance)[-1]["payload"] == {
        "name": "press_reply",
        "payload": {"reply": "đã đăng"},
    }


def test_suspended_instances_keep_their_timers_until_resumed(pf: Policyflow) -> None:
    deploy_test_model(pf, "timer_message.bpmn")
    instance = pf.start("timer_message", "cv_vhtt", now=NOW)["id"]
    pf.suspend(instance, "admin", now=NOW)
    assert pf.fire_due_timers(NOW + timedelta(days=2)) == {}
    pf.resume(instance, "admin", now=NOW + timedelta(days=2))
    assert list(pf.fire_due_timers(NOW + timedelta(days=2, minutes=1))) == [instance]


@pytest.mark.parametrize("bad", ["nope", "P", "2024-13-01"])
def test_a_bad_due_value_is_reported_not_crashed(pf: Policyflow, bad: str) -> None:
    xml = (deploy_test_model.__globals__["DATA"] / "linear3.bpmn").read_text(encoding="utf-8")
    xml = xml.replace("&quot;2WD&quot;", f"&quot;{bad}&quot;").replace("linear3", "linear_bad")
    from engine.errors import ProcessFailed
    from engine.facade import read_forms
    from tests.conftest import DATA

    pf.deploy(xml, read_forms(DATA / "forms"), now=NOW)
    with pytest.raises(ProcessFailed):
        pf.start("linear_bad", "cv_vhtt", now=NOW)
    assert pf.tasks("cv_vhtt") == []
