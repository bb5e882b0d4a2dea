"""The background side of the engine's API: the outbox, timers, e-mails, reminders.

A mixin of `engine.api.Policyflow` (which provides `_run` and `runtime`), called by
tasks/ (Celery and the embedded runner) and the CLI.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from engine.background import job_runs as background
from engine.background import notices, outbox, reminders
from engine.commands import lifecycle
from engine.commands.runner import Runtime
from engine.context import utcnow

T = TypeVar("T")


class BackgroundCommands:
    runtime: Runtime

    def _run(self, fn: Callable[[Session], T]) -> T:  # provided by Policyflow
        raise NotImplementedError

    # -- background work (tasks/ and the CLI) -------------------------------------------

    def relay_jobs(
        self,
        send: Callable[[outbox.JobTicket], bool],
        until: datetime,
        now: datetime | None = None,
        stale_after: timedelta = timedelta(minutes=10),
        only: list[int] | None = None,
    ) -> int:
        """Hand the jobs due by `until` to `send` (see engine.outbox.relay)."""
        now = now or utcnow()
        return self._run(lambda s: outbox.relay(s, send, until, now, stale_after, only))

    def start_job(self, job_id: int) -> dict[str, Any] | None:
        return self._run(lambda s: background.job_for_run(s, job_id))

    def finish_job(
        self, job_id: int, error: str | None = None, now: datetime | None = None
    ) -> None:
        self._run(lambda s: outbox.finish(s, job_id, now or utcnow(), error))

    def retry_job(self, job_id: int, at: datetime, error: str) -> None:
        self._run(lambda s: outbox.retry_later(s, job_id, at, error))

    def purge_jobs(self, before: datetime) -> int:
        """Forget jobs done before `before` (the audit log keeps what they did)."""
        return self._run(lambda s: outbox.purge_done(s, before))

    def job_counts(self) -> dict[str, int]:
        return self._run(outbox.counts)

    def due_timer_instances(self, now: datetime | None = None) -> list[int]:
        return self._run(lambda s: lifecycle.due_timer_instances(s, now or utcnow()))

    def fire_instance_timers(self, instance_id: int, now: datetime | None = None) -> dict:
        """Fire the instance's due timers: {"fired": [...], "next_due": datetime | None}."""
        now = now or utcnow()
        return self._run(
            lambda s: background.fire_instance_timers(s, self.runtime, instance_id, now)
        )

    def deliver_email(
        self,
        notification_id: int,
        send: Callable[[EmailMessage], None],
        now: datetime | None = None,
    ) -> bool:
        return self._run(lambda s: notices.deliver_email(s, notification_id, send, now or utcnow()))

    def send_reminders(self, now: datetime | None = None) -> int:
        return self._run(lambda s: reminders.send_due_reminders(s, self.runtime, now or utcnow()))
