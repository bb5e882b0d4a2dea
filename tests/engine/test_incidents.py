"""Incidents (issue 12, item 3): a timer-driven script that fails on bad data leaves an
incident (element, error, attempts) and the instance out of the sweep; the data is fixed
as its own audited command, a retry continues the instance, and the replay reproduces
the whole history including the fix. A model failing at start names its element."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine.errors import Conflict, InvalidInput, PermissionDenied, ProcessFailed
from engine.facade import Policyflow
from engine.store.models import Incident, Job
from tests.conftest import NOW, deploy_test_model

pytestmark = pytest.mark.usefixtures("every_instance_replays")

DUE = NOW + timedelta(hours=1, seconds=1)  # the model waits PT1H


def start_failing(pf: Policyflow, amount: str = "abc") -> int:
    deploy_test_model(pf, "incident_timer.bpmn")
    return pf.start("incident_timer", "cv_vhtt", {"amount": amount}, now=NOW)["id"]


def incident_rows(pf: Policyflow) -> int:
    with pf.transaction() as s:
        return s.scalar(select(func.count(Incident.id))) or 0


def test_a_failing_timer_leaves_one_incident_and_is_not_swept_again(pf: Policyflow) -> None:
    instance = start_failing(pf)
    assert pf.fire_due_timers(DUE) == {}  # failed: rolled back, recorded
    [incident] = pf.incidents.list("admin")
    assert incident["instance_id"] == instance and incident["element_id"] == "Compute"
    assert incident["kind"] == "timer" and incident["state"] == "open"
    assert "Tính phí" in incident["error"] and "invalid literal" in incident["error"]
    assert (
        incident["attempts"] == 1 and incident["first_at"] == incident["last_at"] == DUE.isoformat()
    )
    # The sweep leaves the instance alone while the incident is open (no busy loop)...
    assert pf.jobs.due_timer_instances(DUE + timedelta(minutes=1)) == []
    assert pf.fire_due_timers(DUE + timedelta(minutes=1)) == {}
    # ...the timer stays due, and its job failing again counts one more attempt.
    with pytest.raises(ProcessFailed) as failed:
        pf.jobs.fire_instance_timers(instance, DUE + timedelta(minutes=2))
    assert failed.value.element_id == "Compute"
    [again] = pf.incidents.list("admin")
    assert again["id"] == incident["id"] and again["attempts"] == 2
    assert again["last_at"] == (DUE + timedelta(minutes=2)).isoformat() and incident_rows(pf) == 1
    assert pf.show(instance)["status"] == "running"
    assert [e["command"] for e in pf.history(instance)] == ["start"]  # nothing half-done


def test_fix_the_data_retry_and_the_replay_reproduces_the_fix(pf: Policyflow) -> None:
    instance = start_failing(pf)
    pf.fire_due_timers(DUE)
    [incident] = pf.incidents.list("chu_quy_trinh")  # a process owner sees it too
    with pytest.raises(ProcessFailed):  # retried before the fix: fails again, counted
        pf.incidents.retry(incident["id"], "chu_quy_trinh", now=DUE + timedelta(minutes=1))
    assert pf.incidents.list("admin")[0]["attempts"] == 2

    pf.incidents.update_data(instance, {"amount": "21"}, "admin", now=DUE + timedelta(minutes=2))
    assert pf.show(instance)["data"]["amount"] == "21"
    assert pf.tasks("cv_vhtt") == []  # the fix alone fires nothing
    done = pf.incidents.retry(incident["id"], "admin", now=DUE + timedelta(minutes=3))
    assert done["state"] == "resolved" and done["resolved_by"] == "admin"
    assert pf.incidents.list("admin") == []
    assert [i["id"] for i in pf.incidents.list("admin", None)] == [incident["id"]]

    [check] = pf.tasks("cv_vhtt")
    assert check["element_id"] == "Check"
    assert pf.show(instance)["data"]["fee"] == 42
    events = pf.history(instance)
    assert [e["command"] for e in events] == ["start", "update_data", "timer"]
    assert events[1]["actor"] == "admin"
    verdict = pf.audit.verify(instance)
    assert verdict["verified"], verdict
    assert verdict["steps"] == 3 and verdict["reproduced"] == 3
    pf.complete(check["id"], "cv_vhtt", now=DUE + timedelta(minutes=4))
    assert pf.show(instance)["status"] == "completed"


def test_cancel_gives_up_on_the_instance(pf: Policyflow) -> None:
    instance = start_failing(pf)
    pf.fire_due_timers(DUE)
    [incident] = pf.incidents.list("admin")
    with pytest.raises(PermissionDenied):  # cancelling stays an administrator's decision
        pf.incidents.cancel(incident["id"], "chu_quy_trinh", now=DUE)
    closed = pf.incidents.cancel(incident["id"], "admin", now=DUE + timedelta(minutes=1))
    assert closed["state"] == "resolved"
    assert pf.show(instance)["status"] == "cancelled"
    with pytest.raises(Conflict):
        pf.incidents.retry(incident["id"], "admin")


def test_only_administrators_and_process_owners(pf: Policyflow) -> None:
    instance = start_failing(pf)
    pf.fire_due_timers(DUE)
    [incident] = pf.incidents.list("admin")
    for user in ("cv_vhtt", "ct_ubnd"):
        with pytest.raises(PermissionDenied):
            pf.incidents.list(user)
        with pytest.raises(PermissionDenied):
            pf.incidents.retry(incident["id"], user)
        with pytest.raises(PermissionDenied):
            pf.incidents.update_data(instance, {"amount": "1"}, user)
        assert pf.incidents.open_count(user) == 0
    assert pf.incidents.open_count("admin") == 1


@pytest.mark.parametrize(
    "changes",
    [{}, {"config": {}}, {"initiator": "x"}, {"not a name": 1}, {"_x": 1}, {"x": float("nan")}],
)
def test_a_fix_is_validated(pf: Policyflow, changes: dict) -> None:
    instance = start_failing(pf)
    with pytest.raises(InvalidInput):
        pf.incidents.update_data(instance, changes, "admin", now=NOW)
    assert [e["command"] for e in pf.history(instance)] == ["start"]


def test_a_model_failing_at_start_names_its_element(pf: Policyflow) -> None:
    deploy_test_model(pf, "incident_start.bpmn")
    with pytest.raises(ProcessFailed) as failed:
        pf.start("incident_start", "cv_vhtt", {"amount": "abc"}, now=NOW)
    assert failed.value.element_id == "Compute"
    assert "Tính phí" in str(failed.value)
    assert incident_rows(pf) == 0  # a person's command: the caller hears it, no incident
    with pf.transaction() as s:
        assert s.scalar(select(func.count(Job.id))) == 0


def test_the_timer_job_fails_once_and_the_embedded_runner_goes_on(pf: Policyflow, tmp_path) -> None:
    """Through tasks/: the timer's job is marked failed with the reason (no redelivery
    loop), the incident holds the failure, and the runner's sweep does not raise."""
    from tasks import jobs
    from tasks.embedded import EmbeddedRunner
    from tasks.senders import FolderMailer, FolderPublisher, Senders
    from tasks.settings import Settings

    instance = start_failing(pf)
    senders = Senders(FolderMailer(tmp_path / "mail"), FolderPublisher(tmp_path / "portal"))
    with pf.transaction() as s:
        [job_id] = s.scalars(select(Job.id).where(Job.kind == "fire_timers")).all()
    assert jobs.run(pf, job_id, senders, DUE) == "failed"
    with pf.transaction() as s:
        job = s.get(Job, job_id)
        assert job is not None and job.state == "failed" and "Tính phí" in (job.last_error or "")
    [incident] = pf.incidents.list("admin")
    assert incident["instance_id"] == instance and incident["attempts"] == 1
    runner = EmbeddedRunner(pf, Settings.from_env(), senders)
    assert runner.tick(DUE + timedelta(minutes=5))["fired"] == 0  # skipped, no exception
    assert pf.incidents.list("admin")[0]["attempts"] == 1
