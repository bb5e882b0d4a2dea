"""The audit side of the engine's API: verify, replay, search and export the log.

A mixin of `engine.api.Policyflow`, which provides `_run`, `_actor` and `runtime`.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import queries
from engine.access.org import Actor, get_user
from engine.audit import chain as audit
from engine.audit import export, replay
from engine.commands.runner import Runtime
from engine.context import utcnow
from engine.errors import NotFound, PermissionDenied
from engine.store.models import Instance

T = TypeVar("T")


class AuditCommands:
    runtime: Runtime

    def _run(self, fn: Callable[[Session], T]) -> T:  # provided by Policyflow
        raise NotImplementedError

    def _actor(self, session: Session, username: str | None) -> Actor | None:
        raise NotImplementedError

    # -- audit: re-execution and the whole log ------------------------------------------

    def verify(self, instance_id: int, username: str | None = None) -> dict[str, Any]:
        """Re-execute the instance from its log and check its chain: the verdict."""

        def go(s: Session) -> dict[str, Any]:
            replay.check_may_replay(s, self.runtime, instance_id, self._actor(s, username))
            verdict, breaks = replay.verify(s, self.runtime, instance_id)
            chain = [{"seq": b.seq, "reason": b.reason} for b in breaks]
            result = verdict.as_dict()
            return {**result, "verified": result["verified"] and not chain, "chain": chain}

        return self._run(go)

    def may_replay(self, instance_id: int, username: str) -> bool:
        """Whether the user sees the whole instance, as replay and verify require."""

        def go(s: Session) -> bool:
            try:
                replay.check_may_replay(s, self.runtime, instance_id, get_user(s, username))
            except (NotFound, PermissionDenied):
                return False
            return True

        return self._run(go)

    def replay(
        self, instance_id: int, step: int | None = None, username: str | None = None
    ) -> dict[str, Any]:
        """The instance step by step up to `step` (all by default): who did what, the
        diagram's states and the data as they stood after each step."""

        def go(s: Session) -> dict[str, Any]:
            replay.check_may_replay(s, self.runtime, instance_id, self._actor(s, username))
            steps, verdict = replay.replay_steps(s, self.runtime, instance_id, step)
            tasks = replay.task_roles(s, self.runtime, instance_id)
            return {
                "instance_id": instance_id,
                "steps": [replay.step_view(st, tasks) for st in steps],
                "verdict": verdict.as_dict(),
            }

        return self._run(go)

    def audit_events(self, username: str | None, **filters: Any) -> dict[str, Any]:
        """A page of the audit events the user may see across instances, newest first;
        filters: actor, unit (code; NotFound if unknown), process, date_from, date_to
        (local dates), command, page, per_page."""
        return self._run(
            lambda s: queries.search_events(s, self.runtime, self._actor(s, username), **filters)
        )

    def export_history(
        self, instance_id: int, username: str | None = None, now: datetime | None = None
    ) -> dict[str, Any]:
        """The instance's summary, the events the user may see with both chains' hashes,
        the chain's verdict and the export's time (NotFound if the user may not see it)."""
        return self._run(
            lambda s: export.history_export(
                s, self.runtime, instance_id, self._actor(s, username), now or utcnow()
            )
        )

    def instance_ids(self) -> list[int]:
        return self._run(lambda s: list(s.scalars(select(Instance.id).order_by(Instance.id))))

    def verify_log(self, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
        """Every event of every instance against both chains; each break names its row."""

        def go(s: Session) -> dict[str, Any]:
            count, breaks = audit.verify_all(s, progress)
            return {
                "events": count,
                "intact": not breaks,
                "breaks": [{**vars(b), "text": b.describe()} for b in breaks],
            }

        return self._run(go)
