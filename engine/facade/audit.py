"""`pf.audit`: the audit log — re-execute and verify an instance, replay it step by
step, search the log across instances, export an instance's history, check every chain,
write a signed checkpoint."""

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import queries
from engine.access.org import get_user
from engine.audit import chain as audit
from engine.audit import checkpoints, export, replay
from engine.audit.chain import ChainBreak
from engine.context import utcnow
from engine.errors import NotFound, PermissionDenied
from engine.facade.core import Core
from engine.queries import admin_log, instance_page
from engine.results import (
    AdminEventList,
    AuditSearchPage,
    BrokenLink,
    CheckpointView,
    HistoryExport,
    LogVerdict,
    ReplaySteps,
    Verification,
)
from engine.store.models import AuditCheckpoint, Instance


class AuditFacade:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.runtime = core.runtime

    # -- audit: re-execution and the whole log ------------------------------------------

    def verify(self, instance_id: int, username: str | None = None) -> Verification:
        """Re-execute the instance from its log and check its chain: the verdict."""

        def go(s: Session) -> Verification:
            replay.check_may_replay(s, self.runtime, instance_id, self.core.actor(s, username))
            verdict, breaks = replay.verify(s, self.runtime, instance_id)
            chain: list[BrokenLink] = [{"seq": b.seq, "reason": b.reason} for b in breaks]
            result = verdict.as_dict()
            return {**result, "verified": result["verified"] and not chain, "chain": chain}

        return self.core.run(go)

    def may_replay(self, instance_id: int, username: str) -> bool:
        """Whether the user sees the whole instance, as replay and verify require."""

        def go(s: Session) -> bool:
            try:
                replay.check_may_replay(s, self.runtime, instance_id, get_user(s, username))
            except (NotFound, PermissionDenied):
                return False
            return True

        return self.core.run(go)

    def replay(
        self, instance_id: int, step: int | None = None, username: str | None = None
    ) -> ReplaySteps:
        """The instance step by step up to `step` (all by default): who did what, the
        diagram's states and the data as they stood after each step."""

        def go(s: Session) -> ReplaySteps:
            actor = self.core.actor(s, username)
            # The instance with its tasks in one query; held here, the replay finds it in
            # the session (the identity map keeps only what something refers to).
            found = instance_page.visible(s, self.runtime, actor, instance_id)
            replay.check_may_replay(s, self.runtime, instance_id, actor, found.instance)
            steps, verdict = replay.replay_steps(s, self.runtime, instance_id, step)
            tasks = replay.task_roles(s, self.runtime, instance_id, found.items.values())
            return {
                "instance_id": instance_id,
                "steps": [replay.step_view(st, tasks) for st in steps],
                "verdict": verdict.as_dict(),
            }

        return self.core.run(go)

    def events(self, username: str | None, **filters: Any) -> AuditSearchPage:
        """A page of the audit events the user may see across instances, newest first;
        filters: actor, unit (code; NotFound if unknown), process, date_from, date_to
        (local dates), command, page, per_page."""
        return self.core.run(
            lambda s: queries.search_events(
                s, self.runtime, self.core.actor(s, username), **filters
            )
        )

    def export_history(
        self, instance_id: int, username: str | None = None, now: datetime | None = None
    ) -> HistoryExport:
        """The instance's summary, the events the user may see with their chain's hashes
        and covering checkpoint, the chain's verdict and the export's time (NotFound if the
        user may not see it)."""
        return self.core.run(
            lambda s: export.history_export(
                s, self.runtime, instance_id, self.core.actor(s, username), now or utcnow()
            )
        )

    def admin_events(
        self, username: str | None, page: int = 1, per_page: int = 50
    ) -> AdminEventList:
        """The administrative changes (org imports, units, people, rules), newest first:
        for administrators and auditors."""
        return self.core.run(
            lambda s: admin_log.admin_events(s, self.core.actor(s, username), page, per_page)
        )

    def verify_chain(self, instance_id: int) -> list[ChainBreak]:
        """The breaks in one instance's own chain (none: intact)."""
        return self.core.run(lambda s: audit.verify_chain(s, instance_id))

    def instance_ids(self) -> list[int]:
        return self.core.run(lambda s: list(s.scalars(select(Instance.id).order_by(Instance.id))))

    def verify_log(
        self,
        progress: Callable[[int], None] | None = None,
        published: Mapping[int, str] | None = None,
    ) -> LogVerdict:
        """Every checkpoint (and that each `published` one, number -> hash, is still
        there), and every event against its chain and the signed heads; each break names
        its row or checkpoint."""

        def go(s: Session) -> LogVerdict:
            count, breaks = audit.verify_all(s, progress, published=published)
            return {
                "events": count,
                "checkpoints": s.scalar(select(func.count()).select_from(AuditCheckpoint)) or 0,
                "intact": not breaks,
                "breaks": [
                    {
                        "global_seq": b.global_seq,
                        "checkpoint": b.checkpoint,
                        "instance_id": b.instance_id,
                        "seq": b.seq,
                        "reason": b.reason,
                        "text": b.describe(),
                    }
                    for b in breaks
                ],
            }

        return self.core.run(go)

    def checkpoint(self, now: datetime | None = None) -> CheckpointView | None:
        """Sign the heads of the chains that moved since the last checkpoint (None: none
        moved). The scheduler calls it periodically; safe to run from several places."""

        def go(s: Session) -> CheckpointView | None:
            cp = checkpoints.write(s, now or utcnow())
            if cp is None:
                return None
            return {
                "id": cp.id, "at": cp.at.isoformat(), "heads": cp.heads,
                "last_event_id": cp.last_event_id, "root": cp.root, "hash": cp.hash,
                "public_key": cp.public_key,
            }  # fmt: skip

        return self.core.run(go)
