"""`pf.jobs`: what background work needs from the engine — the outbox of jobs,
timers due, e-mails, reminders; called by tasks/ (Celery, the embedded runner) and the CLI."""

from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy.orm import Session

from engine.access.org import get_user
from engine.background import job_runs, notices, outbox, reminders
from engine.commands import lifecycle
from engine.context import utcnow
from engine.enums import IncidentKind
from engine.errors import N_, PermissionDenied
from engine.facade.core import Core
from engine.facade.incidents import run_recorded
from engine.results import JobCounts, JobRun, JobTrouble, TimersFired


class JobsFacade:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.runtime = core.runtime

    # -- background work (tasks/ and the CLI) -------------------------------------------

    def relay(
        self,
        send: Callable[[outbox.JobTicket], bool],
        until: datetime,
        now: datetime | None = None,
        stale_after: timedelta = timedelta(minutes=10),
        only: list[int] | None = None,
    ) -> int:
        """Hand the jobs due by `until` to `send` (see engine.outbox.relay)."""
        now = now or utcnow()
        return self.core.run(lambda s: outbox.relay(s, send, until, now, stale_after, only))

    def start(self, job_id: int) -> JobRun | None:
        return self.core.run(lambda s: job_runs.job_for_run(s, job_id))

    def finish(self, job_id: int, error: str | None = None, now: datetime | None = None) -> None:
        self.core.run(lambda s: outbox.finish(s, job_id, now or utcnow(), error))

    def retry(self, job_id: int, at: datetime, error: str) -> None:
        self.core.run(lambda s: outbox.retry_later(s, job_id, at, error))

    def purge(self, before: datetime) -> int:
        """Forget jobs done before `before` (the audit log keeps what they did)."""
        return self.core.run(lambda s: outbox.purge_done(s, before))

    def counts(self) -> JobCounts:
        return self.core.run(outbox.counts)

    def troubled(
        self, username: str, stuck_after: timedelta, now: datetime | None = None
    ) -> list[JobTrouble]:
        """For administrators: jobs handed over more than `stuck_after` ago and not done
        (the relay hands them over again), and failed ones; PermissionDenied for others."""

        def go(s: Session) -> list[JobTrouble]:
            if not get_user(s, username).is_admin:
                raise PermissionDenied(N_("Chỉ quản trị viên xem được công việc nền."))
            return outbox.troubled(s, now or utcnow(), stuck_after)

        return self.core.run(go)

    def due_timer_instances(self, now: datetime | None = None) -> list[int]:
        return self.core.run(lambda s: lifecycle.due_timer_instances(s, now or utcnow()))

    def fire_instance_timers(self, instance_id: int, now: datetime | None = None) -> TimersFired:
        """Fire the instance's due timers: {"fired": [...], "next_due": datetime | None}."""
        now = now or utcnow()
        return run_recorded(  # a model that fails: an incident, then ProcessFailed
            self.core,
            instance_id,
            IncidentKind.TIMER,
            now,
            lambda s: job_runs.fire_instance_timers(s, self.runtime, instance_id, now),
        )

    def deliver_email(
        self,
        notification_id: int,
        send: Callable[[EmailMessage], None],
        now: datetime | None = None,
    ) -> bool:
        return self.core.run(
            lambda s: notices.deliver_email(s, notification_id, send, now or utcnow())
        )

    def send_reminders(self, now: datetime | None = None) -> int:
        return self.core.run(
            lambda s: reminders.send_due_reminders(s, self.runtime, now or utcnow())
        )
