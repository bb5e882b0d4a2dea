"""Results for incidents: a failure of the engine's own work an operator resolves."""

from typing_extensions import TypedDict

from engine.enums import IncidentKind, IncidentState

from .schema import Moment


class IncidentView(TypedDict):
    """An incident as the list, the API and the CLI show it."""

    id: int
    instance_id: int
    process_key: str
    title: str
    kind: IncidentKind
    element_id: str | None
    error: str  # one sentence, in the caller's language where the web layer translates
    state: IncidentState
    attempts: int
    first_at: Moment
    last_at: Moment
    resolved_at: Moment | None
    resolved_by: str | None
