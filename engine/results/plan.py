"""Results about the year's plan: its tasks (section II) and each unit's progress."""

from typing import Annotated, Literal

from typing_extensions import TypedDict

from .schema import Day, Moment, doc

PlanStatus = Literal["chua_bat_dau", "dang_thuc_hien", "hoan_thanh"]


class PlanTaskView(TypedDict):
    """One task of the plan's section II, as data/plan/*.yaml gives it."""

    year: int
    code: Annotated[str, doc('The plan\'s numbering: "II.1" … "II.7".')]
    title: str
    lead_units: Annotated[list[str], doc('Org unit codes that lead it ("*": every unit).')]
    partner_units: Annotated[list[str], doc('Org unit codes that take part ("*": every unit).')]
    timing: Annotated[str, doc("When, in the plan's words.")]
    due_date: Day | None
    source: Annotated[str, doc("The plan's number/date and the lines cited.")]


class PlanProgressView(TypedDict):
    """A unit's newest report of its progress on a task."""

    code: str
    unit: Annotated[str, doc("Org unit code.")]
    unit_id: int
    status: PlanStatus
    note: str
    reported_at: Moment
    reported_by: Annotated[str | None, doc("Username of who reported it.")]
    instance_id: Annotated[int | None, doc("The process instance that carried the report.")]
