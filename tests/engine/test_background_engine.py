"""Background work without a queue: the outbox, timer/e-mail/page jobs, reminders, the
embedded runner and its CLI, on the real test databases with time passed as `now=`."""

import json
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as email_policy
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from cli.main import main
from engine.access.org import get_user
from engine.background import outbox, reminders
from engine.commands import start as starting
from engine.errors import ProcessFailed
from engine.facade import Policyflow, read_forms
from engine.store.db import transaction
from engine.store.models import Job, Notification, ReminderSent, SettingValue, Timer, User, WorkItem
from tasks import jobs
from tasks.embedded import EmbeddedRunner
from tasks.senders import FolderMailer, FolderPublisher, Senders
from tasks.settings import Settings
from tests.conftest import DATA, NOW, deploy_test_model

# Each instance a test leaves must re-execute exactly from its audit log (issue 6).
pytestmark = pytest.mark.usefixtures("every_instance_replays")

SUBJECT = "Họp báo quý IV"
START_DATA = {"wait_for": "PT3S", "subject": SUBJECT, "due_in": "P5D"}
DUE = NOW + timedelta(seconds=3)  # the timer of an instance started at NOW
AFTER = DUE + timedelta(seconds=1)
MAIL_DOMAIN = "xuantruong.namdinh.gov.vn"


# -- helpers -------------------------------------------------------------------------


def start_timer_notify(pf: Policyflow, **data: str) -> int:
    deploy_test_model(pf, "timer_notify.bpmn")
    return pf.start("timer_notify", "cv_vhtt", {**START_DATA, **data}, now=NOW)["id"]


def all_jobs(pf: Policyflow, kind: str | None = None) -> list[Job]:
    with transaction(pf.url) as s:
        query = select(Job).order_by(Job.id)
        if kind is not None:
            query = query.where(Job.kind == kind)
        return list(s.scalars(query))


def job_state(pf: Policyflow, job_id: int) -> Job:
    with transaction(pf.url) as s:
        job = s.get(Job, job_id)
        assert job is not None
        return job


def only_job(pf: Policyflow, kind: str) -> Job:
    [job] = all_jobs(pf, kind)
    return job


def enqueue(pf: Policyflow, *run_ats: Any) -> list[int]:
    with pf.transaction() as s:
        added = [outbox.enqueue(s, "publish", at, NOW, None, {"title": "t"}) for at in run_ats]
        s.flush()
        return [job.id for job in added]


def user_ids(pf: Policyflow, *usernames: str) -> set[int]:
    with transaction(pf.url) as s:
        return set(s.scalars(select(User.id).where(User.username.in_(usernames))))


def notified(pf: Policyflow) -> list[tuple[int, str]]:
    with transaction(pf.url) as s:
        query = select(Notification.user_id, Notification.message).order_by(Notification.id)
        return [(r[0], r[1]) for r in s.execute(query)]


def folder_senders(folder: Path) -> Senders:
    return Senders(mail=FolderMailer(folder / "mail"), publish=FolderPublisher(folder / "portal"))


def fire(pf: Policyflow, senders: Senders) -> None:
    assert jobs.run(pf, only_job(pf, "fire_timers").id, senders, AFTER) == "fired"


def emails(folder: Path) -> list[EmailMessage]:
    files = sorted((folder / "mail").glob("*.eml"))
    return [message_from_bytes(f.read_bytes(), policy=email_policy) for f in files]  # type: ignore[misc]


# -- 1. the outbox records jobs with their command -------------------------------------


def test_a_timer_reached_records_one_job_at_its_due_time_announced_after_commit(pf) -> None:
    announced: list[list[int]] = []
    # What another connection sees of the announced jobs: all of them once committed.
    pf.on_jobs = lambda ids: announced.append([j.id for j in all_jobs(pf) if j.id in ids])
    instance = start_timer_notify(pf)
    [job] = all_jobs(pf)
    assert (job.kind, job.state, job.instance_id) == ("fire_timers", "pending", instance)
    with transaction(pf.url) as s:
        timer_due = s.scalar(select(Timer.due_at).where(Timer.instance_id == instance))
    assert job.run_at == timer_due == DUE
    assert announced == [[job.id]]


