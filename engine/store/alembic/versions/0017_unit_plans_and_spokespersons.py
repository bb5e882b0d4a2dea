"""unit plans and spokespersons: the spokesperson register and its published snapshots
(issue 16 item 4). P6's unit plans keep their state in their instances and the plan's
progress table (0014): no table of their own.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 01:30:00
"""

import sqlalchemy as sa
from alembic import op

import engine.store.models.base

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

UTC_DATETIME = engine.store.models.base.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "spokesperson_publications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("published_at", UTC_DATETIME, nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("entries", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spokesperson_publications")),
        sa.UniqueConstraint("job_id", name=op.f("uq_spokesperson_publications_job_id")),
    )
    op.create_table(
        "spokespersons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("position", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=50), server_default="", nullable=False),
        sa.Column("email", sa.String(length=200), server_default="", nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("source", sa.Text(), server_default="", nullable=False),
        sa.Column("verified", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("recorded_at", UTC_DATETIME, nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("publication_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["publication_id"],
            ["spokesperson_publications.id"],
            name=op.f("fk_spokespersons_publication_id_spokesperson_publications"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["org_units.id"], name=op.f("fk_spokespersons_unit_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_spokespersons_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spokespersons")),
    )
    with op.batch_alter_table("spokespersons", schema=None) as batch_op:
        batch_op.create_index(
            "ix_spokespersons_unit_from", ["unit_id", "valid_from", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_spokespersons_publication_id"), ["publication_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("spokespersons")
    op.drop_table("spokesperson_publications")
