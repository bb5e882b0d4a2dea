"""The spokesperson register (Nghị định 09/2017/NĐ-CP Điều 2 and 7): who speaks for each
body, from when to when, and the snapshots published of it.

History is kept: a change is a new dated row, never an edit of an old one. The person in
force for a unit on a day is the row with the latest (valid_from, id) whose period covers
the day, so a later row supersedes an earlier one from its first day, and a correction of
a row is a newer row with the same first day.
"""

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class Spokesperson(Base):
    """One designation: the body (an administration: district or commune People's
    Committee), the person, the period, the decision or source it rests on."""

    __tablename__ = "spokespersons"
    __table_args__ = (Index("ix_spokespersons_unit_from", "unit_id", "valid_from", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    full_name: Mapped[str] = mapped_column(String(200))
    position: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(50), default="", server_default="")
    email: Mapped[str] = mapped_column(String(200), default="", server_default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # a user, if any
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]  # last day; None: until a later row supersedes it
    source: Mapped[str] = mapped_column(Text, default="", server_default="")
    verified: Mapped[bool] = mapped_column(default=True, server_default=sa_true())
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(String(64))
    # Set once, by the publication job that first published it (None: not yet public).
    publication_id: Mapped[int | None] = mapped_column(
        ForeignKey("spokesperson_publications.id"), index=True
    )


class SpokespersonPublication(Base):
    """A published snapshot of the register, written by its background job (one per job:
    a job run twice publishes once)."""

    __tablename__ = "spokesperson_publications"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(unique=True)
    published_at: Mapped[datetime]
    on_date: Mapped[date]  # the local day whose register the snapshot lists
    entries: Mapped[list]  # the register in force that day, as the public page shows it
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the entries' JSON
