"""work_items: only partial indexes besides the key and the instance's

The three indexes on every work item (ix_work_items_inbox on state, role and unit;
ix_work_items_claimed on claimer and state; ix_work_items_due on state and due date) held
an entry for each completed item, nine in ten of them, that no query asks for:

  * ix_work_items_inbox: the inbox and tasks_for read open items by reach branch with
    ix_work_items_open_reach (role, scope, unit, due, created; WHERE state = 'open');
  * ix_work_items_claimed: "mine", release_claims and release_lapsed read open claims with
    ix_work_items_open_claimed; the visibility and audit filters that ask for any state
    (claimed_by OR completed_by OR unit) cannot use it (no index serves their other
    arms: a sequential scan with or without it);
  * ix_work_items_due: reminders and escalations, the deadlines a calendar edit moves and
    the dashboard's overdue count all ask for open items: ix_work_items_open_due (due date,
    WHERE state = 'open') in its place, a tenth of its size.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 22:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

OPEN = sa.text("state = 'open'")


def upgrade() -> None:
    op.drop_index("ix_work_items_inbox", table_name="work_items")
    op.drop_index("ix_work_items_claimed", table_name="work_items")
    op.drop_index("ix_work_items_due", table_name="work_items")
    op.create_index(
        "ix_work_items_open_due",
        "work_items",
        ["due_at"],
        postgresql_where=OPEN,
        sqlite_where=OPEN,
    )


def downgrade() -> None:
    op.drop_index("ix_work_items_open_due", table_name="work_items")
    op.create_index("ix_work_items_due", "work_items", ["state", "due_at"])
    op.create_index("ix_work_items_claimed", "work_items", ["claimed_by", "state"])
    op.create_index("ix_work_items_inbox", "work_items", ["state", "role_key", "unit_id"])
