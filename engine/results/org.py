"""Results about the org timeline: what a merger hands over (`pf.org.transition`) and
what an org file import changes (`pf.org.import_file`)."""

from typing import Annotated

from typing_extensions import TypedDict

from .schema import Day, doc


class TaskMove(TypedDict):
    """One open work item handed from an ended unit to the unit that took its place."""

    task_id: str
    element_id: str
    name: str
    from_unit: Annotated[str, doc("Code of the unit that ended.")]
    to_unit: Annotated[
        str | None, doc("Code of the successor in force on the date; null if none is.")
    ]
    released: Annotated[
        str | None,
        doc("Who had claimed it and holds no role for it in the successor (claim released)."),
    ]


class UnitMove(TypedDict):
    from_unit: str
    to_unit: str | None


class TransitionPlan(TypedDict):
    """One instance's hand-over on a date: planned (dry run) or applied."""

    instance_id: int
    process_key: str
    title: str
    on: Day
    moves: list[TaskMove]
    instance_unit: Annotated[
        UnitMove | None, doc("The instance's own unit moves too (it ended on the date).")
    ]
    applied: Annotated[bool, doc("False in a dry run, or when nothing could move.")]


class OrgImportResult(TypedDict):
    """What an org file import changed (or, in a dry run, would change)."""

    file: str
    dry_run: bool
    changes: Annotated[list[str], doc("One line per change: '+ unit ...', '~ user ...: ...'.")]
    counts: Annotated[dict[str, int], doc("Changes by kind: roles, units, people, holdings.")]
    one_time_password: Annotated[
        str | None,
        doc("The password given to the people this import added (none added: null)."),
    ]