def test_a_rolled_back_command_records_no_job_and_announces_nothing(pf) -> None:
    deploy_test_model(pf, "timer_notify.bpmn")
    announced: list[list[int]] = []
    pf.on_jobs = announced.append
    with pytest.raises(RuntimeError), pf.transaction() as s:
        user = get_user(s, "cv_vhtt")
        starting.start(s, pf.runtime, "timer_notify", user, dict(START_DATA), NOW)
        assert s.info[outbox.NEW_JOBS]  # the job was there until the rollback
        raise RuntimeError("rolled back")
    assert all_jobs(pf) == [] and announced == []


def test_a_failing_command_keeps_none_of_the_jobs_it_added(pf) -> None:
    """The timer reaches Notify (an e-mail job) and Publish (a page job), then the Check
    task's due value is invalid: the whole command fails, neither job survives."""
    start_timer_notify(pf, due_in="nope")
    [timer_job] = all_jobs(pf)
    announced: list[list[int]] = []
    pf.on_jobs = announced.append
    with pytest.raises(ProcessFailed):
        pf.jobs.fire_instance_timers(timer_job.instance_id, AFTER)
    assert [j.id for j in all_jobs(pf)] == [timer_job.id] and announced == []
    assert notified(pf) == []


# -- 2. the relay ----------------------------------------------------------------------


def test_relay_hands_over_only_jobs_due_by_until_earliest_first(pf) -> None:
    minutes = [timedelta(minutes=m) for m in (2, 0, 1, 60)]
    third, first, second, too_late = enqueue(pf, *(NOW + m for m in minutes))
    got: list[int] = []
    sent = pf.jobs.relay(lambda t: got.append(t.id) or True, NOW + timedelta(minutes=5), NOW)
    assert sent == 3 and got == [first, second, third]
    states = {j.id: j.state for j in all_jobs(pf)}
    assert states == {first: "sent", second: "sent", third: "sent", too_late: "pending"}
    assert pf.jobs.relay(lambda t: got.append(t.id) or True, NOW, NOW) == 0  # not twice


def test_relay_stops_when_the_queue_refuses_and_leaves_the_rest_pending(pf) -> None:
    a, b, c = enqueue(pf, NOW, NOW + timedelta(seconds=1), NOW + timedelta(seconds=2))
    got: list[int] = []

    def send(ticket: outbox.JobTicket) -> bool:
        got.append(ticket.id)
        return ticket.id != b

    assert pf.jobs.relay(send, NOW + timedelta(minutes=1), NOW) == 1
    assert got == [a, b]
    assert {j.id: j.state for j in all_jobs(pf)} == {a: "sent", b: "pending", c: "pending"}


def test_relay_only_hands_over_the_named_jobs(pf) -> None:
    a, b = enqueue(pf, NOW, NOW)
    got: list[int] = []
    assert pf.jobs.relay(lambda t: got.append(t.id) or True, NOW, NOW, only=[b]) == 1
    assert got == [b] and job_state(pf, a).state == "pending"


def test_relay_hands_over_again_a_job_sent_long_ago_and_not_done(pf) -> None:
    [job] = enqueue(pf, NOW)
    got: list[int] = []

    def relay(at: Any) -> int:
        return pf.jobs.relay(
            lambda t: got.append(t.id) or True, at, at, stale_after=timedelta(minutes=10)
        )

    assert relay(NOW) == 1
    assert relay(NOW + timedelta(minutes=5)) == 0  # recently sent: the queue still has it
    assert relay(NOW + timedelta(minutes=11)) == 1  # lost by the queue: sent again
    assert got == [job, job]
    pf.jobs.finish(job, now=NOW + timedelta(minutes=12))
    assert relay(NOW + timedelta(hours=1)) == 0  # done is over


# -- 3. the timer job ------------------------------------------------------------------


