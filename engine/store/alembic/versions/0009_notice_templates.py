"""notifications keep their message's template and parameters (shown in the reader's
language; the text stays for e-mails and older rows)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 22:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_template", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("message_params", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("message_params")
        batch_op.drop_column("message_template")
