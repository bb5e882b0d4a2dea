"""incidents: failures of the engine's own work (timers) an operator resolves

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 21:45:00
"""

import sqlalchemy as sa
from alembic import op

import engine.store.models.base

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("element_id", sa.String(length=200), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("error_template", sa.Text(), nullable=False),
        sa.Column("error_params", sa.JSON(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("first_at", engine.store.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("last_at", engine.store.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column(
            "resolved_at", engine.store.models.base.UtcDateTime(timezone=True), nullable=True
        ),
        sa.Column("resolved_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["instance_id"], ["instances.id"], name=op.f("fk_incidents_instance_id_instances")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incidents_instance_id"), ["instance_id"], unique=False)
        batch_op.create_index("ix_incidents_state_instance", ["state", "instance_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index("ix_incidents_state_instance")
        batch_op.drop_index(batch_op.f("ix_incidents_instance_id"))
    op.drop_table("incidents")
