"""`pf.drafts`: a person's unsent form for a task — save, read back, discard (issue 18
item 9). Not case data: no audit event; completing the task records the values."""

from datetime import datetime

from sqlalchemy.orm import Session

from engine.access.org import Actor
from engine.commands import drafts
from engine.context import utcnow
from engine.facade.core import Core
from engine.results import DraftView


class DraftsFacade:
    def __init__(self, core: Core) -> None:
        self.core = core

    def save(
        self,
        task_id: str,
        username: str,
        fields: dict[str, list[str]],
        now: datetime | None = None,
    ) -> DraftView:
        """Keep what `username` typed into the task's form (field → values as typed),
        replacing their earlier draft. PermissionDenied unless they may do the open task."""
        return self.core.run(
            lambda s: drafts.save_draft(
                s,
                self.core.runtime,
                task_id,
                _user(self.core, s, username),
                fields,
                now or utcnow(),
            )
        )

    def get(self, task_id: str, username: str) -> DraftView | None:
        """Their draft for the task while it is open, else None."""
        return self.core.run(lambda s: drafts.get_draft(s, task_id, _user(self.core, s, username)))

    def discard(self, task_id: str, username: str) -> bool:
        """Remove their draft; whether there was one (NotFound unless they may do the
        task). After completing the task, every draft of it goes."""

        def run(s: Session) -> bool:
            gone = drafts.discard_draft(
                s, self.core.runtime, task_id, _user(self.core, s, username)
            )
            drafts.discard_closed(s, task_id)
            return gone

        return self.core.run(run)


def _user(core: Core, session: Session, username: str) -> Actor:
    actor = core.actor(session, username)
    assert actor is not None  # a username always names someone (NotFound otherwise)
    return actor
