"""`pf.moves`: moving running instances to another version — the dry run, suspending
around a move, the move. Each instance
is suspended, moved or resumed in its own transaction, so one that cannot move leaves
the others alone; the results say, per instance, what happened.
"""

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from engine.access.org import get_user
from engine.commands import lifecycle, moves
from engine.commands.deploy import require_deployer
from engine.context import utcnow
from engine.enums import InstanceStatus
from engine.errors import PolicyflowError
from engine.facade.core import Core
from engine.results import MigrationPlan, MoveOutcome


def require_process_owner(session: Session, actor: str) -> None:
    require_deployer(get_user(session, actor))


class MovesFacade:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.runtime = core.runtime

    def plan(
        self,
        key: str,
        to_version: int | None = None,
        instance_ids: list[int] | None = None,
        username: str | None = None,
    ) -> MigrationPlan:
        """The dry run (engine.moves.plan): which instances can move, and why not."""

        def go(s: Session) -> MigrationPlan:
            user = get_user(s, username) if username else None
            return moves.plan(s, self.runtime, key, to_version, instance_ids, user)

        return self.core.run(go)

    def suspend(
        self, instance_ids: list[int], actor: str, resume: bool = False, now: datetime | None = None
    ) -> list[MoveOutcome]:
        """Suspend (or, `resume`, resume) instances as a process owner, one by one."""

        def one(instance_id: int) -> Callable[[Session], InstanceStatus]:
            return lambda s: InstanceStatus(
                lifecycle.set_suspended(
                    s, instance_id, not resume, actor, now or utcnow(), require_process_owner
                ).status
            )

        self.core.run(lambda s: require_process_owner(s, actor))
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
    ) -> list[MoveOutcome]:
        """Move each suspended instance to `to_version` (default: the newest), then resume
        it if asked; per instance {"instance_id", "ok", "status" | "error"}."""
        when = now or utcnow()

        def one(instance_id: int) -> Callable[[Session], InstanceStatus]:
            def go(s: Session) -> InstanceStatus:
                target = moves.target_version(s, self.runtime, key, to_version)
                user = get_user(s, actor)
                moves.migrate(s, self.runtime, instance_id, target, user, when, comment)
                if resume:
                    lifecycle.set_suspended(
                        s, instance_id, False, actor, when, require_process_owner
                    )
                return InstanceStatus.RUNNING if resume else InstanceStatus.SUSPENDED

            return go

        self.core.run(lambda s: require_process_owner(s, actor))
        return [self._each(i, one(i)) for i in instance_ids]

    def _each(self, instance_id: int, fn: Callable[[Session], InstanceStatus]) -> MoveOutcome:
        try:
            return {"instance_id": instance_id, "ok": True, "status": self.core.run(fn)}
        except PolicyflowError as err:
            return {"instance_id": instance_id, "ok": False, "error": err.message}
