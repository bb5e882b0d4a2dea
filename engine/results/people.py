"""Results about people and the org: a user, an API token, org units, roles, the
working-day calendar, notices."""

from datetime import date
from typing import Annotated

from typing_extensions import TypedDict

from .schema import Day, Moment, doc


class Person(TypedDict):
    username: str
    full_name: str


class RoleHeld(TypedDict):
    role: str
    role_name: str
    role_name_en: str
    unit: str
    unit_name: str


class UserView(TypedDict):
    """A user as the pages and the API show them."""

    username: str
    full_name: str
    is_admin: bool
    roles: list[RoleHeld]
    # The People's Committee the user serves today ("UBND xã Xuân Trường"); None: none.
    administration: str | None


class SignedIn(UserView):
    """A user who just signed in, and the session version a web session cookie carries
    (it stops working once a password change or a logout moves the version on)."""

    session_version: int


class Lockout(TypedDict):
    """An account refused at one address after repeated wrong passwords."""

    username: str
    address: Annotated[str, doc("The client address the failures came from ('' if none).")]
    failures: int
    until: Moment


class Token(TypedDict):
    """A bearer token for the API."""

    token: Annotated[str, doc("Send as `Authorization: Bearer <token>`.")]
    expires_at: Moment


class OrgUnitView(TypedDict):
    code: str
    name: str
    kind: str  # district | department | commune
    parent: str | None
    valid_from: Day
    valid_to: Day | None
    successor: Annotated[
        str | None, doc("Code of the unit that took its place when it ended (null if none).")
    ]


class RoleView(TypedDict):
    key: str
    name: str
    name_en: str


class CalendarDayView(TypedDict):
    """A holiday, a day off or a make-up working day."""

    date: date
    is_working: bool
    name: str


class Notice(TypedDict):
    """A reminder, escalation or notification sent to a user."""

    id: int
    message: str
    instance_id: int | None
    case: str
    process: str | None
    created_at: Moment
    read: bool
    emailed: bool
