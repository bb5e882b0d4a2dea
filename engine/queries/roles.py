"""The org model's roles (for the modeler's lane role picker) and the forms a process's
newest version carries (for validating an edited model against them)."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.commands.deploy import previous_forms
from engine.results import RoleView
from engine.store.models import Role


def roles(session: Session) -> list[RoleView]:
    """Every role of the org model: [{"key", "name", "name_en"}], by key."""
    return [
        {"key": r.key, "name": r.name_vi, "name_en": r.name_en}
        for r in session.scalars(select(Role).order_by(Role.key))
    ]


def forms_for(session: Session, bpmn_xml: str | bytes) -> dict[str, dict]:
    """The forms of the newest deployed version of the process the BPMN holds ({} if none)."""
    return previous_forms(session, bpmn_xml)
