"""Results of the dashboard: the indicators per unit and month for a period, the plan's
tasks with each unit's progress."""

from typing import Annotated, Literal

from typing_extensions import TypedDict

from .plan import PlanStatus
from .schema import Day, Moment, doc


class IndicatorInfo(TypedDict):
    key: str
    label: Annotated[str, doc("In the reader's language.")]
    group: str
    group_label: str
    source: Annotated[
        Literal["case", "p3", "work"],
        doc("case: the case records; p3: the annual report's unit tasks; work: work items."),
    ]
    kinds: Annotated[list[str], doc("The case kinds summed (source case).")]
    figure: Annotated[str, doc("The figure of each case record summed (source case).")]
    average: Annotated[bool, doc("A mean (hours), not a count.")]


class UnitIndicators(TypedDict):
    unit: Annotated[str, doc("Org unit code (in force at the period's end).")]
    name: str
    kind: str
    values: Annotated[dict[str, float], doc("Indicator key -> value.")]


class MonthIndicators(TypedDict):
    month: Annotated[str, doc('"YYYY-MM".')]
    values: dict[str, float]


class StepTime(TypedDict):
    process_key: str
    element_id: str
    name: str
    completed: int
    avg_hours: float


class UnitProgress(TypedDict):
    unit: str
    name: str
    role: Literal["lead", "partner"]
    status: PlanStatus | None
    note: str
    reported_at: Moment | None
    reported_by: str | None


class PlanTaskProgressView(TypedDict):
    code: str
    title: str
    timing: str
    due_date: Day | None
    source: str
    units: list[UnitProgress]
    done: Annotated[int, doc("Units whose newest report is hoan_thanh.")]


class IndicatorReport(TypedDict):
    """The dashboard: what the viewer may see of the period."""

    year: int
    quarter: int | None
    period_from: Day
    period_to: Day
    scope: Annotated[
        Literal["all", "units"], doc("all: the whole administration; units: the viewer's own.")
    ]
    unit: Annotated[str | None, doc("The one unit asked for, if any.")]
    indicators: list[IndicatorInfo]
    units: list[UnitIndicators]
    totals: dict[str, float]
    months: list[MonthIndicators]
    steps: list[StepTime]
    plan: list[PlanTaskProgressView]
    generated_at: Moment


class UnitRef(TypedDict):
    unit: str
    name: str


class PlanView(TypedDict):
    """The plan page: the tasks with the progress the reader may see, and the units the
    reader may report progress for."""

    year: int
    tasks: list[PlanTaskProgressView]
    my_units: list[UnitRef]
