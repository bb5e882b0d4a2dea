"""The embedded runner: background work without Redis, for `make run` on SQLite.

One process polls the outbox every second and runs due jobs itself (the same job code
as the Celery workers), every sweep period fires timers past due and sends the
reminders owed, and every checkpoint period signs an audit checkpoint. Run exactly one
(`policyflow scheduler`); for several machines use
Celery (see the README).
"""

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from engine.facade import JobTicket, Policyflow, utcnow

from . import checkpoints, jobs
from .senders import Senders
from .settings import Settings

log = logging.getLogger(__name__)


@dataclass
class EmbeddedRunner:
    pf: Policyflow
    settings: Settings
    senders: Senders
    _last_sweep: float = field(default=float("-inf"))
    _last_checkpoint: float = field(default_factory=time.monotonic)  # one period after start

    def tick(self, now: datetime | None = None) -> dict[str, int]:
        """Run the jobs due now; sweep if a sweep period has passed. Returns counts."""
        moment = now or utcnow()
        ran = 0
        for _ in range(10):  # jobs a job created (an e-mail after a timer) run in this tick too
            due = self._take_due(moment)
            for ticket in due:
                self._run(ticket.id, moment)
            ran += len(due)
            if not due:
                break
        counts = {"jobs": ran, "fired": 0, "reminders": 0}
        if time.monotonic() - self._last_sweep >= self.settings.sweep_seconds:
            self._last_sweep = time.monotonic()
            counts["fired"] = len(self.pf.fire_due_timers(moment))
            counts["reminders"] = self.pf.jobs.send_reminders(moment)
        if time.monotonic() - self._last_checkpoint >= self.settings.checkpoint_seconds:
            self._last_checkpoint = time.monotonic()
            counts["checkpoint"] = self._checkpoint()
        return counts

    def _checkpoint(self) -> int:
        """The audit checkpoint written now (its number; 0 when no chain moved)."""
        cp = checkpoints.checkpoint(self.pf, self.settings.spool)
        return cp["id"] if cp else 0

    def _take_due(self, moment: datetime) -> list[JobTicket]:
        """The jobs due at `moment`, marked as handed over (to this process)."""
        due: list[JobTicket] = []

        def take(ticket: JobTicket) -> bool:
            due.append(ticket)
            return True

        self.pf.jobs.relay(take, moment, moment, self.settings.stale_after)
        return due

    def _run(self, job_id: int, now: datetime) -> None:
        try:
            outcome = jobs.run(self.pf, job_id, self.senders, now)
            log.info("job %s: %s", job_id, outcome)
        except jobs.NotYet as early:
            self.pf.jobs.retry(job_id, early.at, "early")
        except jobs.TRANSIENT as err:
            log.warning("job %s failed for now (%s); retrying in 10 s", job_id, err)
            self.pf.jobs.retry(job_id, now + timedelta(seconds=10), str(err))

    def run_forever(self, interval: float = 1.0) -> None:
        log.info(
            "embedded runner started (poll %.1f s, sweep %.0f s)",
            interval,
            self.settings.sweep_seconds,
        )
        while True:
            try:
                self.tick()
            except Exception:  # a bad tick must not stop the district's deadlines
                log.exception("embedded runner tick failed")
            time.sleep(interval)
