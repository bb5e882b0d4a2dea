"""The Celery app: Redis broker, one task per job kind, and beat's periodic sweep.

Run with `celery -A tasks.celery_app worker` and `celery -A tasks.celery_app beat`
(see the Procfile). Jobs are acknowledged only after they ran (`acks_late`), so a worker
killed mid-job leaves its job to be delivered again; jobs are idempotent (tasks/jobs.py).
"""

import logging
import random
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from celery import Celery, Task
from celery.schedules import crontab
from kombu.exceptions import KombuError

from engine.facade import JobTicket, Policyflow, real_time, utcnow

from . import checkpoints, jobs
from .senders import Senders
from .settings import Settings

log = logging.getLogger(__name__)
SETTINGS = Settings.from_env()
KEEP_DONE_JOBS = timedelta(days=30)  # finished jobs are operational data, not the record


def make_app(settings: Settings) -> Celery:
    app = Celery("policyflow", broker=settings.broker_url or "redis://127.0.0.1:6379/0")
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,  # a killed pool process: the job goes back at once
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_default_queue="policyflow",
        timezone="UTC",
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=2,
        broker_transport_options={
            # A job not acknowledged this long after delivery goes to another worker (a
            # killed one never acknowledges); the relay never hands over a job due
            # further ahead than its horizon, which is shorter.
            "visibility_timeout": settings.visibility_timeout,
            "socket_connect_timeout": 2,
            "socket_timeout": 5,
        },
        beat_schedule={
            "sweep": {"task": "policyflow.sweep", "schedule": settings.sweep_seconds},
            "audit-checkpoint": {
                "task": "policyflow.audit_checkpoint",
                "schedule": settings.checkpoint_seconds,
            },
            # 00:05 in Việt Nam (UTC+7): units end at the end of a local day, so their
            # open work moves to the successors first thing on the next.
            "org-transition": {
                "task": "policyflow.org_transition",
                "schedule": crontab(hour=17, minute=5),
            },
            # 00:06 local: claims whose holder's role ended (or who was deactivated) go
            # back to the group on the first day without it (engine.commands.admin_people).
            "release-lapsed-claims": {
                "task": "policyflow.release_lapsed_claims",
                "schedule": crontab(hour=17, minute=6),
            },
        },
    )
    return app


app = make_app(SETTINGS)


@cache
def engine() -> Policyflow:
    """One engine per worker process (its caches serve every job the process runs)."""
    pf = Policyflow()
    attach_relay(pf)
    return pf


@cache
def senders() -> Senders:
    return Senders.from_settings(SETTINGS)


def attach_relay(pf: Policyflow, queue: Celery = app, settings: Settings = SETTINGS) -> None:
    """After each commit that recorded jobs, hand the near ones to Celery at once."""

    def relay_new(ids: list[int]) -> None:
        try:
            relay(pf, only=ids, queue=queue, settings=settings)
        except Exception:  # the command is committed; the sweep relays what is left
            log.exception("relay after commit failed; jobs %s stay in the outbox", ids)

    pf.on_jobs = relay_new


def relay(
    pf: Policyflow,
    now: datetime | None = None,
    only: list[int] | None = None,
    queue: Celery = app,
    settings: Settings = SETTINGS,
) -> int:
    """Send the outbox's near jobs to Redis with their ETA; return how many went."""
    moment = now or utcnow()
    shift = utcnow() - moment  # zero on the real clock; a moved clock maps back to real time

    def send(ticket: JobTicket) -> bool:
        # An absolute ETA: a job sent late in a big batch still runs at its own time.
        eta = real_time(ticket.run_at + shift)
        try:
            queue.send_task("policyflow.run_job", (ticket.id,), eta=eta, retry=False)
        except (KombuError, OSError) as err:
            log.warning("queue unavailable (%s); job %s stays in the outbox", err, ticket.id)
            return False
        return True

    until = moment + settings.relay_horizon
    return pf.jobs.relay(send, until, moment, settings.stale_after, only)


