"""Background work through the real stack: Redis, Celery workers and beat started from the
Procfile, PostgreSQL, and an SMTP server. Nothing here is mocked.
"""

import dataclasses
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select, text

from engine.facade import LOCAL_TIME, Policyflow, utcnow
from engine.store.db import get_engine, transaction
from engine.store.models import AuditEvent, DocumentCounter, Job, Notification, Timer
from tasks.celery_app import SETTINGS, attach_relay, make_app
from tests.conftest import DATA, PG_URL, reset_runtime

from .stack import Inbox, Redis, Stack, free_port, stack_env, wait_for

pytestmark = pytest.mark.skipif(
    not PG_URL.startswith("postgres"), reason="the worker tests need PostgreSQL (DATABASE_URL)"
)


@pytest.fixture(scope="module")
def redis() -> Iterator[Redis]:
    server = Redis(free_port())
    server.start()
    yield server
    server.stop()


@dataclasses.dataclass
class Smtp:
    """A real SMTP server (aiosmtpd) that a test may stop and start on the same port."""

    inbox: Inbox
    port: int
    controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    server = Smtp(Inbox(), free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def pg(postgresql_url: str) -> str:
    return reset_runtime(postgresql_url)


@pytest.fixture
def stack(pg: str, redis: Redis, smtp: tuple[Inbox, int], tmp_path: Path) -> Iterator[Stack]:
    if not redis.ping():
        redis.start()
    env = stack_env(pg, redis.url, smtp.port, tmp_path / "spool")
    processes = Stack(env, tmp_path)
    yield processes
    processes.stop_all()
    print(processes.logs())  # shown by pytest when the test failed


@pytest.fixture
def pf(pg: str, redis: Redis) -> Policyflow:
    """The engine as the web app uses it: jobs go to Celery right after each commit."""
    engine = Policyflow(pg)
    settings = dataclasses.replace(SETTINGS, broker_url=redis.url)
    attach_relay(engine, make_app(settings), settings)
    engine.deploy((DATA / "timer_notify.bpmn").read_text(), {}, "chu_quy_trinh")
    return engine


def start(pf: Policyflow, wait_for_: str, now: datetime | None = None) -> int:
    data = {"wait_for": wait_for_, "subject": "Họp báo quý IV", "due_in": "P5D"}
    return pf.start("timer_notify", "cv_vhtt", data, now=now)["id"]


def timer_fired_at(url: str, instance_id: int) -> datetime | None:
    with transaction(url) as s:
        return s.scalar(
            select(AuditEvent.at).where(
                AuditEvent.instance_id == instance_id, AuditEvent.command == "timer"
            )
        )


def due_of(url: str, instance_id: int) -> datetime:
    with transaction(url) as s:
        return s.scalar(select(Timer.due_at).where(Timer.instance_id == instance_id))


def count(url: str, model: type, **where: object) -> int:
    with transaction(url) as s:
        query = select(func.count()).select_from(model).filter_by(**where)
        return s.scalar(query)


def test_a_timer_3_s_ahead_fires_on_time_through_a_worker(pf, stack, smtp, pg, tmp_path):
    stack.start("worker")
    stack.wait_ready("worker")
    instance_id = start(pf, "PT3S")
    fired = wait_for(lambda: timer_fired_at(pg, instance_id), 15, "the timer to fire")
    lateness = (fired - due_of(pg, instance_id)).total_seconds()
    assert 0 <= lateness < 2, f"fired {lateness:.2f} s after its due time"
    # What the timer led to: the notice (in-app and e-mailed once), the portal page.
    inbox = smtp.inbox
    wait_for(lambda: inbox.to("tp_vhtt@"), 10, "the e-mail to the head of department")
    assert "Đã đến hẹn: Họp báo quý IV" in inbox.to("tp_vhtt@")[0].get_content()
    page = tmp_path / "spool" / "portal"
    wait_for(lambda: list(page.glob("page-*.json")), 10, "the portal page")
    assert pf.show(instance_id)["open_tasks"][0]["element_id"] == "Check"
    wait_for(lambda: count(pg, Job, state="done") == 3, 10, "every job to be done")


def test_a_24_hour_timer_fires_when_the_clock_is_moved(pf, stack, pg, redis):
    stack.start("worker")
    stack.wait_ready("worker")
    started = datetime.now(UTC)
    instance_id = start(pf, "PT24H", now=started)
    assert count(pg, Job, state="pending", kind="fire_timers") == 1  # too far ahead to queue
    queue = make_app(dataclasses.replace(SETTINGS, broker_url=redis.url))
    moved = started + timedelta(hours=24, seconds=1)
    queue.send_task("policyflow.sweep", kwargs={"now": moved.isoformat()})
    fired = wait_for(lambda: timer_fired_at(pg, instance_id), 20, "the timer to fire")
    assert fired == moved  # the command ran on the moved clock
    assert pf.show(instance_id)["open_tasks"][0]["element_id"] == "Check"


def test_a_worker_killed_mid_job_leaves_it_to_run_again_once(pf, stack, smtp, pg):
    """kill -9 while the timer job holds the instance, between the notice and the
    document number: its transaction dies with it, the job is delivered again, and the
    instance, the notice, the e-mail and the number each exist exactly once."""
    stack.env["POLICYFLOW_VISIBILITY_TIMEOUT"] = "4"
    stack.start("worker")
    stack.wait_ready("worker")
    blocker = get_engine(pg).connect()
    # The register's counter of the district for the engine clock's year (the suite's
    # clock: POLICYFLOW_CLOCK_DATE), held by this connection until the worker is killed.
    district = "(SELECT id FROM org_units WHERE code = 'huyen-xuan-truong')"
    year = utcnow().astimezone(LOCAL_TIME).year
    blocker.execute(text(f"INSERT INTO document_counters VALUES ({district}, {year}, 0)"))
    blocker.commit()
    blocker.execute(text("SELECT * FROM document_counters FOR UPDATE"))  # the job will wait here
    try:
        instance_id = start(pf, "PT1S")
        wait_for(lambda: _waiting_on_lock(pg), 15, "the job to block on the document counter")
        stack.kill9("worker")
    finally:
        blocker.rollback()
        blocker.close()
    assert timer_fired_at(pg, instance_id) is None  # nothing of the killed job survived
    assert count(pg, Notification) == 0
    time.sleep(4.5)  # Redis gives an unacknowledged job to another worker after 4 s
    stack.start("worker2", role="worker")  # its start restores what the dead one held
    wait_for(lambda: timer_fired_at(pg, instance_id), 30, "the job to run again")
    inbox = smtp.inbox
    wait_for(lambda: inbox.to("tp_vhtt@"), 15, "the e-mail")
    wait_for(lambda: count(pg, Job, state="done") == 3, 15, "every job to be done")
    assert count(pg, Notification) == 1
    assert len(inbox.messages) == 1
    assert count(pg, AuditEvent, instance_id=instance_id, command="timer") == 1
    with transaction(pg) as s:
        assert s.scalar(select(DocumentCounter.last_number)) == 1
    assert pf.audit.verify_chain(instance_id) == []


def _waiting_on_lock(url: str) -> bool:
    with get_engine(url).connect() as conn:
        return bool(
            conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND query ILIKE '%document_counters%'"
                )
            )
        )


