"""compact storage: audit bodies stored once by digest; instance states zlib-compressed

`audit_blobs` holds what many start events share (engine/audit/blobs.py); the events
already written keep their inline `injected` (their hashes cover it) and are not touched.
`instances.state` becomes binary: the JSON zlib-compressed (engine/store/compression.py),
every existing row converted here, and back on downgrade.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 09:00:00
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

from engine.store import compression

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

BATCH = 500


def upgrade() -> None:
    with _foreign_keys_off():
        if not sa.inspect(op.get_bind()).has_table("audit_blobs"):  # kept by a downgrade
            op.create_table(
                "audit_blobs",
                sa.Column("digest", sa.String(length=64), nullable=False),
                sa.Column("body", sa.JSON(), nullable=False),
                sa.PrimaryKeyConstraint("digest", name=op.f("pk_audit_blobs")),
            )
        _convert(sa.LargeBinary(), compression.pack)


def downgrade() -> None:
    """States back to JSON text. `audit_blobs` goes only if empty: events refer to its
    bodies by digest and their hashes cover the reference, so neither can be rewritten;
    kept, they prove those events again after the next upgrade (code older than 0019
    does not read references: the instances they started do not re-execute there)."""
    with _foreign_keys_off():
        _convert(sa.Text(), compression.unpack)
        if op.get_bind().execute(sa.text("SELECT count(*) FROM audit_blobs")).scalar() == 0:
            op.drop_table("audit_blobs")


def _convert(new_type: sa.types.TypeEngine, recode: Callable) -> None:
    """instances.state as `new_type`, each row's value recoded: a new column filled in
    batches, the old one dropped, the new one renamed in its place."""
    with op.batch_alter_table("instances", schema=None) as batch_op:
        batch_op.add_column(sa.Column("state_new", new_type, nullable=True))
    conn = op.get_bind()
    table = sa.table(
        "instances",
        sa.column("id", sa.Integer()),
        sa.column("state", sa.Text() if isinstance(new_type, sa.LargeBinary) else sa.LargeBinary()),
        sa.column("state_new", new_type),
    )
    last = 0
    while True:
        rows = conn.execute(
            sa.select(table.c.id, table.c.state)
            .where(table.c.id > last)
            .order_by(table.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        conn.execute(
            sa.update(table).where(table.c.id == sa.bindparam("row_id")),
            [{"row_id": row_id, "state_new": recode(value)} for row_id, value in rows],
        )
        last = rows[-1][0]
    # SQLite rebuilds the table, which other tables refer to (_foreign_keys_off).
    with op.batch_alter_table("instances", schema=None) as batch_op:
        batch_op.drop_column("state")
        batch_op.alter_column("state_new", new_column_name="state", nullable=False)


@contextmanager
def _foreign_keys_off() -> Iterator[None]:
    """On SQLite, the revision runs with the foreign keys unchecked, as SQLite's own
    procedure for rebuilding a table says (dropping the old `instances` would fail on the
    rows that refer to it), and checked after. The pragma has no effect inside a
    transaction: it is set before the revision's (which commits the revisions run before
    it) and after it. If anything fails, the revision's work is rolled back with the
    migration and its connection, foreign keys still off, is closed, never reused."""
    if op.get_bind().dialect.name != "sqlite":
        yield
        return
    _pragma("foreign_keys=OFF")
    try:
        yield
        broken = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"rows refer to rows that do not exist: {broken[:5]}")
    except BaseException:
        op.get_bind().invalidate()
        raise
    _pragma("foreign_keys=ON")


def _pragma(setting: str) -> None:
    with op.get_context().autocommit_block():  # commits the migration's work so far
        driver = op.get_bind().connection.driver_connection
        if driver.in_transaction:  # the BEGIN IMMEDIATE of db.py's begin hook, still empty
            driver.commit()
        driver.execute(f"PRAGMA {setting}")
