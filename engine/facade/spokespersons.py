"""`pf.spokespersons`: the spokesperson register — read by anyone (the public page and
JSON show what has been published), changed by the Văn phòng (audited, published by a
background job)."""

from datetime import date, datetime

from sqlalchemy.orm import Session

from engine.access.org import local_date
from engine.commands import spokespersons as commands
from engine.context import utcnow
from engine.facade.core import Core
from engine.results import (
    SpokespersonChange,
    SpokespersonHistory,
    SpokespersonPublished,
    SpokespersonRegister,
)
from engine.rules import spokespersons as views


class SpokespersonsFacade:
    publish_job = commands.PUBLISH_JOB

    def __init__(self, core: Core) -> None:
        self.core = core

    def register(self, on: date | None = None, published_only: bool = True) -> SpokespersonRegister:
        """Who speaks for each body on `on` (default: today). The public sees only what a
        publication made public; the Văn phòng's page passes published_only=False."""
        day = on or local_date(utcnow())

        def go(s: Session) -> SpokespersonRegister:
            return views.register_on(s, self.core.runtime.org_tree(s), day, published_only)

        return self.core.run(go)

    def history(self, unit: str, published_only: bool = True) -> SpokespersonHistory:
        """Every designation of one body, oldest first."""
        return self.core.run(
            lambda s: views.history(s, self.core.runtime.org_tree(s), unit, published_only)
        )

    def bodies(self, actor: str) -> list[dict[str, str]]:
        """The People's Committees ({"code", "name"}) whose register the user may keep
        today: an administrator every one, the Văn phòng its own administration's."""

        def go(s: Session) -> list[dict[str, str]]:
            tree = self.core.runtime.org_tree(s)
            return commands.bodies_kept_by(s, tree, actor, local_date(utcnow()))

        return self.core.run(go)

    def designate(
        self,
        actor: str,
        unit: str,
        fields: dict[str, str | None],
        valid_from: date,
        valid_to: date | None = None,
        username: str | None = None,
        verified: bool = True,
        reason: str = "",
        now: datetime | None = None,
    ) -> SpokespersonChange:
        """Record the body's spokesperson from `valid_from` (fields: full_name, position,
        phone, email, source). Audited; the publication job runs after the commit."""

        def go(s: Session) -> SpokespersonChange:
            return commands.designate(
                s,
                self.core.runtime.org_tree(s),
                actor,
                now or utcnow(),
                unit,
                fields,
                valid_from,
                valid_to,
                username,
                verified,
                reason,
            )

        return self.core.run(go)

    def publish(self, job_id: int, now: datetime | None = None) -> SpokespersonPublished:
        """The publication job's work (idempotent per job)."""
        return self.core.run(
            lambda s: commands.publish(s, self.core.runtime.org_tree(s), job_id, now or utcnow())
        )
