"""org in time: role holdings with effective dates, role groups (Chủ tịch / Phó Chủ
tịch under "lãnh đạo UBND"), people's position and phone, where a unit comes from,
settings whose values change on a date, which calendar years are confirmed, and
administrative events (no instance) in the audit log

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 23:00:00
"""

from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

DEMO_START = "2024-01-01"  # what every existing row was in force from


def upgrade() -> None:
    with op.batch_alter_table("roles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("member_of", sa.String(length=64), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_roles_member_of_roles"), "roles", ["member_of"], ["key"]
        )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("position", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("phone", sa.String(length=50), nullable=True))
    with op.batch_alter_table("role_assignments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("valid_from", sa.Date(), nullable=False, server_default=DEMO_START)
        )
        batch_op.add_column(sa.Column("valid_to", sa.Date(), nullable=True))
        batch_op.drop_constraint("uq_role_assignments_user_id", type_="unique")
        batch_op.create_unique_constraint(
            "uq_role_assignments_user_id", ["user_id", "role_key", "unit_id", "valid_from"]
        )
    with op.batch_alter_table("org_units", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(length=500), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("verified", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    op.create_table(
        "setting_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False, server_default=""),
        sa.ForeignKeyConstraint(
            ["key"], ["settings.key"], name=op.f("fk_setting_values_key_settings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_setting_values")),
        sa.UniqueConstraint("key", "valid_from", name=op.f("uq_setting_values_key")),
    )
    settings = sa.table("settings", sa.column("key", sa.String), sa.column("value", sa.JSON))
    values = sa.table(
        "setting_values",
        sa.column("key", sa.String),
        sa.column("valid_from", sa.Date),
        sa.column("value", sa.JSON),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(settings.c.key, settings.c.value)).all()
    if rows:
        op.bulk_insert(
            values,
            [{"key": k, "valid_from": date(2024, 1, 1), "value": v} for k, v in rows],
        )
    with op.batch_alter_table("settings", schema=None) as batch_op:
        batch_op.drop_column("value")
        batch_op.add_column(
            sa.Column("kind", sa.String(length=20), nullable=False, server_default="text")
        )
    # Administrative changes (an org import, a unit ended) are events of the global log
    # that belong to no instance: their own chain, instance_id NULL.
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.alter_column("instance_id", existing_type=sa.Integer(), nullable=True)
    op.create_table(
        "calendar_years",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_calendar_years")),
    )


def downgrade() -> None:
    op.drop_table("calendar_years")
    op.execute("DELETE FROM audit_events WHERE instance_id IS NULL")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.alter_column("instance_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("settings", schema=None) as batch_op:
        batch_op.drop_column("kind")
        batch_op.add_column(sa.Column("value", sa.JSON(), nullable=True))
    # The value in force first comes back; later values are lost with their table.
    op.execute(
        "UPDATE settings SET value = (SELECT v.value FROM setting_values v WHERE v.key ="
        " settings.key ORDER BY v.valid_from LIMIT 1)"
    )
    op.drop_table("setting_values")
    with op.batch_alter_table("org_units", schema=None) as batch_op:
        batch_op.drop_column("verified")
        batch_op.drop_column("source")
    with op.batch_alter_table("role_assignments", schema=None) as batch_op:
        batch_op.drop_constraint("uq_role_assignments_user_id", type_="unique")
        batch_op.create_unique_constraint(
            "uq_role_assignments_user_id", ["user_id", "role_key", "unit_id"]
        )
        batch_op.drop_column("valid_to")
        batch_op.drop_column("valid_from")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("phone")
        batch_op.drop_column("position")
    with op.batch_alter_table("roles", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_roles_member_of_roles"), type_="foreignkey")
        batch_op.drop_column("member_of")
