"""monitoring items: what P5's daily scan found and the cases each started (issue 16 item 2)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 01:30:00
"""

import sqlalchemy as sa
from alembic import op

import engine.store.models.base

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

UTC_DT = engine.store.models.base.UtcDateTime(timezone=True)


def _fk(column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{table}.id"], name=op.f(f"fk_monitoring_items_{column}_{table}")
    )


def upgrade() -> None:
    op.create_table(
        "monitoring_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("scan_instance_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("link", sa.String(length=2000), nullable=False),
        sa.Column("platform", sa.String(length=40), nullable=False),
        sa.Column("first_seen_at", UTC_DT, nullable=False),
        sa.Column("found_by", sa.String(length=40), nullable=False),
        sa.Column("classification", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("screenshot_id", sa.String(length=36), nullable=True),
        sa.Column("press_instance_id", sa.Integer(), nullable=True),
        sa.Column("removal_requested_at", UTC_DT, nullable=True),
        sa.Column("removal_due_at", UTC_DT, nullable=True),
        sa.Column("removed_at", UTC_DT, nullable=True),
        sa.Column("escalated_at", UTC_DT, nullable=True),
        sa.Column("fine_amount", sa.Integer(), nullable=True),
        sa.Column("fine_decision", sa.String(length=100), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_at", UTC_DT, nullable=False),
        sa.Column("updated_at", UTC_DT, nullable=False),
        _fk("instance_id", "instances"),
        _fk("scan_instance_id", "instances"),
        _fk("unit_id", "org_units"),
        _fk("press_instance_id", "instances"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_items")),
        sa.UniqueConstraint("instance_id", name=op.f("uq_monitoring_items_instance_id")),
    )
    with op.batch_alter_table("monitoring_items", schema=None) as batch_op:
        for column in ("scan_instance_id", "unit_id", "status", "press_instance_id"):
            batch_op.create_index(batch_op.f(f"ix_monitoring_items_{column}"), [column])


def downgrade() -> None:
    op.drop_table("monitoring_items")
