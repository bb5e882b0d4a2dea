"""`pf.monitoring`: P5's monitoring items — the list page, the API and the instance page's
links between an item, the term that found it and the P1 rebuttal it started."""

from datetime import datetime

from engine.context import utcnow
from engine.facade.core import Core
from engine.queries import monitoring
from engine.results.monitoring import MonitoringItemView


class MonitoringFacade:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.runtime = core.runtime

    def items(
        self, username: str | None, status: str | None = None, now: datetime | None = None
    ) -> list[MonitoringItemView]:
        """The items `username` may see (None: all), newest first; `status` filters."""
        moment = now or utcnow()
        return self.core.run(
            lambda s: monitoring.items(
                s, self.runtime, self.core.actor(s, username), moment, status
            )
        )

    def linked(
        self, instance_id: int, username: str | None, now: datetime | None = None
    ) -> list[MonitoringItemView]:
        """The items linked to the instance: its own item, those its scan found, the one
        whose rebuttal it is."""
        moment = now or utcnow()
        return self.core.run(
            lambda s: monitoring.linked(
                s, self.runtime, self.core.actor(s, username), instance_id, moment
            )
        )