def test_work_recorded_while_redis_is_down_happens_when_it_is_back(
    pf, stack, smtp, pg, redis, tmp_path
):
    stack.env["POLICYFLOW_SWEEP_SECONDS"] = "2"
    stack.start("worker")
    stack.wait_ready("worker")
    stack.start("beat")
    redis.stop()
    # The web app keeps working: the commands commit, their jobs wait in the outbox.
    ids = [start(pf, "PT2S") for _ in range(3)]
    assert count(pg, Job, state="pending", kind="fire_timers") == 3
    redis.start()
    for instance_id in ids:
        wait_for(lambda i=instance_id: timer_fired_at(pg, i), 60, "the timers to fire")
    inbox = smtp.inbox
    wait_for(lambda: len(inbox.to("tp_vhtt@")) == 3, 30, "the three e-mails")
    wait_for(lambda: count(pg, Job, state="done") == 9, 30, "every job to be done")
    assert len(list((tmp_path / "spool" / "portal").glob("page-*.json"))) == 3


def test_an_email_refused_by_a_dead_smtp_server_is_retried_with_backoff(pf, stack, smtp, pg):
    stack.start("worker")
    stack.wait_ready("worker")
    smtp.stop()
    instance_id = start(pf, "PT1S")
    wait_for(lambda: timer_fired_at(pg, instance_id), 15, "the timer to fire")
    log = stack.log_dir / "worker.log"
    wait_for(lambda: b"Retry in" in log.read_bytes(), 15, "the e-mail job to be retried")
    assert smtp.inbox.messages == []
    smtp.start()  # the mail server is back: a later retry delivers it, once
    wait_for(lambda: smtp.inbox.to("tp_vhtt@"), 30, "the e-mail after the retries")
    wait_for(lambda: count(pg, Job, state="done") == 3, 15, "every job to be done")
    assert len(smtp.inbox.messages) == 1
    with transaction(pg) as s:
        assert s.scalar(select(Job.attempts).where(Job.kind == "send_email")) >= 2
