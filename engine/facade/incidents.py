"""`pf.incidents`: failures of the engine's own work (timers) that an operator resolves —
the list, a fix of the instance's data, a retry, or the instance cancelled.

A failed command rolls back; its incident is then written in a transaction of its own
(`run_recorded`), so the failure is kept while nothing of the failed work is.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from engine.commands import incidents
from engine.context import utcnow
from engine.enums import IncidentKind
from engine.errors import ProcessFailed
from engine.facade.core import Core
from engine.results import IncidentView

T = TypeVar("T")


def run_recorded(
    core: Core,
    instance_id: int,
    kind: IncidentKind,
    now: datetime,
    fn: Callable[[Session], T],
    payload: dict[str, Any] | None = None,
) -> T:
    """`fn` in its own transaction; if the model fails, the incident is recorded (or its
    attempts counted) in another one, and the ProcessFailed goes on to the caller."""
    try:
        return core.run(fn)
    except ProcessFailed as err:
        failure = err
        core.run(lambda s: incidents.record(s, instance_id, kind, failure, now, payload))
        raise


class IncidentsFacade:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.runtime = core.runtime

    def list(self, username: str | None, state: str | None = "open") -> list[IncidentView]:
        """Incidents ("open", "resolved", None: all), newest failure first; for
        administrators and process owners (PermissionDenied for others)."""
        return self.core.run(lambda s: incidents.listing(s, self.core.actor(s, username), state))

    def open_count(self, username: str | None) -> int:
        """Open incidents, for the navigation (0 for those who may not see them)."""
        return self.core.run(lambda s: incidents.open_count(s, self.core.actor(s, username)))

    def update_data(
        self,
        instance_id: int,
        changes: dict[str, Any],
        actor: str | None,
        now: datetime | None = None,
    ) -> None:
        """Edit the instance's data (named variables, JSON values, no engine keys) as its
        own audited command, replayed like any other."""
        now = now or utcnow()
        self.core.run(
            lambda s: incidents.update_data(
                s, self.runtime, instance_id, changes, self.core.actor(s, actor), now
            )
        )

    def retry(
        self, incident_id: int, actor: str | None, now: datetime | None = None
    ) -> IncidentView:
        """Run the failed work again; the incident, resolved if it succeeded. If the model
        fails again, its attempts are counted and ProcessFailed is raised."""
        now = now or utcnow()
        instance_id, kind = self.core.run(lambda s: self._target(s, incident_id, actor))
        run_recorded(
            self.core,
            instance_id,
            kind,
            now,
            lambda s: incidents.retry(s, self.runtime, incident_id, self.core.actor(s, actor), now),
        )
        return self._one(incident_id, actor)

    def cancel(
        self, incident_id: int, actor: str | None, now: datetime | None = None
    ) -> IncidentView:
        """Give up on the instance: cancel it (an administrator's decision) and close it."""
        now = now or utcnow()
        self.core.run(
            lambda s: incidents.cancel_instance(
                s, self.runtime, incident_id, self.core.actor(s, actor), now
            )
        )
        return self._one(incident_id, actor)

    def _target(self, s: Session, incident_id: int, actor: str | None) -> tuple[int, IncidentKind]:
        incidents.require_operator(self.core.actor(s, actor))
        incident = incidents.get_incident(s, incident_id)
        return incident.instance_id, IncidentKind(incident.kind)

    def _one(self, incident_id: int, actor: str | None) -> IncidentView:
        return self.core.run(lambda s: incidents.one(s, self.core.actor(s, actor), incident_id))
