"""The append-only, hash-chained audit log: every external input to an instance."""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_instance_seq", "instance_id", "seq", unique=True),
        Index("ix_audit_global_seq", "global_seq", unique=True),
    )

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
    # The global chain across all instances: a deleted or reordered event anywhere breaks
    # it, even the last event of an instance (which its own chain cannot see go).
    global_seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    global_hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The end of the global chain (one row): appending locks it, so events are chained
    in commit order."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    hash: Mapped[str] = mapped_column(String(64))
