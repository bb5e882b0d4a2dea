"""Tamper-evidence and verified re-execution (issue 6): edit, delete or swap what the
database holds, and both `verify-chain` and `verify` say so and point at the row."""

import json
from dataclasses import dataclass
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, select, update

from cli.main import main
from engine.facade import Policyflow
from engine.store.db import transaction
from engine.store.models import AuditEvent, Instance
from tests.conftest import NOW, deploy_test_model


@dataclass
class Log:
    pf: Policyflow
    done: int  # linear3 run to the end: start, 3 completions (4 events)
    other: int  # linear3 started only (1 event)
    timed: int  # timer_notify: start, timer with 3 service calls, completion (3 events)


def task_of(pf: Policyflow, username: str, instance_id: int) -> str:
    [task] = [t for t in pf.tasks(username) if t["instance_id"] == instance_id]
    return task["id"]


@pytest.fixture
def log(pf: Policyflow) -> Log:
    deploy_test_model(pf, "linear3.bpmn")
    deploy_test_model(pf, "timer_notify.bpmn")
    done = pf.start("linear3", "cv_vhtt", now=NOW)["id"]
    pf.complete(task_of(pf, "cv_vhtt", done), "cv_vhtt", {"title": "Kế hoạch", "pages": 3}, now=NOW)
    pf.complete(task_of(pf, "tp_vhtt", done), "tp_vhtt", {}, now=NOW + timedelta(hours=1))
    pf.complete(task_of(pf, "ct_ubnd", done), "ct_ubnd", {}, now=NOW + timedelta(hours=2))
    other = pf.start("linear3", "cv_vhtt", now=NOW + timedelta(hours=3))["id"]
    data = {"wait_for": "PT1M", "subject": "Lịch tiếp dân", "due_in": "P5D"}
    timed = pf.start("timer_notify", "cv_vhtt", data, now=NOW)["id"]
    pf.fire_due_timers(NOW + timedelta(minutes=2))
    pf.complete(task_of(pf, "cv_vhtt", timed), "cv_vhtt", {}, now=NOW + timedelta(minutes=3))
    return Log(pf, done, other, timed)


def edit(pf: Policyflow, instance_id: int, seq: int, **values: object) -> None:
    with transaction(pf.url) as s:
        s.execute(
            update(AuditEvent)
            .where(AuditEvent.instance_id == instance_id, AuditEvent.seq == seq)
            .values(**values)
        )


def event(pf: Policyflow, instance_id: int, seq: int) -> AuditEvent:
    with transaction(pf.url) as s:
        return s.scalar(
            select(AuditEvent).where(AuditEvent.instance_id == instance_id, AuditEvent.seq == seq)
        )


def rows(report: dict) -> set[tuple]:
    return {(b["instance_id"], b["seq"]) for b in report["breaks"]}


def test_an_untouched_log_verifies_and_every_instance_reproduces(log: Log) -> None:
    assert log.pf.audit.verify_log()["intact"]
    for instance_id, steps in ((log.done, 4), (log.other, 1), (log.timed, 3)):
        verdict = log.pf.audit.verify(instance_id)
        assert verdict["verified"], verdict
        assert verdict["verdict"] == f"verified: {steps} steps reproduce"


def test_an_edited_form_value_is_named_by_both_checks(log: Log) -> None:
    original = event(log.pf, log.done, 2).payload
    edited = {**original, "data": {"title": "Kế hoạch", "pages": 30}}
    edit(log.pf, log.done, 2, payload=edited)
    assert rows(log.pf.audit.verify_log()) == {(log.done, 2)}
    assert [b.seq for b in log.pf.audit.verify_chain(log.done)] == [2]
    verdict = log.pf.audit.verify(log.done)
    assert not verdict["verified"]
    assert verdict["diverged_at"] == 2  # re-executed with 30 pages, the recorded state differs
    assert verdict["chain"] == [{"seq": 2, "reason": "content changed after it was written"}]


def test_an_edited_recorded_result_is_named(log: Log) -> None:
    result = event(log.pf, log.done, 3).result
    edit(log.pf, log.done, 3, result={**result, "tasks": result["tasks"][:-1]})
    verdict = log.pf.audit.verify(log.done)
    assert verdict["diverged_at"] == 3 and "the log has" in verdict["how"]
    assert rows(log.pf.audit.verify_log()) == {(log.done, 3)}


def test_an_edited_service_result_is_named(log: Log) -> None:
    timer = event(log.pf, log.timed, 2)
    calls = timer.payload["service_calls"]
    calls[1]["result"] = {**calls[1]["result"], "symbol": "99/TB-UBND"}
    edit(log.pf, log.timed, 2, payload={**timer.payload, "service_calls": calls})
    verdict = log.pf.audit.verify(log.timed)
    assert verdict["diverged_at"] == 2 and not verdict["verified"]


