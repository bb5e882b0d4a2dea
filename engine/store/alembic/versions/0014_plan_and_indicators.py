"""plan and indicators: the year's plan tasks and each unit's progress on them; the
indexes the dashboard's indicator queries read by

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 01:30:00
"""

import sqlalchemy as sa
from alembic import op

import engine.store.models.base

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("lead_units", sa.JSON(), nullable=False),
        sa.Column("partner_units", sa.JSON(), nullable=False),
        sa.Column("timing", sa.Text(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_tasks")),
        sa.UniqueConstraint("year", "code", name=op.f("uq_plan_tasks_year")),
    )
    op.create_table(
        "plan_task_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_task_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column(
            "reported_at", engine.store.models.base.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column("reported_by", sa.Integer(), nullable=True),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_task_id"],
            ["plan_tasks.id"],
            name=op.f("fk_plan_task_progress_plan_task_id_plan_tasks"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["org_units.id"], name=op.f("fk_plan_task_progress_unit_id_org_units")
        ),
        sa.ForeignKeyConstraint(
            ["reported_by"], ["users.id"], name=op.f("fk_plan_task_progress_reported_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["instances.id"],
            name=op.f("fk_plan_task_progress_instance_id_instances"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_task_progress")),
    )
    with op.batch_alter_table("plan_task_progress", schema=None) as batch_op:
        batch_op.create_index(
            "ix_plan_task_progress_task_unit", ["plan_task_id", "unit_id", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_plan_task_progress_unit_id"), ["unit_id"])
        batch_op.create_index(batch_op.f("ix_plan_task_progress_instance_id"), ["instance_id"])
    # The dashboard's reads: a year's case records by date, steps completed in a period.
    op.create_index("ix_case_records_year_recorded", "case_records", ["year", "recorded_at"])
    op.create_index(
        "ix_work_items_completed_at",
        "work_items",
        ["completed_at"],
        postgresql_where=sa.text("state = 'completed'"),
        sqlite_where=sa.text("state = 'completed'"),
    )


def downgrade() -> None:
    op.drop_index("ix_work_items_completed_at", table_name="work_items")
    op.drop_index("ix_case_records_year_recorded", table_name="case_records")
    op.drop_table("plan_task_progress")
    op.drop_table("plan_tasks")
