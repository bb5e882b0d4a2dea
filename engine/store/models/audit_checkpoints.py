"""Signed checkpoints of the audit log: every so often, the heads of the chains that moved
since the previous checkpoint, their Merkle root, a link to the previous checkpoint and
an Ed25519 signature (engine/audit/checkpoints.py writes them, chain.verify_all checks)."""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class AuditCheckpoint(Base):
    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # 1, 2, … no gaps
    at: Mapped[datetime]  # when it was written (the engine clock)
    prev_hash: Mapped[str] = mapped_column(String(64))  # the previous checkpoint's hash
    # Events with ids up to this one were read; `pending` lists ids below it not yet
    # committed then (an open transaction), looked at again by the next checkpoint.
    last_event_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    pending: Mapped[list]
    heads: Mapped[int]  # how many chain heads (leaves) the root covers
    root: Mapped[str] = mapped_column(String(64))  # Merkle root (RFC 6962) over the heads
    hash: Mapped[str] = mapped_column(String(64))  # over all the fields above and the key
    public_key: Mapped[str] = mapped_column(String(64))  # Ed25519, raw, hex
    signature: Mapped[str] = mapped_column(String(128))  # over `hash`, hex


class AuditCheckpointHead(Base):
    """One chain's head as a checkpoint saw it: a leaf of its Merkle tree."""

    __tablename__ = "audit_checkpoint_heads"

    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("audit_checkpoints.id"), primary_key=True)
    # The instance id; 0 for the administration's chain. No foreign key: a deleted
    # instance is what this row must still tell of.
    chain: Mapped[int] = mapped_column(primary_key=True, index=True)
    seq: Mapped[int]
    hash: Mapped[str] = mapped_column(String(64))
