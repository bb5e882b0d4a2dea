"""The year's communication plan as data: its tasks (section II, with the units section IV
makes responsible) and what each unit reports of its progress during the year."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base
from .records import CaseRecord
from .runtime import WorkItem

# A unit's progress on a task, as it reports it (the newest report counts).
PLAN_STATUSES = ("chua_bat_dau", "dang_thuc_hien", "hoan_thanh")
# In lead_units/partner_units: every reporting unit in force (departments and communes),
# for the plan's "Các cơ quan, đơn vị; UBND xã, thị trấn" (IV.7).
EVERY_REPORTING_UNIT = "*"


class PlanTask(Base):
    """One task of the plan's section II ("II.1" … "II.7") for a year, imported from
    data/plan/*.yaml by the seed: who leads it and who takes part (org unit codes, or
    `*`), when (the plan's words, and a date where it gives one), and the lines cited."""

    __tablename__ = "plan_tasks"
    __table_args__ = (UniqueConstraint("year", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    code: Mapped[str] = mapped_column(String(20))  # "II.1"
    title: Mapped[str] = mapped_column(Text)
    lead_units: Mapped[list] = mapped_column(default=list)  # org unit codes, or ["*"]
    partner_units: Mapped[list] = mapped_column(default=list)
    timing: Mapped[str] = mapped_column(Text, default="")  # the plan's words
    due_date: Mapped[date | None]
    source: Mapped[str] = mapped_column(Text, default="")  # plan number/date, lines cited


class PlanTaskProgress(Base):
    """A unit's report of its progress on a plan task (append-only: the newest row per
    task and unit is the current status), by a user, from the plan page, the API or a
    process (instance_id: the P6 report that carried it)."""

    __tablename__ = "plan_task_progress"
    __table_args__ = (Index("ix_plan_task_progress_task_unit", "plan_task_id", "unit_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_task_id: Mapped[int] = mapped_column(ForeignKey("plan_tasks.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))  # one of PLAN_STATUSES
    note: Mapped[str] = mapped_column(Text, default="")
    reported_at: Mapped[datetime]
    reported_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("instances.id"), index=True)


# What the dashboard reads (engine/queries/indicators.py): a year's case records by when
# they were recorded (a quarter, a month), and the steps completed in a period.
Index("ix_case_records_year_recorded", CaseRecord.year, CaseRecord.recorded_at)
Index(
    "ix_work_items_completed_at",
    WorkItem.completed_at,
    postgresql_where=text("state = 'completed'"),
    sqlite_where=text("state = 'completed'"),
)