def test_a_deleted_event_is_named_by_both_checks(log: Log) -> None:
    gone, after = event(log.pf, log.done, 2), event(log.pf, log.done, 3)
    with transaction(log.pf.url) as s:
        s.execute(delete(AuditEvent).where(AuditEvent.id == gone.id))
    report = log.pf.audit.verify_log()
    assert (log.done, 3) in rows(report)  # the event after the hole does not follow
    text = f"hồ sơ {log.done}, sự kiện 3 (số chung {after.id}): không nối tiếp sự kiện 1"
    assert any(b["text"].startswith(text) for b in report["breaks"])
    verdict = log.pf.audit.verify(log.done)
    assert verdict["diverged_at"] == 2 and "event 2 is missing" in verdict["how"]


def test_a_deleted_last_event_is_seen(log: Log) -> None:
    """An instance's last event: its chain ends before the instance row's end (with the
    row rewritten too, only a signed checkpoint sees it: test_audit_checkpoints.py)."""
    with transaction(log.pf.url) as s:
        s.execute(delete(AuditEvent).where(AuditEvent.instance_id == log.done, AuditEvent.seq == 4))
    report = log.pf.audit.verify_log()
    assert (log.done, 4) in rows(report)
    verdict = log.pf.audit.verify(log.done)
    assert not verdict["verified"] and verdict["chain"][-1]["reason"] == "the last event is missing"


def test_two_swapped_events_are_named(log: Log) -> None:
    second, third = event(log.pf, log.done, 2), event(log.pf, log.done, 3)
    for target, source in ((second, third), (third, second)):
        edit(
            log.pf, log.done, target.seq,
            at=source.at, actor=source.actor, command=source.command,
            payload=source.payload, result=source.result,
            prev_hash=source.prev_hash, hash=source.hash,
        )  # fmt: skip
    assert {(log.done, 2), (log.done, 3)} <= rows(log.pf.audit.verify_log())
    verdict = log.pf.audit.verify(log.done)
    assert verdict["diverged_at"] == 2


def test_an_edited_live_state_is_found_by_re_execution(log: Log) -> None:
    """The stored workflow state is not in the chain: re-execution still sees an edit."""
    with transaction(log.pf.url) as s:
        instance = s.get(Instance, log.other)
        instance.state = instance.state.replace('"initiator": "cv_vhtt"', '"initiator": "tp_vhtt"')
    verdict = Policyflow(log.pf.url).audit.verify(log.other)
    assert not verdict["verified"] and verdict["diverged_at"] == 1
    assert "stored state" in verdict["how"]


def test_the_cli_names_the_rows_and_fails(log: Log, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", log.pf.url)
    runner = CliRunner()
    ok = runner.invoke(main, ["verify", "--all"])
    assert ok.exit_code == 0 and "3/3 hồ sơ tái hiện đúng" in ok.output
    chain = runner.invoke(main, ["audit", "verify-chain"])
    assert chain.exit_code == 0 and "nguyên vẹn: 8 sự kiện" in chain.output
    original = event(log.pf, log.done, 2).payload
    edit(log.pf, log.done, 2, payload={**original, "data": {"title": "X", "pages": 3}})
    broken = runner.invoke(main, ["audit", "verify-chain"])
    assert broken.exit_code == 1
    assert f"hồ sơ {log.done}, sự kiện 2" in broken.output
    assert "nội dung đã bị sửa" in broken.output
    one = runner.invoke(main, ["verify", str(log.done)])
    assert one.exit_code == 1 and "sai khác ở bước 2" in one.output
    as_json = runner.invoke(main, ["verify", str(log.done), "--json"])
    assert '"diverged_at": 2' in as_json.output


def test_verify_all_over_two_processes_gives_the_same_verdicts(
    log: Log, monkeypatch: pytest.MonkeyPatch
) -> None:
    import cli.audit

    monkeypatch.setenv("DATABASE_URL", log.pf.url)
    monkeypatch.setattr(cli.audit, "PARALLEL_FROM", 1)
    original = event(log.pf, log.timed, 3).payload
    edit(log.pf, log.timed, 3, payload={**original, "data": {"note": "thêm"}})
    result = CliRunner().invoke(main, ["verify", "--all", "--workers", "2", "--json"])
    assert result.exit_code == 1, result.output
    verdicts = json.loads(result.output)
    assert [v["instance_id"] for v in verdicts] == sorted([log.done, log.other, log.timed])
    assert [v["instance_id"] for v in verdicts if not v["verified"]] == [log.timed]
