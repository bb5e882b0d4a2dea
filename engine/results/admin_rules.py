"""Results of the administration of units, rules and the calendar (`pf.rules`): the org
tree at a date, settings with their history, a calendar year, and the deadlines a
calendar edit would move."""

from typing import Annotated, Literal

from typing_extensions import TypedDict

from .schema import Day, JsonObject, Moment, doc


class UnitNode(TypedDict):
    """An org unit in the tree at a date (depth-first: a parent before its children)."""

    code: str
    name: str
    kind: str
    parent: str | None
    depth: Annotated[int, doc("0 for a unit without a parent in force on the date.")]
    valid_from: Day
    valid_to: Day | None
    successor: str | None
    reports: bool
    source: str


class UnitTree(TypedDict):
    at: Day
    units: list[UnitNode]


class SettingValueView(TypedDict):
    valid_from: Day
    value: Annotated[object, doc("The value (text, or a list of texts for durations).")]
    source: str


class SettingView(TypedDict):
    """A setting with the value in force on the date and every value it has had or will
    have (oldest first)."""

    key: str
    description: str
    kind: Annotated[str, doc("duration | deadline | durations | date | text")]
    in_force: Annotated[object | None, doc("The value in force on the date (null: none).")]
    in_force_from: Day | None
    history: list[SettingValueView]


class SettingList(TypedDict):
    at: Day
    items: list[SettingView]


class CalendarDayEntry(TypedDict):
    """A day that differs from "Monday to Friday work"."""

    date: Day
    kind: Annotated[Literal["holiday", "workday"], doc("holiday: a day off; workday: make-up.")]
    name: str


class CalendarYearView(TypedDict):
    year: int
    state: Annotated[
        Literal["confirmed", "provisional", "missing"],
        doc("missing: the calendar holds no data for the year (no deadline is computed)."),
    ]
    source: str
    days: list[CalendarDayEntry]


class DeadlineMove(TypedDict):
    """An open work item whose due date a recomputation under the edited calendar would
    change (for information: deadlines already computed stay)."""

    task_id: str
    instance_id: int
    process_key: str
    name: str
    due_in: Annotated[str, doc("The model's due value, e.g. 5WD.")]
    created_at: Moment
    due_at: Moment
    would_be: Moment


class CalendarChange(TypedDict):
    """A day set (or, in a dry run, what setting it would do)."""

    date: Day
    kind: Literal["holiday", "workday", "ordinary"]
    name: str
    before: Annotated[JsonObject | None, doc("The day's row before (null: an ordinary day).")]
    applied: bool
    moves: Annotated[list[DeadlineMove], doc("Open items whose deadline would move.")]


class RuleChange(TypedDict):
    """An administrative change made: what it was, before and after (the audit payload)."""

    command: str
    before: JsonObject | None
    after: JsonObject | None
    reason: str
