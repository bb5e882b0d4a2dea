"""The append-only, hash-chained audit log: every external input to an instance.

Each instance (and the administration) has its own chain; nothing on the write path is
shared between instances. Signed checkpoints (`audit_checkpoints.py`) tie the chains'
heads together periodically (engine/audit/checkpoints.py). Bulky inputs many events share
(the settings and units a start copies into the instance) are stored once in
`audit_blobs`, by the SHA-256 of their canonical JSON, which the event records instead
(engine/audit/blobs.py): the event's hash covers the digest, the digest the content."""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_instance_seq", "instance_id", "seq", unique=True),)

    # The event's number across the whole log (insertion order, from a sequence: no lock,
    # so rolled-back commands leave gaps); searches page on it, newest first.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True
    )  # SQLite autoincrements only INTEGER keys
    # None: an administrative change (an org import, a unit ended), chained on its own.
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instances.id"))
    seq: Mapped[int]  # 1, 2, … within the instance
    at: Mapped[datetime]  # the command's clock: the time the library was given
    actor: Mapped[str] = mapped_column(String(64))  # username, or "system"
    command: Mapped[str] = mapped_column(String(40), index=True)
    payload: Mapped[dict]  # the command's input, and the non-deterministic values it used
    result: Mapped[dict]  # task states after the command
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditBlob(Base):
    """A body some events refer to by its digest, written once (engine/audit/blobs.py)."""

    __tablename__ = "audit_blobs"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of canonical JSON
    body: Mapped[dict]
