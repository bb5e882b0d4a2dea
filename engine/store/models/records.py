"""What processes leave behind for the year: the document register and case records."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class RegisterEntry(Base):
    """One number of the document register (sổ đăng ký văn bản đi, Nghị định 30/2020):
    per issuing body and calendar year, from 01, gap-free (DocumentCounter hands them out
    under a row lock) and never reused — a document cancelled after numbering keeps its
    entry, marked cancelled."""

    __tablename__ = "register_entries"
    __table_args__ = (UniqueConstraint("issuer_unit_id", "year", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    year: Mapped[int]
    number: Mapped[int]
    symbol: Mapped[str] = mapped_column(String(60))  # "05/QĐ-UBND", "12/UBND-VHTT"
    doc_type: Mapped[str] = mapped_column(String(20))  # QĐ, BC, KH, TTr, CV…
    title: Mapped[str] = mapped_column(Text, default="")  # trích yếu
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instances.id"), index=True)
    issued_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(Text)


class CaseRecord(Base):
    """A case's figures as the annual report counts them (a press request answered on
    time, a crisis with its statement within 24 hours…), written by the process that
    handled it, read by P3 to pre-fill each unit's report."""

    __tablename__ = "case_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(40), index=True)  # press_request, crisis…
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    year: Mapped[int] = mapped_column(index=True)  # the local year the case ended in
    figures: Mapped[dict]  # indicator key -> number (the P3 report's keys)
    recorded_at: Mapped[datetime]
