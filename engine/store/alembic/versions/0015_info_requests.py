"""info requests: citizens' information requests filed on the public page (P4), their
files, the numbered letters sent to them, and the public page's per-address counters

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 01:30:00
"""

import sqlalchemy as sa
from alembic import op

import engine.store.models.base

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

UTC_TIME = engine.store.models.base.UtcDateTime()


def upgrade() -> None:
    op.create_table(
        "info_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("address_hash", sa.String(length=64), nullable=False),
        sa.Column("filed_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_id"], ["instances.id"], name=op.f("fk_info_requests_instance_id_instances")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["org_units.id"], name=op.f("fk_info_requests_unit_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_info_requests")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_info_requests_code_hash")),
        sa.UniqueConstraint("instance_id", name=op.f("uq_info_requests_instance_id")),
    )
    op.create_index(
        op.f("ix_info_requests_address_hash"), "info_requests", ["address_hash"], unique=False
    )
    op.create_index(op.f("ix_info_requests_filed_at"), "info_requests", ["filed_at"], unique=False)
    op.create_table(
        "info_request_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("added_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["info_requests.id"],
            name=op.f("fk_info_request_files_request_id_info_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_info_request_files")),
    )
    op.create_index(op.f("ix_info_request_files_request_id"), "info_request_files", ["request_id"])
    op.create_table(
        "citizen_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("register_entry_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("symbol", sa.String(length=60), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("due_at", UTC_TIME, nullable=True),
        sa.Column("issued_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_id"], ["instances.id"], name=op.f("fk_citizen_letters_instance_id_instances")
        ),
        sa.ForeignKeyConstraint(
            ["register_entry_id"],
            ["register_entries.id"],
            name=op.f("fk_citizen_letters_register_entry_id_register_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizen_letters")),
    )
    op.create_index(op.f("ix_citizen_letters_instance_id"), "citizen_letters", ["instance_id"])
    op.create_table(
        "public_hits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("address_hash", sa.String(length=64), nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_hits")),
    )
    op.create_index(op.f("ix_public_hits_address_hash"), "public_hits", ["address_hash"])
    op.create_index(op.f("ix_public_hits_at"), "public_hits", ["at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_public_hits_at"), table_name="public_hits")
    op.drop_index(op.f("ix_public_hits_address_hash"), table_name="public_hits")
    op.drop_table("public_hits")
    op.drop_index(op.f("ix_citizen_letters_instance_id"), table_name="citizen_letters")
    op.drop_table("citizen_letters")
    op.drop_index(op.f("ix_info_request_files_request_id"), table_name="info_request_files")
    op.drop_table("info_request_files")
    op.drop_index(op.f("ix_info_requests_filed_at"), table_name="info_requests")
    op.drop_index(op.f("ix_info_requests_address_hash"), table_name="info_requests")
    op.drop_table("info_requests")