def test_the_timer_job_waits_for_its_time_fires_once_and_then_skips(pf, tmp_path) -> None:
    senders = folder_senders(tmp_path)
    instance = start_timer_notify(pf)
    job = only_job(pf, "fire_timers").id
    with pytest.raises(jobs.NotYet) as early:
        jobs.run(pf, job, senders, NOW + timedelta(seconds=1))
    assert DUE <= early.value.at <= DUE + timedelta(milliseconds=1)  # again just after its time
    assert job_state(pf, job).state != "done"
    assert jobs.run(pf, job, senders, AFTER) == "fired"
    assert job_state(pf, job).state == "done"
    assert jobs.run(pf, job, senders, AFTER + timedelta(seconds=1)) == "skipped"
    assert pf.jobs.fire_instance_timers(instance, NOW + timedelta(hours=1))["fired"] == []
    assert pf.fire_due_timers(NOW + timedelta(hours=1)) == {}
    assert [e["command"] for e in pf.history(instance)].count("timer") == 1


def test_the_timer_job_of_a_cancelled_instance_ends_with_nothing_due(pf, tmp_path) -> None:
    instance = start_timer_notify(pf)
    pf.cancel(instance, "admin", now=NOW + timedelta(seconds=1))
    job = only_job(pf, "fire_timers").id
    assert jobs.run(pf, job, folder_senders(tmp_path), AFTER) == "nothing due"
    assert job_state(pf, job).state == "done"
    assert "timer" not in [e["command"] for e in pf.history(instance)]


# -- 4. e-mail -------------------------------------------------------------------------


def test_each_notice_is_emailed_once_with_a_stable_message_id(pf, tmp_path) -> None:
    calls: list[str] = []
    folder = FolderMailer(tmp_path / "mail")

    def mail(message: EmailMessage) -> None:
        calls.append(str(message["Message-ID"]))
        folder(message)

    senders = Senders(mail=mail, publish=FolderPublisher(tmp_path / "portal"))
    instance = start_timer_notify(pf)
    fire(pf, senders)
    job = only_job(pf, "send_email")
    notice = job.payload["notification_id"]
    assert jobs.run(pf, job.id, senders, AFTER) == "sent"
    assert jobs.run(pf, job.id, senders, AFTER) == "skipped"
    assert pf.jobs.deliver_email(notice, mail, AFTER) is False
    assert calls == [f"<notification-{notice}@policyflow>"]
    [message] = emails(tmp_path)
    assert f"tp_vhtt@{MAIL_DOMAIN}" in message["To"]
    assert message["Subject"].startswith("[policyflow]") and SUBJECT in message["Subject"]
    assert message["Message-ID"] == f"<notification-{notice}@policyflow>"
    assert f"/instances/{instance}" in message.get_content()


def test_deliver_email_called_twice_sends_once(pf, tmp_path) -> None:
    senders = folder_senders(tmp_path)
    start_timer_notify(pf)
    fire(pf, senders)
    notice = only_job(pf, "send_email").payload["notification_id"]
    calls: list[EmailMessage] = []
    assert pf.jobs.deliver_email(notice, calls.append, AFTER) is True
    assert pf.jobs.deliver_email(notice, calls.append, AFTER) is False
    assert len(calls) == 1
    assert jobs.run(pf, only_job(pf, "send_email").id, senders, AFTER) == "already sent"
    assert emails(tmp_path) == []  # the job did not send it again


@pytest.fixture
def tp_without_email(pf: Policyflow) -> Iterator[int]:
    """tp_vhtt (the seeded head of department) with no address, restored afterwards."""
    address = f"tp_vhtt@{MAIL_DOMAIN}"
    with transaction(pf.url) as s:
        s.execute(update(User).where(User.username == "tp_vhtt").values(email=None))
    try:
        yield user_ids(pf, "tp_vhtt").pop()
    finally:
        with transaction(pf.url) as s:
            s.execute(update(User).where(User.username == "tp_vhtt").values(email=address))


def test_a_user_without_email_gets_the_notice_but_no_email_job(
    pf, tp_without_email, tmp_path
) -> None:
    start_timer_notify(pf)
    fire(pf, folder_senders(tmp_path))
    assert [user for user, _ in notified(pf)] == [tp_without_email]
    assert all_jobs(pf, "send_email") == []


# -- 5. portal pages -------------------------------------------------------------------


