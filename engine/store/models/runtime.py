"""Running instances and what they wait for: work items (user tasks) and timers."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, literal_column, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, ZlibText


class Instance(Base):
    """A process instance. `state` is the serialized workflow; `row_version` guards it."""

    __tablename__ = "instances"
    __table_args__ = (Index("ix_instances_key_status", "process_key", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id"))
    process_key: Mapped[str] = mapped_column(String(100))
    # The case in a few words (from the start form), for inbox rows and lists.
    title: Mapped[str] = mapped_column(String(300), default="", server_default="")
    status: Mapped[str] = mapped_column(String(20))  # running|suspended|completed|cancelled
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    started_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    # The serialized workflow (engine/bpmn/state.py), zlib-compressed in the database;
    # read only on a cache miss.
    state: Mapped[str] = mapped_column(ZlibText, deferred=True)
    # What the instance waits for, as last written: the diff of the next command against it
    # is all that touches work_items / timers / message_waits.
    waiting: Mapped[dict]
    task_counter: Mapped[int] = mapped_column(default=0)  # ids of new library tasks
    called_versions: Mapped[dict]  # called process key -> process_versions.id pinned at start
    event_count: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
    row_version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": row_version}


class WorkItem(Base):
    """A user task as people see it: who may do it, who claimed it, when it is due."""

    __tablename__ = "work_items"
    # Every index but the key and the instance's is partial: nine items in ten are done,
    # and only "done by me" (and the dashboard, models/plan.py) asks for those. Queries
    # write the state as a constant (OPEN_ITEM below), so a prepared plan can use them.
    __table_args__ = (
        # Open items by due date: reminders and escalations (background/reminders.py), the
        # deadlines a calendar edit moves, the dashboard's overdue count.
        Index(
            "ix_work_items_open_due", "due_at",
            postgresql_where=text("state = 'open'"), sqlite_where=text("state = 'open'"),
        ),
        # The inbox reads open items one reach branch (role, scope, unit) at a time in due
        # order, and "done by me" newest first: partial indexes keep both short at 1M rows.
        Index(
            "ix_work_items_open_reach", "role_key", "scope", "unit_id", "due_at", "created_at",
            postgresql_where=text("state = 'open'"), sqlite_where=text("state = 'open'"),
        ),
        Index(
            "ix_work_items_open_claimed", "claimed_by", "due_at", "created_at",
            postgresql_where=text("state = 'open'"), sqlite_where=text("state = 'open'"),
        ),
        Index(
            "ix_work_items_done_by", "completed_by", "completed_at",
            postgresql_where=text("state = 'completed'"),
            sqlite_where=text("state = 'completed'"),
        ),
    )  # fmt: skip

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the Spiff task id
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(100))
    # The version whose model (and forms) the task comes from: a called process has its own.
    version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id"))
    element_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    role_key: Mapped[str | None] = mapped_column(String(64))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    # "unit": only holders in unit_id or below; "administration": any holder whose unit
    # belongs to the administration unit_id.
    scope: Mapped[str] = mapped_column(String(16))
    form: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16))  # open|completed|cancelled
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    completed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    due_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]


# A work item's state written into the SQL as a constant, not a bound value: PostgreSQL
# plans a statement psycopg prepared (after its 5th run) once for any values, and such a
# generic plan can use an index WHERE state = 'open' only if the query says 'open' itself.
OPEN_ITEM = WorkItem.state == literal_column("'open'")
COMPLETED_ITEM = WorkItem.state == literal_column("'completed'")


class Timer(Base):
    """A timer event an instance waits on, with the due time the library computed."""

    __tablename__ = "timers"
    __table_args__ = (Index("ix_timers_due", "state", "due_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the Spiff task id
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), index=True)
    element_id: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16))  # waiting|fired|cancelled


class MessageWait(Base):
    """A message an instance waits for, so a delivery finds its instances by name."""

    __tablename__ = "message_waits"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), index=True)
    message_name: Mapped[str] = mapped_column(String(200), index=True)


class Notification(Base):
    """An in-app notice to a user (reminders, escalations)."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instances.id"))
    message: Mapped[str] = mapped_column(Text)  # in Vietnamese (e-mails; rows before 0009)
    # The message's template and parameters: the notice is shown in the reader's language.
    message_template: Mapped[str | None] = mapped_column(Text)
    message_params: Mapped[dict | None]
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]
    emailed_at: Mapped[datetime | None]  # set once the e-mail copy was accepted by SMTP


class DocumentCounter(Base):
    """Document numbers run from 01 each calendar year per issuing body, never reused."""

    __tablename__ = "document_counters"

    issuer_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)
