"""Work to do outside a command's transaction: the outbox, and reminders already sent."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class Job(Base):
    """A piece of background work written in the same transaction as the change that
    caused it (a timer reached, a notice to e-mail, a page to publish).

    A relay hands pending jobs to the queue when their time is near; a job that was
    handed over but never finished (a lost queue, a killed worker) is handed over again.
    Running a job twice changes nothing twice: each kind checks its own effect first.
    """

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_state_run_at", "state", "run_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # fire_timers | send_email | publish
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instances.id"), index=True)
    payload: Mapped[dict]
    run_at: Mapped[datetime]  # not before
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending|sent|done|failed
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class ReminderSent(Base):
    """One reminder (an offset before the due time, or "overdue") per work item, once."""

    __tablename__ = "reminders_sent"
    __table_args__ = (UniqueConstraint("work_item_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    work_item_id: Mapped[str] = mapped_column(ForeignKey("work_items.id"))
    kind: Mapped[str] = mapped_column(String(32))  # an ISO duration such as "P1D", or "overdue"
    sent_at: Mapped[datetime]
