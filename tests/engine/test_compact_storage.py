"""Bytes per instance (issue 17): what starts share is stored once, by digest, and still
proven; an instance's state is stored compressed and reads back exactly; revision 0019
converts both ways."""

import hashlib
import json
import sqlite3
import zlib
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update

from engine.audit import blobs
from engine.audit.chain import event_hash
from engine.enums import EngineData
from engine.facade import Policyflow, get_engine, sql_stats
from engine.store import compression
from engine.store import schema as migrate
from engine.store.db import transaction
from engine.store.models import AuditBlob, AuditEvent, Instance
from tests.conftest import (
    NOW,
    _prepare,
    deploy_test_model,
)

PATH = [("cv_vhtt", {"title": "Kế hoạch", "pages": 3}), ("tp_vhtt", {}), ("ct_ubnd", {})]


def run_linear3(pf: Policyflow, steps: int = 3) -> int:
    state = pf.start("linear3", "cv_vhtt", now=NOW)
    for n, (user, data) in enumerate(PATH[:steps], start=1):
        [task] = state["open_tasks"]
        state = pf.complete(task["id"], user, data, now=NOW + timedelta(minutes=n))
    return int(state["id"])


def start_event(url: str, instance_id: int) -> AuditEvent:
    with transaction(url) as s:
        found = s.scalar(
            select(AuditEvent).where(AuditEvent.instance_id == instance_id, AuditEvent.seq == 1)
        )
        assert found is not None
        return found


def only_blob(url: str) -> tuple[str, dict]:
    with transaction(url) as s:
        [(digest, body)] = s.execute(select(AuditBlob.digest, AuditBlob.body)).all()
    return digest, body


def as_written_before_0019(url: str, instance_id: int) -> None:
    """The instance's start event as a start wrote it before revision 0019 (the whole
    injected data inline), and its chain hashed over that, as it then was."""
    with transaction(url) as s:
        events = s.scalars(
            select(AuditEvent).where(AuditEvent.instance_id == instance_id).order_by(AuditEvent.seq)
        ).all()
        found = blobs.Checked(blobs.read(s, blobs.referenced(e.payload for e in events)))
        prev = "0" * 64
        for ev in events:
            payload = found.resolved(ev.payload)
            digest = event_hash(
                prev, ev.instance_id, ev.seq, ev.at, ev.actor, ev.command, payload, ev.result
            )
            s.execute(
                update(AuditEvent)
                .where(AuditEvent.id == ev.id)
                .values(payload=payload, prev_hash=prev, hash=digest)
            )
            prev = digest
        s.execute(update(Instance).where(Instance.id == instance_id).values(last_hash=prev))


# -- the start's shared data, stored once ------------------------------------------


def test_starts_refer_to_one_stored_body_which_replay_puts_back(pf: Policyflow) -> None:
    deploy_test_model(pf, "linear3.bpmn")
    first, second = run_linear3(pf), run_linear3(Policyflow(pf.url), steps=1)  # 2 processes
    digest, body = only_blob(pf.url)
    assert set(body) == {EngineData.CONFIG, EngineData.REPORTING_UNITS}
    assert hashlib.sha256(blobs.canonical(body)).hexdigest() == digest
    for instance_id in (first, second):
        payload = start_event(pf.url, instance_id).payload
        assert payload[blobs.REF] == digest
        assert payload["injected"] == {"instance_unit": "phong-vhtt", "initiator": "cv_vhtt"}
        assert pf.audit.verify(instance_id)["verified"]
    [start] = pf.audit.replay(first, 1, "admin")["steps"]
    assert start["payload"][blobs.REF] == digest  # shown as recorded
    assert pf.audit.verify_log()["intact"]


def test_a_process_stores_a_body_once_and_only_after_a_commit(pf: Policyflow) -> None:
    deploy_test_model(pf, "linear3.bpmn")
    sql_stats.install(get_engine(pf.url))
    sql_stats.keep_sql()
    try:
        writes = []
        for _ in range(3):
            sql_stats.reset()
            pf.start("linear3", "cv_vhtt", now=NOW)
            writes.append([q for q in sql_stats.reset().sql if "audit_blobs" in q])
    finally:
        sql_stats.keep_sql(False)
    assert [len(w) for w in writes] == [1, 0, 0], writes  # then known: no statement
    body = {"config": {"x": 1}}
    with pytest.raises(RuntimeError), transaction(pf.url) as s:
        blobs.store(s, pf.runtime.blobs, body)
        raise RuntimeError("rolled back")
    with transaction(pf.url) as s:  # not taken as stored: written again
        digest = blobs.store(s, pf.runtime.blobs, body)
    with transaction(pf.url) as s:
        assert s.get(AuditBlob, digest) is not None


