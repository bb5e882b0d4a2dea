"""`pf.people`: the people administration — users (list, create, edit, deactivate, reset
a password, unlock) and the roles they hold in units over time (grant from a date, end
at a date), one by one or from a CSV file. Administrators only; every change is audited
in the global log (engine.commands.admin_people says how claims follow the holdings)."""

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.access.org import local_date
from engine.commands import admin_people as people
from engine.commands.people_import import import_people
from engine.context import utcnow
from engine.facade.core import Core
from engine.queries.admin_people import list_users, role_names, user_record
from engine.results import (
    Deactivated,
    HoldingChange,
    PasswordReset,
    PeopleImport,
    ReleasedClaim,
    Unlocked,
    UserCreated,
    UserPage,
    UserRecord,
)

SYSTEM = "system"  # the scheduler, or the operator at the shell


class PeopleFacade:
    def __init__(self, core: Core) -> None:
        self.core = core

    def require_admin(self, actor: str) -> None:
        """PermissionDenied unless `actor` is an administrator (pages and endpoints check
        first, before reading their input)."""
        self.core.run(lambda s: people.require_admin(s, actor))

    def search(
        self,
        actor: str,
        q: str | None = None,
        unit: str | None = None,
        role: str | None = None,
        active: bool | None = None,
        page: int = 1,
        per_page: int = 50,
    ) -> UserPage:
        """Users by username, searched (`q`: username or full name), holding a role in
        `unit` / holding `role` today, active or not; NotFound for an unknown unit."""

        def go(s: Session) -> UserPage:
            people.require_admin(s, actor)
            tree = self.core.runtime.org_tree(s)
            today = local_date(utcnow())
            return list_users(s, tree, today, q, unit, role, active, page, per_page)

        return self.core.run(go)

    def get(self, actor: str, username: str) -> UserRecord:
        def go(s: Session) -> UserRecord:
            people.require_admin(s, actor)
            user = people.user_row(s, username)
            tree = self.core.runtime.org_tree(s)
            return user_record(user, tree, role_names(s), local_date(utcnow()))

        return self.core.run(go)

    def create(
        self,
        actor: str,
        fields: Mapping[str, Any],
        reason: Any = "",
        now: datetime | None = None,
    ) -> UserCreated:
        """A new active user (username, full_name; position, email, phone, is_admin) with a
        one-time password, returned once (only its hash is stored)."""
        return self._command(
            actor, lambda s, a, tree, why, at: people.create_user(s, tree, a, fields, why, at),
            reason, now,
        )  # fmt: skip

    def update(
        self,
        actor: str,
        username: str,
        fields: Mapping[str, Any],
        reason: Any = "",
        now: datetime | None = None,
    ) -> UserRecord:
        """Change the fields given (full_name, position, email, phone, is_admin)."""
        return self._command(
            actor,
            lambda s, a, tree, why, at: people.update_user(s, tree, a, username, fields, why, at),
            reason, now,
        )  # fmt: skip

    def deactivate(
        self, actor: str, username: str, reason: Any = "", now: datetime | None = None
    ) -> Deactivated:
        """The user can no longer sign in (sessions and tokens end); their claimed tasks go
        back to the group; they stay in history under their name."""
        return self._command(
            actor, lambda s, a, tree, why, at: people.deactivate(s, tree, a, username, why, at),
            reason, now,
        )  # fmt: skip

    def reset_password(
        self, actor: str, username: str, reason: Any = "", now: datetime | None = None
    ) -> PasswordReset:
        """A new one-time password; every web session and API token of the user ends."""
        return self._command(
            actor, lambda s, a, tree, why, at: people.reset_password(s, a, username, why, at),
            reason, now,
        )  # fmt: skip

    def unlock(
        self, actor: str, username: str, reason: Any = "", now: datetime | None = None
    ) -> Unlocked:
        """Lift every login lockout of the user (as pf.accounts.unlock), audited."""
        return self._command(
            actor, lambda s, a, tree, why, at: people.unlock(s, a, username, why, at),
            reason, now,
        )  # fmt: skip

    def grant(
        self,
        actor: str,
        username: str,
        fields: Mapping[str, Any],
        reason: Any = "",
        now: datetime | None = None,
    ) -> HoldingChange:
        """The user holds `role` in `unit` from `from` (YYYY-MM-DD), to `to` if given."""
        return self._command(
            actor,
            lambda s, a, tree, why, at: people.grant(s, tree, a, username, fields, why, at),
            reason, now,
        )  # fmt: skip

    def end_holding(
        self,
        actor: str,
        holding_id: int,
        on: date | str,
        reason: Any = "",
        now: datetime | None = None,
    ) -> HoldingChange:
        """The holding ends at `on`: the first day without the role (its last day in force
        is the day before). Claims its holder can no longer act on go back to the group now
        if `on` is today or earlier, else on that day (`release_lapsed`)."""
        return self._command(
            actor,
            lambda s, a, tree, why, at: people.end_holding(s, tree, a, holding_id, on, why, at),
            reason, now,
        )  # fmt: skip

    def import_csv(
        self,
        actor: str,
        text: str,
        dry_run: bool = False,
        reason: Any = "",
        now: datetime | None = None,
    ) -> PeopleImport:
        """Users and holdings from CSV (engine.commands.people_import), checked whole
        first; a dry run lists the changes and writes nothing."""
        return self._command(
            actor,
            lambda s, a, tree, why, at: import_people(s, tree, a, text, dry_run, why, at),
            reason, now,
        )  # fmt: skip

    def release_lapsed(
        self, on: date | None = None, actor: str = SYSTEM, now: datetime | None = None
    ) -> list[ReleasedClaim]:
        """Claims whose holder can no longer act on the task on `on` (default: today) go
        back to the group, each audited on its instance: the daily job."""
        moment = now or utcnow()
        day = on or local_date(moment)

        def go(s: Session) -> list[ReleasedClaim]:
            if actor != SYSTEM:
                people.require_admin(s, actor)
            return people.release_lapsed(s, self.core.runtime.org_tree(s), day, actor, moment)

        return self.core.run(go)

    def _command(self, actor: str, fn: Any, reason: Any, now: datetime | None) -> Any:
        why = people.checked_reason(reason)
        moment = now or utcnow()

        def go(s: Session) -> Any:
            admin = people.require_admin(s, actor)
            return fn(s, admin, self.core.runtime.org_tree(s), why, moment)

        return self.core.run(go)
