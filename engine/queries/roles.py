"""The org model's roles (for the modeler's lane role picker) and the forms a process's
newest version carries (for validating an edited model against them)."""

from sqlalchemy.orm import Session

from engine.commands.deploy import previous_forms
from engine.commands.runner import Runtime
from engine.results import RoleView


def roles(session: Session, rt: Runtime) -> list[RoleView]:
    """Every role of the org model: [{"key", "name", "name_en"}], by key (the reference
    data cache's: read once a TTL, not on every page)."""
    return [{"key": key, "name": vi, "name_en": en} for key, vi, en in rt.roles(session)]


def forms_for(session: Session, bpmn_xml: str | bytes) -> dict[str, dict]:
    """The forms of the newest deployed version of the process the BPMN holds ({} if none)."""
    return previous_forms(session, bpmn_xml)
