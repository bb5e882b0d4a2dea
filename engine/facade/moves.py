"""Migration in the engine's API: the dry run, suspending around a move, the move.

A mixin of `engine.api.Policyflow` (which provides `_run` and `runtime`). Each instance
is suspended, moved or resumed in its own transaction, so one that cannot move leaves
the others alone; the results say, per instance, what happened.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from engine.access.org import get_user
from engine.commands import lifecycle
from engine.commands import moves as migration
from engine.commands.deploy import require_deployer
from engine.commands.runner import Runtime
from engine.context import utcnow
from engine.errors import PolicyflowError

T = TypeVar("T")


def require_process_owner(session: Session, actor: str) -> None:
    require_deployer(get_user(session, actor))


class MigrationCommands:
    runtime: Runtime

    def _run(self, fn: Callable[[Session], T]) -> T:  # provided by Policyflow
        raise NotImplementedError

    def migration_plan(
        self,
        key: str,
        to_version: int | None = None,
        instance_ids: list[int] | None = None,
        username: str | None = None,
    ) -> dict[str, Any]:
        """The dry run (engine.migration.plan): which instances can move, and why not."""

        def go(s: Session) -> dict[str, Any]:
            user = get_user(s, username) if username else None
            return migration.plan(s, self.runtime, key, to_version, instance_ids, user)

        return self._run(go)

    def suspend_for_migration(
        self, instance_ids: list[int], actor: str, resume: bool = False, now: datetime | None = None
    ) -> list[dict[str, Any]]:
        """Suspend (or, `resume`, resume) instances as a process owner, one by one."""

        def one(instance_id: int) -> Callable[[Session], Any]:
            return lambda s: (
                lifecycle.set_suspended(
                    s, instance_id, not resume, actor, now or utcnow(), require_process_owner
                ).status
            )

        self._run(lambda s: require_process_owner(s, actor))
        return [self._each(i, one(i)) for i in instance_ids]

    def migrate(
        self,
        key: str,
        instance_ids: list[int],
        actor: str,
        to_version: int | None = None,
        comment: str = "",
        resume: bool = False,
        now: datetime | None = None,
    ) -> list[dict[str, Any]]:
        """Move each suspended instance to `to_version` (default: the newest), then resume
        it if asked; per instance {"instance_id", "ok", "status" | "error"}."""
        when = now or utcnow()

        def one(instance_id: int) -> Callable[[Session], Any]:
            def go(s: Session) -> str:
                target = migration.target_version(s, self.runtime, key, to_version)
                user = get_user(s, actor)
                migration.migrate(s, self.runtime, instance_id, target, user, when, comment)
                if resume:
                    lifecycle.set_suspended(
                        s, instance_id, False, actor, when, require_process_owner
                    )
                return "running" if resume else "suspended"

            return go

        self._run(lambda s: require_process_owner(s, actor))
        return [self._each(i, one(i)) for i in instance_ids]

    def _each(self, instance_id: int, fn: Callable[[Session], str]) -> dict[str, Any]:
        try:
            return {"instance_id": instance_id, "ok": True, "status": self._run(fn)}
        except PolicyflowError as err:
            return {"instance_id": instance_id, "ok": False, "error": str(err)}
