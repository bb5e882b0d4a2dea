"""form drafts: a person's unsent form for a task (issue 18 item 9)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 23:45:00
"""

import sqlalchemy as sa
from alembic import op

import engine.store.models.base

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "form_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("saved_at", engine.store.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["work_items.id"],
            name=op.f("fk_form_drafts_task_id_work_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_form_drafts_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_drafts")),
        sa.UniqueConstraint("task_id", "user_id", name=op.f("uq_form_drafts_task_id")),
    )
    with op.batch_alter_table("form_drafts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_form_drafts_task_id"), ["task_id"], unique=False)


def downgrade() -> None:
    op.drop_table("form_drafts")
