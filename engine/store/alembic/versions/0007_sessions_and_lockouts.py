"""sessions and lockouts: users.session_version, login_failures.address, account_events

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 21:40:00
"""

import sqlalchemy as sa
from alembic import op

import engine.store.models.base

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_version", sa.Integer(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("address", sa.String(length=64), server_default="", nullable=False)
        )
        batch_op.create_index("ix_login_failures_address_at", ["address", "at"], unique=False)
    op.create_table(
        "account_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", engine.store.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_events")),
    )
    with op.batch_alter_table("account_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_events_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_account_events_username"), ["username"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("account_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_events_username"))
        batch_op.drop_index(batch_op.f("ix_account_events_at"))
    op.drop_table("account_events")
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_login_failures_address_at")
        batch_op.drop_column("address")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_version")
