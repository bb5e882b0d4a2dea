"""With the engine's clock moved (POLICYFLOW_CLOCK_DATE, as the whole suite runs), a job
handed to Celery carries an ETA on the real clock: the queue knows no other. Before the
fix a job due in 3 s went out with an ETA some 500 days in the past, ran at once, found
itself early and retried in a loop."""

import os
from datetime import UTC, datetime, timedelta
from typing import Any

from engine.background.outbox import enqueue
from engine.context import real_time, utcnow
from engine.facade import Policyflow
from tasks.celery_app import relay


class RecordingQueue:
    """Where relay's `send_task` calls land (the real Celery path is test_workers.py)."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send_task(self, name: str, args: tuple, eta: datetime, retry: bool) -> None:
        self.sent.append({"name": name, "args": args, "eta": eta})


def test_the_clock_is_moved_in_this_suite() -> None:
    assert os.environ.get("POLICYFLOW_CLOCK_DATE")
    assert abs(utcnow() - datetime.now(UTC)) > timedelta(days=1)
    assert abs(real_time(utcnow()) - datetime.now(UTC)) < timedelta(seconds=5)


def test_a_job_due_in_3_s_goes_out_due_in_3_real_seconds(pf: Policyflow) -> None:
    with pf.transaction() as s:
        enqueue(s, "email", utcnow() + timedelta(seconds=3), utcnow(), payload={})
    queue = RecordingQueue()
    assert relay(pf, queue=queue) == 1  # type: ignore[arg-type]
    [job] = queue.sent
    ahead = job["eta"] - datetime.now(UTC)
    assert timedelta(seconds=1) < ahead <= timedelta(seconds=3)
