"""The spokesperson register's publication job through real runners (issue 16 item 4): a
designation commits, then the embedded scheduler (SQLite, no Redis) or a Celery worker
(PostgreSQL, Redis) publishes it — the public register changes only then, the portal gets
its copy once."""

import dataclasses
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.facade import Policyflow, utcnow
from engine.store.db import transaction
from engine.store.models import Job
from tasks.celery_app import SETTINGS, attach_relay, make_app
from tests.conftest import PG_URL, reset_runtime

from .stack import ROOT, Redis, Stack, free_port, stack_env, wait_for

DEPUTY = {"full_name": "Phạm Văn Đức", "position": "Phó Chủ tịch UBND huyện"}
FIRST = date(2024, 10, 10)


def in_force(pf: Policyflow) -> list[str]:
    return [e["full_name"] for e in pf.spokespersons.register(date(2024, 10, 15))["entries"]]


def job_state(url: str, job_id: int) -> str | None:
    with transaction(url) as s:
        return s.scalar(select(Job.state).where(Job.id == job_id))


def portal_copy(spool: Path, job_id: int) -> dict | None:
    page = spool / "portal" / f"page-{job_id}.json"
    return json.loads(page.read_text()) if page.exists() else None


def test_the_embedded_scheduler_publishes_a_designation(sqlite_url: str, tmp_path: Path) -> None:
    url = reset_runtime(sqlite_url)
    env = stack_env(url, "", 0, tmp_path / "spool")
    for name in ("REDIS_URL", "SMTP_URL"):
        env.pop(name)
    processes = Stack(env, tmp_path, ROOT / "Procfile.embedded")
    pf = Policyflow(url)
    change = pf.spokespersons.designate("vp_ubnd", "huyen-xuan-truong", DEPUTY, FIRST, now=utcnow())
    assert in_force(pf) == ["Vũ Quang Hưng"]  # recorded, not yet published
    processes.start("scheduler")
    try:
        wait_for(lambda: job_state(url, change["job"]) == "done", 20, "the publication job")
        assert in_force(pf) == ["Phạm Văn Đức"]
        page = wait_for(lambda: portal_copy(tmp_path / "spool", change["job"]), 10, "the portal")
        assert page["register"]["newly_published"] == 1  # type: ignore[index]
    finally:
        processes.stop_all()
        print(processes.logs())


@pytest.fixture
def redis() -> Iterator[Redis]:
    server = Redis(free_port())
    server.start()
    yield server
    server.stop()


@pytest.mark.skipif(not PG_URL.startswith("postgres"), reason="the Celery test needs PostgreSQL")
def test_a_celery_worker_publishes_a_designation_once(
    postgresql_url: str, redis: Redis, tmp_path: Path
) -> None:
    url = reset_runtime(postgresql_url)
    env = stack_env(url, redis.url, 0, tmp_path / "spool")
    env.pop("SMTP_URL")
    processes = Stack(env, tmp_path)
    pf = Policyflow(url)
    settings = dataclasses.replace(SETTINGS, broker_url=redis.url)
    attach_relay(pf, make_app(settings), settings)  # jobs go to Celery right after the commit
    processes.start("worker")
    processes.wait_ready("worker")
    try:
        change = pf.spokespersons.designate(
            "vp_ubnd", "huyen-xuan-truong", DEPUTY, FIRST, now=utcnow()
        )
        wait_for(lambda: job_state(url, change["job"]) == "done", 30, "the publication job")
        assert in_force(pf) == ["Phạm Văn Đức"]
        assert portal_copy(tmp_path / "spool", change["job"]) is not None
        # Handed to the queue again (a lost acknowledgement): the job is over, nothing twice.
        make_app(settings).send_task("policyflow.run_job", args=[change["job"]])
        assert pf.spokespersons.publish(change["job"])["newly_published"] == 0
    finally:
        processes.stop_all()
        print(processes.logs())
