"""The paths the benchmarks drive: who completes which element with which form data."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Step:
    user: str
    element: str  # a user task's BPMN id, or "__start__" for the start form
    data: dict = field(default_factory=dict)


# press_statement (P1), the main path: filled in from workflows/press_statement.bpmn.
PRESS_MAIN_PATH: list[Step] = []
