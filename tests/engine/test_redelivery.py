"""A job a dead worker held is handed over again within the promised time (Redis's
visibility timeout plus one sweep; it once took twice the timeout), and administrators
see the jobs that are stuck or failed."""

from datetime import timedelta

import pytest

from engine.background import outbox
from engine.errors import PermissionDenied
from engine.facade import Policyflow
from tasks.settings import Settings
from tests.conftest import NOW


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("POLICYFLOW_VISIBILITY_TIMEOUT", "300")
    return Settings.from_env()


def sent_job(pf: Policyflow) -> int:
    with pf.transaction() as s:
        job = outbox.enqueue(s, "publish", NOW, NOW, None, {"title": "t"})
        s.flush()
        job_id = job.id
    assert pf.jobs.relay(lambda t: True, NOW, NOW) == 1  # handed to a worker that then dies
    return job_id


def test_a_lost_job_is_handed_over_again_after_the_visibility_timeout(
    pf: Policyflow, settings: Settings
) -> None:
    job = sent_job(pf)
    again: list[int] = []

    def sweep(after: timedelta) -> int:
        at = NOW + after
        return pf.jobs.relay(lambda t: again.append(t.id) or True, at, at, settings.stale_after)

    assert sweep(timedelta(seconds=299)) == 0  # Redis may still give it to a worker
    assert sweep(timedelta(seconds=301)) == 1  # README: within 300 s plus one sweep
    assert again == [job]


def test_administrators_see_stuck_and_failed_jobs(pf: Policyflow, settings: Settings) -> None:
    stuck = sent_job(pf)
    with pf.transaction() as s:
        failed = outbox.enqueue(s, "send_email", NOW, NOW, None, {"notification_id": 1})
        s.flush()
        failed_id = failed.id
    pf.jobs.finish(failed_id, "SMTP từ chối", now=NOW)
    redelivery = timedelta(seconds=settings.visibility_timeout)
    assert pf.jobs.troubled("admin", redelivery, NOW + timedelta(seconds=10)) == [
        j for j in pf.jobs.troubled("admin", redelivery, NOW) if j["id"] == failed_id
    ]  # a job sent 10 s ago is not stuck yet
    later = pf.jobs.troubled("admin", redelivery, NOW + timedelta(minutes=6))
    assert [(j["id"], j["state"]) for j in later] == [(stuck, "sent"), (failed_id, "failed")]
    assert later[1]["last_error"] == "SMTP từ chối"
    with pytest.raises(PermissionDenied):
        pf.jobs.troubled("cv_vhtt", redelivery)