def test_the_history_shows_what_a_start_was_given_not_its_digest(pf: Policyflow) -> None:
    """The settings and reporting units back in the start's payload, as a start stored
    them inline before 0019, read with the events (the history stays 3 statements); the
    export keeps the digest and carries the body apart; a body gone: the digest shown."""
    deploy_test_model(pf, "linear3.bpmn")
    done = run_linear3(pf)
    digest, body = only_blob(pf.url)
    sql_stats.install(get_engine(pf.url))
    sql_stats.reset()
    sql_stats.keep_sql(True)
    try:
        [start, *_] = pf.history(done, "cv_vhtt")
    finally:
        sql_stats.keep_sql(False)
    read = [sql for sql in sql_stats.reset().sql if not sql.startswith("BEGIN")]
    assert len(read) <= 3 and any("audit_blobs" in sql for sql in read), read
    shown = start["payload"]
    assert blobs.REF not in shown and digest not in json.dumps(shown)
    assert shown["injected"][EngineData.CONFIG]["p1_initial_info_due"]  # a setting's value
    assert shown["injected"][EngineData.CONFIG] == body[EngineData.CONFIG]
    assert shown["injected"]["initiator"] == "cv_vhtt"
    assert pf.audit.export_history(done, now=NOW)["events"][0]["payload"][blobs.REF] == digest
    as_written_before_0019(pf.url, done)
    assert shown == start_event(pf.url, done).payload  # as it was stored before
    second = run_linear3(pf, steps=0)
    with transaction(pf.url) as s:
        s.delete(s.get(AuditBlob, digest))
    assert pf.history(second)[0]["payload"][blobs.REF] == digest


def test_an_edited_body_is_named_by_every_check(pf: Policyflow) -> None:
    deploy_test_model(pf, "linear3.bpmn")
    done, started = run_linear3(pf), run_linear3(pf, steps=0)
    digest, body = only_blob(pf.url)
    body[EngineData.CONFIG]["p1_initial_info_due"] = "PT48H"
    with transaction(pf.url) as s:
        s.execute(update(AuditBlob).where(AuditBlob.digest == digest).values(body=body))
    expect_named(pf, digest, {done, started}, "changed", "đã bị sửa")


def test_a_deleted_body_is_named_by_every_check(pf: Policyflow) -> None:
    deploy_test_model(pf, "linear3.bpmn")
    done = run_linear3(pf)
    digest, _ = only_blob(pf.url)
    with transaction(pf.url) as s:
        s.delete(s.get(AuditBlob, digest))
    expect_named(pf, digest, {done}, "missing", "không còn")


def expect_named(pf: Policyflow, digest: str, instances: set, problem: str, words: str) -> None:
    log = pf.audit.verify_log()
    assert not log["intact"]
    assert {(b["instance_id"], b["seq"]) for b in log["breaks"]} == {(i, 1) for i in instances}
    assert all(digest in b["reason"] and words in b["reason"] for b in log["breaks"])
    for instance_id in instances:
        reason = f"the data it refers to ({digest}) is {problem}"
        assert [(b.seq, b.reason) for b in pf.audit.verify_chain(instance_id)] == [(1, reason)]
        verdict = pf.audit.verify(instance_id)
        assert verdict["diverged_at"] == 1 and problem in str(verdict["how"])
        assert verdict["chain"] == [{"seq": 1, "reason": reason}]
        export = pf.audit.export_history(instance_id, now=NOW)
        assert export["chain"]["breaks"] == [{"seq": 1, "reason": reason}]


def test_an_export_carries_the_bodies_its_events_refer_to(pf: Policyflow) -> None:
    deploy_test_model(pf, "linear3.bpmn")
    done = run_linear3(pf)
    export = pf.audit.export_history(done, now=NOW)
    [(digest, body)] = export["blobs"].items()
    assert export["events"][0]["payload"][blobs.REF] == digest
    assert blobs.digest_of(body) == digest and export["chain"]["intact"]


def test_events_written_before_0019_still_verify_and_replay(pf: Policyflow) -> None:
    """Their `injected` inline, as then: nothing refers to a body, all re-executes."""
    deploy_test_model(pf, "linear3.bpmn")
    old, new = run_linear3(pf), run_linear3(pf)
    as_written_before_0019(pf.url, old)
    payload = start_event(pf.url, old).payload
    assert blobs.REF not in payload and EngineData.CONFIG in payload["injected"]
    for instance_id in (old, new):
        assert pf.audit.verify(instance_id)["verified"]
        assert pf.audit.verify_chain(instance_id) == []
    assert pf.audit.verify_log()["intact"]
    steps = pf.audit.replay(old, username="admin")["steps"]
    units = only_blob(pf.url)[1][EngineData.REPORTING_UNITS]
    assert steps[0]["data"][EngineData.REPORTING_UNITS] == units  # from the inline data


# -- the state, compressed -----------------------------------------------------------