def test_the_publish_job_writes_one_page_once(pf, tmp_path) -> None:
    senders = folder_senders(tmp_path)
    start_timer_notify(pf)
    fire(pf, senders)
    job = only_job(pf, "publish")
    assert jobs.run(pf, job.id, senders, AFTER) == "published"
    assert jobs.run(pf, job.id, senders, AFTER) == "skipped"
    senders.publish(job.id, {"title": "changed", "body": "changed"})  # a redelivery
    [page] = (tmp_path / "portal").glob("*.json")
    content = json.loads(page.read_text())
    assert content == {"id": job.id, "title": SUBJECT, "body": "Thông báo số 01/TB-UBND"}


# -- 6. reminders ----------------------------------------------------------------------

OFFSETS = reminders.offsets_from(["P1D", "PT2H"])
D = NOW + timedelta(days=3)


@pytest.mark.parametrize(
    ("now", "offsets", "expected"),
    [
        (D - timedelta(days=2), OFFSETS, None),
        (D - timedelta(days=1, seconds=1), OFFSETS, None),
        (D - timedelta(days=1), OFFSETS, "P1D"),
        (D - timedelta(hours=3), OFFSETS, "P1D"),
        (D - timedelta(hours=2), OFFSETS, "PT2H"),
        (D, OFFSETS, "PT2H"),
        (D + timedelta(seconds=1), OFFSETS, "overdue"),
        (D - timedelta(seconds=1), [], None),
        (D + timedelta(seconds=1), [], "overdue"),
    ],
)
def test_reminder_due(now, offsets, expected) -> None:
    assert reminders.reminder_due(D, now, offsets) == expected


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        (["P1D", "PT2H"], [("P1D", timedelta(days=1)), ("PT2H", timedelta(hours=2))]),
        (["PT2H", "P1D"], [("P1D", timedelta(days=1)), ("PT2H", timedelta(hours=2))]),
        (None, [("P1D", timedelta(days=1)), ("PT2H", timedelta(hours=2))]),
        ("P3D", [("P1D", timedelta(days=1)), ("PT2H", timedelta(hours=2))]),
        ([], []),
        (["nope", 5, None, "", "PT2H"], [("PT2H", timedelta(hours=2))]),
        (["P1M", "PT0S", "-P1D"], []),  # months are no fixed span; no zero or negative
        pytest.param(["P99999999999D", "PT2H"], [("PT2H", timedelta(hours=2))], id="out-of-range"),
    ],
)
def test_offsets_from(setting, expected) -> None:
    assert reminders.offsets_from(setting) == expected


def start_linear(pf: Policyflow, key: str = "linear3", starter: str = "cv_vhtt") -> WorkItem:
    """linear3 (or a copy whose first task is the leaders'), its Draft due in 2 working days."""
    xml = (DATA / "linear3.bpmn").read_text(encoding="utf-8")
    if key != "linear3":
        xml = xml.replace('value="chuyen_vien_vhtt"', 'value="lanh_dao_ubnd"')
        xml = xml.replace("linear3", key)
    pf.deploy(xml, read_forms(DATA / "forms"), now=NOW)
    instance = pf.start(key, starter, now=NOW)["id"]
    with transaction(pf.url) as s:
        return s.scalars(select(WorkItem).where(WorkItem.instance_id == instance)).one()


def reminders_sent(pf: Policyflow) -> list[str]:
    with transaction(pf.url) as s:
        return list(s.scalars(select(ReminderSent.kind).order_by(ReminderSent.id)))


