"""Incidents: work the engine did by itself (a timer, a message) that failed in the model."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class Incident(Base):
    """A failure of an instance's element, recorded after its command rolled back.

    One open row per (instance, element, kind): a repeated failure bumps `attempts` and
    `last_at`. While it is open the timer sweep leaves the instance alone; a retry that
    succeeds resolves it (`resolved_at`, `resolved_by`).
    """

    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_state_instance", "state", "instance_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # timer | message
    element_id: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str] = mapped_column(Text)  # the message, as the engine wrote it
    error_template: Mapped[str] = mapped_column(Text)  # for translation, with error_params
    error_params: Mapped[dict]
    payload: Mapped[dict]  # what a retry needs (a message's name and payload)
    state: Mapped[str] = mapped_column(String(16))  # open | resolved
    attempts: Mapped[int] = mapped_column(default=1)
    first_at: Mapped[datetime]
    last_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(64))