def raw_state(url: str, instance_id: int) -> bytes:
    with get_engine(url).connect() as conn:
        found = conn.execute(
            text("SELECT state FROM instances WHERE id = :i"), {"i": instance_id}
        ).scalar()
    return bytes(found)


def test_the_state_is_stored_compressed_and_reads_back_exactly(pf: Policyflow) -> None:
    deploy_test_model(pf, "linear3.bpmn")
    instance_id = run_linear3(pf, steps=1)
    with transaction(pf.url) as s:
        state = s.scalar(select(Instance.state).where(Instance.id == instance_id))
    assert state is not None and json.loads(state)["format"] == "policyflow-state/1"
    raw = raw_state(pf.url, instance_id)
    assert raw[1] & 0x20 and int.from_bytes(raw[2:6], "big") in compression.DICTIONARIES
    assert compression.unpack(raw) == state and len(raw) * 3 < len(state.encode())
    # Read from the database (no cached workflow), on to the end, and re-executed.
    cold = Policyflow(pf.url)
    for user, data in PATH[1:]:
        [task] = [t for t in cold.tasks(user) if t["instance_id"] == instance_id]
        cold.complete(task["id"], user, data, now=NOW + timedelta(hours=1))
    assert cold.audit.verify(instance_id)["verified"]


def test_plain_zlib_reads_and_an_unknown_dictionary_is_refused() -> None:
    state = json.dumps({"format": "policyflow-state/1", "data": {"tên": "Kế hoạch"}})
    assert compression.unpack(zlib.compress(state.encode())) == state
    packer = zlib.compressobj(zdict=b'"an unknown dictionary"')
    with pytest.raises(ValueError, match="unknown dictionary"):
        compression.unpack(packer.compress(state.encode()) + packer.flush())


def test_the_first_dictionary_is_never_changed() -> None:
    """Rows written with it read only with these very bytes: add a dictionary, never
    edit one (engine/store/compression.py)."""
    first = compression.DICTIONARIES[0x7EE1FD48]
    assert hashlib.sha256(first).hexdigest()[:16] == "78712c91fe678be4"


# -- revision 0019, down and up --------------------------------------------------------


def test_0019_down_and_up_keeps_states_and_proofs(fresh_url: str) -> None:
    url = _prepare(fresh_url)
    migrate.downgrade(url, "0018")  # no body yet: the table goes
    with get_engine(url).connect() as conn:
        assert not conn.dialect.has_table(conn, "audit_blobs")
    migrate.upgrade(url)
    pf = Policyflow(url)
    deploy_test_model(pf, "linear3.bpmn")
    done, running, old = run_linear3(pf), run_linear3(pf, steps=1), run_linear3(pf)
    as_written_before_0019(url, old)
    with transaction(url) as s:
        states = {i: state for i, state in s.execute(select(Instance.id, Instance.state))}
    migrate.downgrade(url, "0018")
    with get_engine(url).connect() as conn:
        text_states = {i: st for i, st in conn.execute(text("SELECT id, state FROM instances"))}
        kept = conn.execute(text("SELECT count(*) FROM audit_blobs")).scalar()
    assert text_states == states and kept == 1  # events refer to it: kept
    migrate.upgrade(url)
    assert {i: compression.unpack(raw_state(url, i)) for i in states} == states
    pf = Policyflow(url)
    for instance_id in (done, running, old):
        assert pf.audit.verify(instance_id)["verified"]
    assert pf.audit.verify_log()["intact"]
    with transaction(url) as s:
        assert s.scalar(select(func.count()).select_from(AuditBlob)) == 1


def test_0019_on_sqlite_stops_whole_on_a_dangling_reference(tmp_path: Path) -> None:
    """SQLite rebuilds `instances` with its foreign keys off: a row referring to a
    missing instance stops the revision, named, and leaves 0018 as it was."""
    url = _prepare(f"sqlite:///{tmp_path / 'dangling.db'}")
    pf = Policyflow(url)
    deploy_test_model(pf, "linear3.bpmn")
    run_linear3(pf, steps=1)
    migrate.downgrade(url, "0018")
    raw = sqlite3.connect(tmp_path / "dangling.db")
    raw.execute("PRAGMA foreign_keys=OFF")
    raw.execute("INSERT INTO message_waits (instance_id, message_name) VALUES (999, 'x')")
    raw.commit()
    raw.close()
    with pytest.raises(RuntimeError, match="message_waits"):
        migrate.upgrade(url)
    with get_engine(url).connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0018"
        assert conn.execute(text("SELECT typeof(state) FROM instances")).scalars().all() == ["text"]
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    with get_engine(url).begin() as conn:
        conn.execute(text("DELETE FROM message_waits WHERE instance_id = 999"))
    migrate.upgrade(url)
    assert Policyflow(url).audit.verify_log()["intact"]
