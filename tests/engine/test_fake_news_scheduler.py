"""P5's timers through the background runner (tasks/embedded.py), as `make run` fires
them, on a moved clock: the runner's tick at a moment opens the day's scan only on a
working day, and fires the platform's 24-hour escalation when the hours have passed —
the outbox's `fire_timers` job of each timer, not a direct call."""

from datetime import timedelta
from pathlib import Path

import pytest

from engine.facade import Policyflow
from tasks.embedded import EmbeddedRunner
from tasks.senders import Senders
from tasks.settings import Settings
from tests.engine.processes.test_fake_news import (
    FRIDAY,
    ITEM,
    local,
    request_removal,
    start_term,
)
from tests.processes import Case

pytestmark = pytest.mark.usefixtures("every_instance_replays")


def runner(pf: Policyflow, spool: Path) -> EmbeddedRunner:
    settings = Settings(
        broker_url=None,
        sweep_seconds=0,
        relay_horizon=timedelta(seconds=60),
        visibility_timeout=300,
        stale_after=timedelta(seconds=600),
        smtp_url=None,
        spool=spool,
    )
    return EmbeddedRunner(pf, settings, Senders.from_settings(settings))


def test_the_runner_opens_scans_on_working_days_and_escalates_after_24_hours(
    deployed: Policyflow, tmp_path: Path
) -> None:
    embedded = runner(deployed, tmp_path)
    term = start_term(deployed, FRIDAY, end="2024-09-30")
    # Saturday to Tuesday 3/9 (Quốc khánh days off): the runner passes, nothing opens.
    for day in ("2024-08-31", "2024-09-01", "2024-09-02", "2024-09-03"):
        embedded.tick(local(day, 9))
        assert term.open() == []
    embedded.tick(local("2024-09-04", 8, 1))
    assert term.open() == ["Scan_ca", "Scan_cv"]
    term.act(
        "cv_vhtt",
        "Scan_cv",
        {**ITEM, "first_seen_at": "2024-09-04T07:30:00+07:00"},
        local("2024-09-04", 9),
    )
    [row] = deployed.monitoring.items(None)
    item = Case(deployed, row["instance_id"], "cv_vhtt")
    requested = local("2024-09-04", 10)
    request_removal(item, requested)
    embedded.tick(requested + timedelta(hours=23, minutes=59))
    assert item.open() == ["Removal_check"]
    embedded.tick(requested + timedelta(hours=24, minutes=1))
    assert item.open() == ["Removal_check", "Removal_escalate"]
    assert deployed.monitoring.items(None)[0]["removal_overdue"] is True
