"""Background-work settings, read from the environment once per process."""

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    broker_url: str | None  # Redis; None means the embedded runner (no Celery)
    sweep_seconds: float  # the periodic catch-all: due timers, reminders, the relay
    relay_horizon: timedelta  # jobs due this soon go to the queue with an ETA
    visibility_timeout: int  # seconds before Redis gives an unacknowledged job to another worker
    stale_after: timedelta  # a job sent this long ago and not done is sent again
    smtp_url: str | None  # smtp://host:port; None writes e-mails to spool/mail
    spool: Path  # local folders for e-mails and portal pages when no server is configured
    # How often the audit log's chain heads are signed (engine/audit/checkpoints.py): what
    # happened since the last checkpoint is what a database writer could still rewrite.
    checkpoint_seconds: float = 300.0

    @classmethod
    def from_env(cls) -> "Settings":
        env = os.environ.get
        visibility = int(env("POLICYFLOW_VISIBILITY_TIMEOUT", "300"))
        return cls(
            broker_url=env("REDIS_URL") or env("CELERY_BROKER_URL") or None,
            sweep_seconds=float(env("POLICYFLOW_SWEEP_SECONDS", "60")),
            checkpoint_seconds=float(env("POLICYFLOW_AUDIT_CHECKPOINT_SECONDS", "300")),
            relay_horizon=timedelta(seconds=float(env("POLICYFLOW_RELAY_HORIZON", "60"))),
            visibility_timeout=visibility,
            # Handed over this long ago and not done: the next sweep hands it over again, so
            # a job a dead worker held runs within the visibility timeout plus one sweep.
            stale_after=timedelta(seconds=visibility),
            smtp_url=env("SMTP_URL") or None,
            spool=Path(env("POLICYFLOW_SPOOL", str(PROJECT_DIR / "var"))),
        )