def test_reminders_come_once_each_then_the_overdue_notice_reaches_the_leaders(pf) -> None:
    item = start_linear(pf)
    due = item.due_at
    assert due is not None and due > NOW + timedelta(days=1)
    cv, leaders = user_ids(pf, "cv_vhtt"), user_ids(pf, "pct_ubnd", "ct_ubnd")
    assert pf.jobs.send_reminders(due - timedelta(days=1, seconds=1)) == 0
    assert pf.jobs.send_reminders(due - timedelta(days=1) + timedelta(seconds=1)) == 1
    assert pf.jobs.send_reminders(due - timedelta(hours=3)) == 0  # that one went already
    assert pf.jobs.send_reminders(due - timedelta(hours=2) + timedelta(seconds=1)) == 1
    assert pf.jobs.send_reminders(due - timedelta(seconds=1)) == 0
    assert pf.jobs.send_reminders(due + timedelta(seconds=1)) == 1
    assert pf.jobs.send_reminders(due + timedelta(days=3)) == 0
    assert reminders_sent(pf) == ["P1D", "PT2H", "overdue"]
    notices = notified(pf)
    assert [{u} for u, _ in notices[:2]] == [cv, cv]  # P1D, PT2H: the assignee
    assert {u for u, _ in notices[2:]} == cv | leaders  # overdue: and the leaders
    assert len(notices) == 5 and notices[-1][1].startswith("QUÁ HẠN")
    assert len(all_jobs(pf, "send_email")) == 5  # everyone seeded has an address


def test_a_claimed_task_reminds_only_its_claimant(pf) -> None:
    item = start_linear(pf, "linear_leaders", starter="pct_ubnd")
    pf.claim(item.id, "ct_ubnd", now=NOW)
    assert pf.jobs.send_reminders(item.due_at - timedelta(hours=1)) == 1
    assert [u for u, _ in notified(pf)] == list(user_ids(pf, "ct_ubnd"))


def test_an_unclaimed_task_reminds_every_holder_of_its_role(pf) -> None:
    item = start_linear(pf, "linear_leaders", starter="pct_ubnd")
    assert pf.jobs.send_reminders(item.due_at - timedelta(hours=1)) == 1
    assert {u for u, _ in notified(pf)} == user_ids(pf, "pct_ubnd", "ct_ubnd")


def test_a_completed_task_gets_no_reminder(pf) -> None:
    item = start_linear(pf)
    pf.complete(item.id, "cv_vhtt", {"title": "Kế hoạch", "pages": 2}, now=NOW)
    assert pf.jobs.send_reminders(item.due_at + timedelta(days=1)) == 0
    assert notified(pf) == [] and reminders_sent(pf) == []


def test_the_check_task_of_timer_notify_is_reminded_before_its_due_day(pf, tmp_path) -> None:
    start_timer_notify(pf)
    fire(pf, folder_senders(tmp_path))
    with transaction(pf.url) as s:
        check = s.scalars(select(WorkItem).where(WorkItem.element_id == "Check")).one()
    assert check.due_at is not None
    assert pf.jobs.send_reminders(check.due_at - timedelta(days=2)) == 0
    assert pf.jobs.send_reminders(check.due_at - timedelta(hours=12)) == 1
    assert reminders_sent(pf) == ["P1D"]


@pytest.fixture
def offsets_setting(pf: Policyflow) -> Iterator[Any]:
    """Change `reminder_offsets` for one test; the seeded value comes back afterwards."""
    with transaction(pf.url) as s:
        seeded = s.scalars(
            select(SettingValue.value).where(SettingValue.key == "reminder_offsets")
        ).one()

    def change(value: object) -> Policyflow:
        with transaction(pf.url) as s:
            key = SettingValue.key == "reminder_offsets"
            s.execute(update(SettingValue).where(key).values(value=value))
        return Policyflow(pf.url)  # Runtime keeps settings for 10 s

    yield change
    change(seeded)


def test_a_malformed_reminder_offset_is_ignored(pf, offsets_setting) -> None:
    item = start_linear(pf)
    fresh = offsets_setting(["nope", "PT2H", 42])
    assert fresh.jobs.send_reminders(item.due_at - timedelta(hours=3)) == 0  # P1D is gone
    assert fresh.jobs.send_reminders(item.due_at - timedelta(hours=1)) == 1
    assert reminders_sent(pf) == ["PT2H"]


# -- 7. the embedded runner ------------------------------------------------------------


def runner(pf: Policyflow, spool: Path, mail: Any = None) -> EmbeddedRunner:
    settings = Settings(
        broker_url=None,
        sweep_seconds=0,
        relay_horizon=timedelta(seconds=60),
        visibility_timeout=300,
        stale_after=timedelta(seconds=600),
        smtp_url=None,
        spool=spool,
    )
    senders = Senders.from_settings(settings)
    if mail is not None:
        senders = Senders(mail=mail, publish=senders.publish)
    return EmbeddedRunner(pf, settings, senders)


