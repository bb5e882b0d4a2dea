"""Background work: the Celery app and its jobs (timers, e-mails, portal pages,
reminders, the outbox relay), and the embedded runner used when there is no Redis.

`connect(pf)` is what the web app and the CLI call: with REDIS_URL set, every commit
that records jobs hands the near ones to Celery at once; without it the embedded runner
(`policyflow scheduler`) finds them in the outbox.
"""

from engine.facade import Policyflow

from .settings import Settings


def connect(pf: Policyflow) -> None:
    if Settings.from_env().broker_url:
        from .celery_app import attach_relay

        attach_relay(pf)
