"""per instance audit chains: the global chain and its head row go, signed checkpoints come

The events keep their per-instance chains unchanged (prev_hash/hash); `global_seq` and
`global_hash` are dropped (the event id orders the log). No checkpoint is written here
(the migration has no business reading the signing key): the first scheduled checkpoint,
or `policyflow audit checkpoint`, covers every event written before it.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 01:30:00
"""

import hashlib

import sqlalchemy as sa
from alembic import op

import engine.store.models.base

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

EVENT_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", engine.store.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("last_event_id", EVENT_ID, nullable=False),
        sa.Column("pending", sa.JSON(), nullable=False),
        sa.Column("heads", sa.Integer(), nullable=False),
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoints")),
    )
    op.create_table(
        "audit_checkpoint_heads",
        sa.Column("checkpoint_id", sa.Integer(), nullable=False),
        sa.Column("chain", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["checkpoint_id"],
            ["audit_checkpoints.id"],
            name=op.f("fk_audit_checkpoint_heads_checkpoint_id_audit_checkpoints"),
        ),
        sa.PrimaryKeyConstraint("checkpoint_id", "chain", name=op.f("pk_audit_checkpoint_heads")),
    )
    op.create_index(
        op.f("ix_audit_checkpoint_heads_chain"), "audit_checkpoint_heads", ["chain"], unique=False
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_global_seq")
        batch_op.drop_column("global_hash")
        batch_op.drop_column("global_seq")
    op.drop_table("audit_head")


def downgrade() -> None:
    """The global chain rebuilt over the events in id order (as 0006 did); checkpoints go."""
    if not sa.inspect(op.get_bind()).has_table("audit_checkpoints"):
        return  # a database stamped 0018 while this revision was a reserved no-op
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", EVENT_ID, nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("global_seq", EVENT_ID))
        batch_op.add_column(sa.Column("global_hash", sa.String(length=64)))
    conn = op.get_bind()
    seq, digest = 0, "0" * 64
    for row_id, event_hash in conn.execute(
        sa.text("SELECT id, hash FROM audit_events ORDER BY id")
    ):
        seq += 1
        digest = hashlib.sha256(f"{digest}:{seq}:{event_hash}".encode()).hexdigest()
        conn.execute(
            sa.text("UPDATE audit_events SET global_seq = :s, global_hash = :h WHERE id = :i"),
            {"s": seq, "h": digest, "i": row_id},
        )
    conn.execute(
        sa.text("INSERT INTO audit_head (id, seq, hash) VALUES (1, :s, :h)"),
        {"s": seq, "h": digest},
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.alter_column("global_seq", existing_type=EVENT_ID, nullable=False)
        batch_op.alter_column("global_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_index("ix_audit_global_seq", ["global_seq"], unique=True)
    op.drop_index(op.f("ix_audit_checkpoint_heads_chain"), table_name="audit_checkpoint_heads")
    op.drop_table("audit_checkpoint_heads")
    op.drop_table("audit_checkpoints")
