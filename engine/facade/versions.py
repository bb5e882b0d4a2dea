"""`pf.versions`: a process's deployed versions — list, read (BPMN, forms), roll back.

Only process owners and administrators read or change versions (PermissionDenied else).
"""

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy.orm import Session

from engine import queries
from engine.commands import deploy as deploying
from engine.context import utcnow
from engine.facade.core import Core
from engine.queries import roles as role_queries
from engine.results import RolledBack, VersionInfo
from engine.store.models import ProcessVersion

T = TypeVar("T")


class VersionsFacade:
    def __init__(self, core: Core) -> None:
        self.core = core

    def require_deployer(self, username: str) -> None:
        """PermissionDenied unless the user may deploy processes and read their versions
        (process owners and administrators); lets the API refuse before reading a body."""
        self.core.run(lambda s: deploying.require_deployer(self.core.actor(s, username)))

    def names(self) -> list[tuple[str, str]]:
        """(key, name) of every deployed process, by key (its newest version's name): what
        lists filter by; anyone signed in may read them."""
        return self.core.run(lambda s: queries.process_names(s, self.core.runtime))

    def list(self, key: str, username: str | None = None) -> list[VersionInfo]:
        """Every deployed version of a process, newest first."""

        def go(s: Session) -> list[VersionInfo]:
            deploying.require_deployer(self.core.actor(s, username))
            return queries.versions(s, key)

        return self.core.run(go)

    def bpmn(self, key: str, version: int | None = None, username: str | None = None) -> str:
        """The stored BPMN of one version (the newest without `version`)."""
        return self._read(key, version, username, lambda v: v.bpmn_xml)

    def forms(
        self, key: str, version: int | None = None, username: str | None = None
    ) -> dict[str, dict]:
        """The forms of one version (the newest without `version`), {filename: JSON
        Schema}; NotFound for no such version."""
        return self._read(key, version, username, lambda v: dict(v.forms))

    def forms_for(self, bpmn_xml: str | bytes) -> dict[str, dict]:
        """The forms of the newest deployed version of the process the BPMN holds ({} for
        a new process): what an edited model is checked with."""
        return self.core.run(lambda s: role_queries.forms_for(s, bpmn_xml))

    def rollback(
        self, key: str, version: int, actor: str | None, comment: str, now: datetime | None = None
    ) -> RolledBack:
        """Deploy `version` of `key` again (its BPMN and its own forms) as the newest."""

        def go(s: Session) -> RolledBack:
            user = self.core.actor(s, actor)
            done, created = deploying.rollback(s, key, version, user, now or utcnow(), comment)
            return {"key": key, "version": done.version, "created": created}

        rolled_back = self.core.run(go)
        self.core.runtime.forget_reference_data()  # the process's name, as deployed again
        return rolled_back

    def _read(
        self,
        key: str,
        version: int | None,
        username: str | None,
        read: Callable[[ProcessVersion], T],
    ) -> T:
        def go(s: Session) -> T:
            deploying.require_deployer(self.core.actor(s, username))
            return read(deploying.find_version(s, key, version))

        return self.core.run(go)
