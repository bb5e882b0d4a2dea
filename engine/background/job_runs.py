"""What background jobs need from the engine, over one session each: the job itself,
an instance's due timers fired. The queue that runs jobs lives outside the engine.
"""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.background import outbox
from engine.commands import lifecycle
from engine.commands.runner import Runtime
from engine.enums import InstanceStatus, TimerState
from engine.results import JobRun, TimersFired
from engine.store.models import Instance, Job, Timer


def job_for_run(session: Session, job_id: int) -> JobRun | None:
    """The job as its runner needs it, counted as an attempt; None once it is over."""
    job = outbox.begin(session, job_id)
    return None if job is None else _as_dict(job)


def _as_dict(job: Job) -> JobRun:
    return {
        "id": job.id,
        "kind": job.kind,
        "instance_id": job.instance_id,
        "payload": job.payload,
        "run_at": job.run_at,
        "attempts": job.attempts,
    }


def fire_instance_timers(
    session: Session, rt: Runtime, instance_id: int, now: datetime
) -> TimersFired:
    """Fire what is due; report the instance's next waiting timer, if it still runs."""
    fired = lifecycle.fire_timers(session, rt, instance_id, now)
    next_due = session.scalar(
        select(Timer.due_at)
        .join(Instance, Instance.id == Timer.instance_id)
        .where(
            Timer.instance_id == instance_id,
            Timer.state == TimerState.WAITING,
            Instance.status == InstanceStatus.RUNNING,
        )
        .order_by(Timer.due_at)
        .limit(1)
    )
    return {"fired": fired, "next_due": next_due}
