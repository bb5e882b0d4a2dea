"""P4's public side: citizens' information requests filed on the public page, their
files, the letters sent to them, and the page's rate-limit counters.

The tracking code is never stored: only its SHA-256 (a database leak does not hand out
the codes). The instance holds the case; these rows hold what the public page may show.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from .base import Base


class InfoRequest(Base):
    """One request filed by a citizen (or entered by staff for one made in person)."""

    __tablename__ = "info_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the code
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    channel: Mapped[str] = mapped_column(String(20))  # in_person | online | post
    email: Mapped[str | None] = mapped_column(String(254))
    address_hash: Mapped[str] = mapped_column(String(64), index=True)  # the filer's IP, hashed
    filed_at: Mapped[datetime] = mapped_column(index=True)


class InfoRequestFile(Base):
    """A file the citizen attached (the request, or a completion), checked by real type."""

    __tablename__ = "info_request_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("info_requests.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    added_at: Mapped[datetime]


class CitizenLetter(Base):
    """A numbered letter (công văn) the process sent to the requester: what the tracking
    page lists and the e-mail carries."""

    __tablename__ = "citizen_letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), index=True)
    register_entry_id: Mapped[int] = mapped_column(ForeignKey("register_entries.id"))
    kind: Mapped[str] = mapped_column(String(30))  # receipt, complete, redirect, notice…
    symbol: Mapped[str] = mapped_column(String(60))  # "05/UBND-VP"
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime | None]
    issued_at: Mapped[datetime]


class PublicHit(Base):
    """One counted use of a public page by an address (hashed): filings and code
    look-ups, for the per-address limits. Old rows are pruned as new ones come."""

    __tablename__ = "public_hits"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # file | track
    address_hash: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(index=True)