def _moment(now: str | None) -> datetime | None:
    return datetime.fromisoformat(now) if now else None


def _backoff(retries: int) -> float:
    return min(300.0, 2.0**retries) + random.uniform(0, 1)


@app.task(bind=True, name="policyflow.run_job")
def run_job(self: Task, job_id: int, now: str | None = None) -> str:
    try:
        return jobs.run(engine(), job_id, senders(), _moment(now))
    except jobs.NotYet as early:
        raise self.retry(eta=real_time(early.at), max_retries=None) from None
    except jobs.TRANSIENT as err:
        raise self.retry(exc=err, countdown=_backoff(self.request.retries), max_retries=12) from err


@app.task(bind=True, name="policyflow.fire_instance")
def fire_instance(self: Task, instance_id: int, now: str | None = None) -> list[str]:
    """Fire whatever is due on one instance (the sweep's catch-all; idempotent)."""
    try:
        return engine().jobs.fire_instance_timers(instance_id, _moment(now))["fired"]
    except jobs.TRANSIENT as err:
        raise self.retry(exc=err, countdown=_backoff(self.request.retries), max_retries=12) from err


@app.task(name="policyflow.sweep")
def sweep(now: str | None = None) -> dict[str, Any]:
    """Every minute: timers past due (whatever happened to their jobs), reminders owed,
    and outbox jobs whose time is near. `now` moves the clock (tests, catching up)."""
    pf = engine()
    moment = _moment(now) or utcnow()
    done: dict[str, Any] = {}
    # Each part on its own: a failing one (say, a bad setting) must not stop the others.
    for part, run in (
        ("due_instances", lambda: _fire_due(pf, moment, now)),
        ("reminders", lambda: pf.jobs.send_reminders(moment)),
        ("relayed", lambda: relay(pf, moment)),
        ("purged", lambda: pf.jobs.purge(moment - KEEP_DONE_JOBS)),
    ):
        try:
            done[part] = run()
        except Exception as err:
            log.exception("sweep: %s failed", part)
            done[part] = f"failed: {err}"
    return done


def _fire_due(pf: Policyflow, moment: datetime, now: str | None) -> int:
    due = pf.jobs.due_timer_instances(moment)
    for instance_id in due:
        fire_instance.apply_async((instance_id, now), retry=False)
    return len(due)


@app.task(bind=True, name="policyflow.audit_checkpoint")
def audit_checkpoint(self: Task) -> int | None:
    """Every few minutes: sign the heads of the audit chains that moved (the checkpoint's
    number, None when nothing moved); its number and hash are logged and published."""
    try:
        cp = checkpoints.checkpoint(engine(), SETTINGS.spool)
    except jobs.TRANSIENT as err:
        raise self.retry(exc=err, countdown=_backoff(self.request.retries), max_retries=3) from err
    return cp["id"] if cp else None


@app.task(bind=True, name="policyflow.org_transition")
def org_transition(self: Task, now: str | None = None) -> int:
    """Daily: hand the open work of units that ended over to their successors (in force
    today, local date); one audited command per instance, so a rerun moves nothing twice."""
    pf = engine()
    moment = _moment(now) or utcnow()
    try:
        return len(pf.org.transition(pf.org.today(moment), dry_run=False, now=moment))
    except jobs.TRANSIENT as err:
        raise self.retry(exc=err, countdown=_backoff(self.request.retries), max_retries=12) from err


@app.task(bind=True, name="policyflow.release_lapsed_claims")
def release_lapsed_claims(self: Task, now: str | None = None) -> int:
    """Daily: every claimed task whose holder can no longer act on it today (a role held
    until yesterday, a deactivated user) goes back to the group, audited per instance."""
    pf = engine()
    moment = _moment(now) or utcnow()
    try:
        return len(pf.people.release_lapsed(pf.org.today(moment), now=moment))
    except jobs.TRANSIENT as err:
        raise self.retry(exc=err, countdown=_backoff(self.request.retries), max_retries=12) from err
