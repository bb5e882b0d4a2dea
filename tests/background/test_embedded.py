"""The embedded default without Redis: `make run`'s scheduler line from Procfile.embedded,
a real process on the SQLite database, fires a timer and writes its e-mail and page."""

from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from engine.facade import Policyflow, utcnow
from engine.store.db import transaction
from engine.store.models import AuditEvent, Timer
from tests.conftest import DATA, reset_runtime

from .stack import ROOT, Stack, stack_env, wait_for


def test_the_embedded_scheduler_fires_a_timer_without_redis(
    sqlite_url: str, tmp_path: Path
) -> None:
    url = reset_runtime(sqlite_url)
    env = stack_env(url, "", 0, tmp_path / "spool")
    for name in ("REDIS_URL", "SMTP_URL"):
        env.pop(name)
    processes = Stack(env, tmp_path, ROOT / "Procfile.embedded")
    pf = Policyflow(url)
    pf.deploy((DATA / "timer_notify.bpmn").read_text(), {}, "chu_quy_trinh")
    processes.start("scheduler")
    try:
        data = {"wait_for": "PT2S", "subject": "Lịch tiếp dân", "due_in": "P5D"}
        instance_id = pf.start("timer_notify", "cv_vhtt", data, now=utcnow())["id"]  # its clock
        wait_for(lambda: _fired(url, instance_id), 20, "the embedded scheduler to fire it")
        spool = tmp_path / "spool"
        wait_for(lambda: list((spool / "mail").glob("*.eml")), 10, "the e-mail in var/mail")
        wait_for(lambda: list((spool / "portal").glob("*.json")), 10, "the portal page")
        with transaction(url) as s:
            due = s.scalar(select(Timer.due_at).where(Timer.instance_id == instance_id))
        assert (_fired(url, instance_id) - due).total_seconds() < 2  # polled every second
    finally:
        processes.stop_all()
        print(processes.logs())


def _fired(url: str, instance_id: int) -> datetime | None:
    with transaction(url) as s:
        return s.scalar(
            select(AuditEvent.at).where(
                AuditEvent.instance_id == instance_id, AuditEvent.command == "timer"
            )
        )
