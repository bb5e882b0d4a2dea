"""the document register (every number handed out, cancellations kept) and case records
(a case's figures for the annual report)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 23:20:00
"""

import sqlalchemy as sa
from alembic import op

import engine.store.models.base

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "register_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer_unit_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("symbol", sa.String(length=60), nullable=False),
        sa.Column("doc_type", sa.String(length=20), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("issued_at", engine.store.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column(
            "cancelled_at", engine.store.models.base.UtcDateTime(timezone=True), nullable=True
        ),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["instances.id"],
            name=op.f("fk_register_entries_instance_id_instances"),
        ),
        sa.ForeignKeyConstraint(
            ["issuer_unit_id"],
            ["org_units.id"],
            name=op.f("fk_register_entries_issuer_unit_id_org_units"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_entries")),
        sa.UniqueConstraint(
            "issuer_unit_id", "year", "number", name=op.f("uq_register_entries_issuer_unit_id")
        ),
    )
    with op.batch_alter_table("register_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_register_entries_instance_id"), ["instance_id"], unique=False
        )
    op.create_table(
        "case_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("process_key", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column(
            "recorded_at", engine.store.models.base.UtcDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"], ["instances.id"], name=op.f("fk_case_records_instance_id_instances")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["org_units.id"], name=op.f("fk_case_records_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_records")),
    )
    with op.batch_alter_table("case_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_records_instance_id"), ["instance_id"])
        batch_op.create_index(batch_op.f("ix_case_records_kind"), ["kind"])
        batch_op.create_index(batch_op.f("ix_case_records_unit_id"), ["unit_id"])
        batch_op.create_index(batch_op.f("ix_case_records_year"), ["year"])


def downgrade() -> None:
    op.drop_table("case_records")
    op.drop_table("register_entries")