def test_a_tick_fires_the_timer_and_runs_the_jobs_it_created(pf, tmp_path) -> None:
    instance = start_timer_notify(pf)
    embedded = runner(pf, tmp_path)
    assert embedded.tick(NOW + timedelta(seconds=1)) == {"jobs": 0, "fired": 0, "reminders": 0}
    assert embedded.tick(NOW + timedelta(seconds=4)) == {"jobs": 3, "fired": 0, "reminders": 0}
    assert {j.kind: j.state for j in all_jobs(pf)} == {
        "fire_timers": "done",
        "send_email": "done",
        "publish": "done",
    }
    assert len(emails(tmp_path)) == 1 and len(list((tmp_path / "portal").glob("*.json"))) == 1
    assert pf.show(instance)["open_tasks"][0]["element_id"] == "Check"
    assert embedded.tick(NOW + timedelta(seconds=5)) == {"jobs": 0, "fired": 0, "reminders": 0}


def test_a_tick_at_exactly_the_due_time_tries_the_timer_job_once(pf, tmp_path) -> None:
    """Timers fire strictly after their due time; a job run at that very moment is early
    and must wait for a later moment, not be run again and again in the same tick."""
    start_timer_notify(pf)
    assert runner(pf, tmp_path).tick(DUE)["jobs"] == 1
    job = only_job(pf, "fire_timers")
    assert (job.state, job.attempts) == ("pending", 1)


def test_a_tick_retries_an_email_the_mail_server_refused(pf, tmp_path) -> None:
    folder, failures = FolderMailer(tmp_path / "mail"), [OSError("connection refused")]

    def flaky(message: EmailMessage) -> None:
        if failures:
            raise failures.pop()
        folder(message)

    start_timer_notify(pf)
    embedded = runner(pf, tmp_path, mail=flaky)
    moment = NOW + timedelta(seconds=4)
    assert embedded.tick(moment)["jobs"] == 3
    job = only_job(pf, "send_email")
    assert job.state == "pending" and job.last_error == "connection refused"
    assert moment < job.run_at <= moment + timedelta(minutes=1)  # backoff from the tick's clock
    assert emails(tmp_path) == []
    assert embedded.tick(moment + timedelta(minutes=1))["jobs"] == 1
    assert only_job(pf, "send_email").state == "done" and len(emails(tmp_path)) == 1


# -- 8. the CLI ------------------------------------------------------------------------


def test_cli_reports_jobs_and_sweeps_them(pf, db_url, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("POLICYFLOW_SPOOL", str(tmp_path))
    monkeypatch.delenv("SMTP_URL", raising=False)
    cli = CliRunner()

    def run(*args: str) -> Any:
        result = cli.invoke(main, [*args, "--json"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    assert run("jobs") == {}
    start_timer_notify(pf)
    assert run("jobs") == {"pending": 1}
    assert run("sweep", "--now", (NOW + timedelta(seconds=1)).isoformat())["jobs"] == 0
    swept = run("sweep", "--now", (NOW + timedelta(seconds=4)).isoformat())
    assert swept == {"jobs": 3, "fired": 0, "reminders": 0}
    assert run("jobs") == {"done": 3}
    assert len(emails(tmp_path)) == 1 and len(list((tmp_path / "portal").glob("*.json"))) == 1


def test_done_jobs_are_purged_after_their_time_and_no_other(pf, tmp_path) -> None:
    start_timer_notify(pf)
    job = only_job(pf, "fire_timers").id
    assert jobs.run(pf, job, folder_senders(tmp_path), AFTER) == "fired"
    pf.jobs.finish(job, now=AFTER)  # done at AFTER (again: a finish is idempotent)
    assert pf.jobs.purge(AFTER) == 0  # not before its time
    assert pf.jobs.purge(AFTER + timedelta(seconds=1)) == 1
    assert pf.jobs.counts() == {"pending": 2}  # the e-mail and the page it led to stay
