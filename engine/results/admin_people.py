"""Results of the people administration (`pf.people`): users as an administrator sees
them, their role holdings over time, and what each change did."""

from typing import Annotated

from typing_extensions import TypedDict

from .schema import Day, doc


class HoldingView(TypedDict):
    """A role held in a unit from its first to its last day."""

    id: int
    role: str
    role_name: str
    unit: str
    unit_name: str
    valid_from: Day
    valid_to: Annotated[Day | None, doc("The last day in force (null: open-ended).")]
    in_force: Annotated[bool, doc("In force today (by the engine's clock).")]


class UserRecord(TypedDict):
    """A user as the administration pages and the API show them."""

    username: str
    full_name: str
    position: str | None
    email: str | None
    phone: str | None
    is_admin: bool
    active: bool
    holdings: Annotated[list[HoldingView], doc("Every holding, the newest first.")]


class UserPage(TypedDict):
    """One page of users, by username."""

    items: list[UserRecord]
    total: int
    page: int
    per_page: int


class ReleasedClaim(TypedDict):
    """A claimed task given back to its group (its holder left the role or was deactivated)."""

    task_id: str
    instance_id: int
    name: str
    username: str


class UserCreated(UserRecord):
    one_time_password: Annotated[
        str, doc("Shown once: only its hash is stored. The user changes it after signing in.")
    ]


class PasswordReset(TypedDict):
    username: str
    one_time_password: Annotated[str, doc("Shown once: only its hash is stored.")]
    sessions_ended: Annotated[bool, doc("Every web session and API token of the user ended.")]


class Deactivated(TypedDict):
    user: UserRecord
    released: Annotated[list[ReleasedClaim], doc("Their claims, given back to the group.")]


class Unlocked(TypedDict):
    username: str
    failures_forgotten: int


class HoldingChange(TypedDict):
    """A holding granted or ended, and the claims that went back to the group with it."""

    username: str
    holding: HoldingView
    released: list[ReleasedClaim]


class PeopleImport(TypedDict):
    """A CSV import of users and holdings (or, in a dry run, what it would change)."""

    dry_run: bool
    changes: Annotated[list[str], doc("One line per change: + added, ~ changed.")]
    counts: dict[str, int]
    one_time_passwords: Annotated[
        dict[str, str], doc("Per user the import added (not in a dry run): shown once.")
    ]
