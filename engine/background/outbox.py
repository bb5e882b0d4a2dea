"""The transactional outbox: background work recorded with the change that caused it.

A command that reaches a timer, notifies someone or publishes a page adds a `Job` row in
its own transaction, so the work is never lost and never promised for a change that
rolled back. A relay later hands jobs to a queue (Celery, or the embedded runner);
`begin`/`finish` bracket running one. Nothing here knows which queue is used.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, and_, delete, func, or_, select
from sqlalchemy.orm import Session

from engine.enums import JobState
from engine.results import JobCounts, JobTrouble
from engine.store.models import Job

OVER = (JobState.DONE, JobState.FAILED)

NEW_JOBS = "policyflow_new_jobs"  # session.info key: jobs added in this transaction


@dataclass(frozen=True)
class JobTicket:
    """What a queue needs to run a job later."""

    id: int
    kind: str
    instance_id: int | None
    run_at: datetime


def enqueue(
    session: Session,
    kind: str,
    run_at: datetime,
    now: datetime,
    instance_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> Job:
    job = Job(
        kind=kind,
        instance_id=instance_id,
        payload=payload or {},
        run_at=run_at,
        state=JobState.PENDING,
        attempts=0,
        created_at=now,
    )
    session.add(job)
    session.info.setdefault(NEW_JOBS, []).append(job)
    return job


def new_job_ids(session: Session) -> list[int]:
    """Ids of the jobs this transaction added (flushes them)."""
    jobs: list[Job] = session.info.pop(NEW_JOBS, [])
    if jobs:
        session.flush()
    return [job.id for job in jobs]


def relay(
    session: Session,
    send: Callable[[JobTicket], bool],
    until: datetime,
    now: datetime,
    stale_after: timedelta,
    only: list[int] | None = None,
    limit: int = 1000,
) -> int:
    """Hand jobs due by `until` to `send`, earliest first; return how many went.

    Also hands over again jobs sent long ago and still not done (the queue lost them).
    A job is marked sent only once `send` accepted it; when the queue is down `send`
    returns False, the rest stays pending and a later relay tries again.
    """
    stale = and_(Job.state == JobState.SENT, Job.sent_at < now - stale_after, Job.run_at < now)
    query = (
        select(Job)
        .where(or_(and_(Job.state == JobState.PENDING, Job.run_at <= until), stale))
        .order_by(Job.run_at, Job.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if only is not None:
        query = query.where(Job.id.in_(only))
    sent = 0
    for job in session.scalars(query):
        if not send(JobTicket(job.id, job.kind, job.instance_id, job.run_at)):
            break
        job.state, job.sent_at = JobState.SENT, now
        sent += 1
    return sent


def begin(session: Session, job_id: int) -> Job | None:
    """The job, locked and counted as one more attempt; None if it is over (or unknown)."""
    job = session.get(Job, job_id, with_for_update=True, populate_existing=True)
    if job is None or job.state in OVER:
        return None
    job.attempts += 1
    return job


def finish(session: Session, job_id: int, now: datetime, error: str | None = None) -> None:
    job = session.get(Job, job_id, with_for_update=True, populate_existing=True)
    if job is None:
        return
    job.state = JobState.FAILED if error else JobState.DONE
    job.done_at, job.last_error = now, error


def retry_later(session: Session, job_id: int, at: datetime, error: str) -> None:
    """Back to pending, not before `at` (a transient failure the runner will retry)."""
    job = session.get(Job, job_id, with_for_update=True, populate_existing=True)
    if job is not None and job.state not in OVER:
        job.state, job.run_at, job.last_error = JobState.PENDING, at, error


def purge_done(session: Session, before: datetime) -> int:
    done = delete(Job).where(Job.state == JobState.DONE, Job.done_at < before)
    result = cast(CursorResult, session.execute(done))  # a DELETE's result has a rowcount
    return result.rowcount or 0


def troubled(session: Session, now: datetime, stuck_after: timedelta) -> list[JobTrouble]:
    """Jobs sent more than `stuck_after` ago and not done, then failed ones, newest first
    (at most 200 of each: an overview, not an archive)."""
    stuck = select(Job).where(Job.state == JobState.SENT, Job.sent_at < now - stuck_after)
    failed = select(Job).where(Job.state == JobState.FAILED)
    rows = [
        *session.scalars(stuck.order_by(Job.sent_at.desc()).limit(200)),
        *session.scalars(failed.order_by(Job.done_at.desc()).limit(200)),
    ]
    return [
        {
            "id": job.id,
            "kind": job.kind,
            "instance_id": job.instance_id,
            "state": JobState(job.state),
            "run_at": job.run_at,
            "sent_at": job.sent_at,
            "attempts": job.attempts,
            "last_error": job.last_error,
        }
        for job in rows
    ]


def counts(session: Session) -> JobCounts:
    """Jobs by state, for the operator's overview."""
    rows = session.execute(select(Job.state, func.count()).group_by(Job.state)).all()
    return {JobState(state): n for state, n in rows}
