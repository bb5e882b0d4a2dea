"""Signed checkpoints over the per-instance chains (issue 17): what a chain alone cannot see
— its end or the whole chain deleted, a chain rewritten consistently — is named against
the heads a checkpoint signed; a forged, edited or removed checkpoint is named too."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, insert, select, update

from cli.main import main
from engine.audit import chain, checkpoints, keys
from engine.facade import Policyflow
from engine.store.models import AuditCheckpoint, AuditCheckpointHead, AuditEvent, Instance
from tests.conftest import NOW, deploy_test_model


def task_of(pf: Policyflow, username: str, instance_id: int) -> str:
    [task] = [t for t in pf.tasks(username) if t["instance_id"] == instance_id]
    return task["id"]


@pytest.fixture
def signed(pf: Policyflow) -> tuple[Policyflow, int, int]:
    """Two instances (4 events and 1), two administrative events, one checkpoint."""
    deploy_test_model(pf, "linear3.bpmn")
    done = pf.start("linear3", "cv_vhtt", now=NOW)["id"]
    pf.complete(task_of(pf, "cv_vhtt", done), "cv_vhtt", {"title": "KH", "pages": 3}, now=NOW)
    pf.complete(task_of(pf, "tp_vhtt", done), "tp_vhtt", {}, now=NOW + timedelta(hours=1))
    pf.complete(task_of(pf, "ct_ubnd", done), "ct_ubnd", {}, now=NOW + timedelta(hours=2))
    other = pf.start("linear3", "cv_vhtt", now=NOW)["id"]
    with pf.transaction() as s:
        for n in (1, 2):
            chain.append_admin(s, NOW, "admin", "org_import", {"n": n}, {})
    cp = pf.audit.checkpoint(now=NOW)
    assert cp is not None and cp["id"] == 1 and cp["heads"] == 3  # two instances, the admin
    return pf, done, other


def breaks(pf: Policyflow) -> list[str]:
    verdict = pf.audit.verify_log()
    assert verdict["intact"] == (not verdict["breaks"])
    return [b["text"] for b in verdict["breaks"]]


def end_of_chain(pf: Policyflow, instance_id: int, count: int) -> None:
    """Rewrite the instance row's end of chain, as one hiding a deletion would."""
    with pf.transaction() as s:
        digest = s.scalar(
            select(AuditEvent.hash).where(
                AuditEvent.instance_id == instance_id, AuditEvent.seq == count
            )
        )
        s.execute(
            update(Instance)
            .where(Instance.id == instance_id)
            .values(event_count=count, last_hash=digest or chain.GENESIS)
        )


def test_checkpoints_link_and_cover_only_the_chains_that_moved(signed) -> None:
    pf, done, other = signed
    assert breaks(pf) == [] and pf.audit.verify_log()["checkpoints"] == 1
    assert pf.audit.checkpoint(now=NOW) is None  # nothing moved
    pf.complete(task_of(pf, "cv_vhtt", other), "cv_vhtt", {"title": "B", "pages": 1}, now=NOW)
    second = pf.audit.checkpoint(now=NOW + timedelta(minutes=5))
    assert second is not None and second["id"] == 2 and second["heads"] == 1
    with pf.transaction() as s:
        first, again = s.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id)).all()
        key = keys.signing_key(create=False)
        assert key is not None and again.public_key == keys.public_hex(key)
        assert again.prev_hash == first.hash
        heads = s.execute(select(AuditCheckpointHead.chain, AuditCheckpointHead.seq)).all()
    assert sorted(heads) == [(0, 2), (done, 4), (other, 1), (other, 2)]
    assert breaks(pf) == []
    exported = pf.audit.export_history(other)["events"]
    assert [e["checkpoint"] for e in exported] == [1, 2]


def test_a_deleted_last_event_with_its_end_rewritten_is_named(signed) -> None:
    pf, done, _ = signed
    with pf.transaction() as s:
        s.execute(delete(AuditEvent).where(AuditEvent.instance_id == done, AuditEvent.seq == 4))
    end_of_chain(pf, done, 3)
    assert breaks(pf) == [f"hồ sơ {done}, sự kiện 4: đã bị xóa (đầu chuỗi đã ký ở điểm kiểm tra 1)"]


def test_a_deleted_whole_chain_is_named(signed) -> None:
    pf, _, other = signed
    with pf.transaction() as s:
        s.execute(delete(AuditEvent).where(AuditEvent.instance_id == other))
    end_of_chain(pf, other, 0)
    assert breaks(pf) == [
        f"hồ sơ {other}, sự kiện 1: đã bị xóa (đầu chuỗi đã ký ở điểm kiểm tra 1)"
    ]


def test_a_deleted_last_admin_event_is_named(signed) -> None:
    pf, _, _ = signed
    with pf.transaction() as s:
        s.execute(delete(AuditEvent).where(AuditEvent.instance_id.is_(None), AuditEvent.seq == 2))
    assert breaks(pf) == [
        "nhật ký quản trị, sự kiện 2: đã bị xóa (đầu chuỗi đã ký ở điểm kiểm tra 1)"
    ]


def rehash_from(pf: Policyflow, instance_id: int, seq: int) -> None:
    """Recompute the chain from `seq` on and the instance's end: a consistent rewrite."""
    with pf.transaction() as s:
        events = s.scalars(
            select(AuditEvent).where(AuditEvent.instance_id == instance_id).order_by(AuditEvent.seq)
        ).all()
        prev = chain.GENESIS
        for ev in events:
            if ev.seq >= seq:
                ev.prev_hash = prev
                ev.hash = chain.recompute(ev)
            prev = ev.hash
    end_of_chain(pf, instance_id, len(events))


def test_an_edited_chain_rehashed_to_its_end_is_named_at_the_signed_head(signed) -> None:
    pf, done, _ = signed
    with pf.transaction() as s:
        second = AuditEvent.instance_id == done, AuditEvent.seq == 2
        payload = s.scalars(select(AuditEvent.payload).where(*second)).one()
        s.execute(update(AuditEvent).where(*second).values(payload={**payload, "data": {}}))
    rehash_from(pf, done, 2)
    assert pf.audit.verify_chain(done) == []  # the chain alone holds
    assert breaks(pf) == [
        f"hồ sơ {done}, sự kiện 4 (số chung {event_id(pf, done, 4)}): khác đầu chuỗi đã ký "
        "ở điểm kiểm tra 1 (chuỗi đã bị viết lại)"
    ]


def test_an_inserted_event_is_named(signed) -> None:
    pf, done, _ = signed
    with pf.transaction() as s:
        for seq in (4, 3):  # make room for a new event 3
            s.execute(
                update(AuditEvent)
                .where(AuditEvent.instance_id == done, AuditEvent.seq == seq)
                .values(seq=seq + 1)
            )
        second = s.scalars(
            select(AuditEvent).where(AuditEvent.instance_id == done, AuditEvent.seq == 2)
        ).one()
        row = {
            "instance_id": done, "seq": 3, "at": second.at, "actor": "tp_vhtt",
            "command": "complete", "payload": {}, "result": second.result,
            "prev_hash": second.hash,
        }  # fmt: skip
        s.execute(insert(AuditEvent), [{**row, "hash": chain.event_hash(**_hash_args(row))}])
    found = breaks(pf)
    assert any(t.startswith(f"hồ sơ {done}, sự kiện 3 ") for t in found)  # read out of order
    assert any(f"hồ sơ {done}, sự kiện 4 " in t and "viết lại" in t for t in found)


def _hash_args(row: dict) -> dict:
    return {k: row[k] for k in ("prev_hash", "instance_id", "seq", "at", "actor", "command",
                                "payload", "result")}  # fmt: skip


def event_id(pf: Policyflow, instance_id: int, seq: int) -> int:
    with pf.transaction() as s:
        return s.scalars(
            select(AuditEvent.id).where(
                AuditEvent.instance_id == instance_id, AuditEvent.seq == seq
            )
        ).one()


def edit_checkpoint(pf: Policyflow, **values: object) -> None:
    with pf.transaction() as s:
        s.execute(update(AuditCheckpoint).where(AuditCheckpoint.id == 1).values(**values))


def test_an_edited_checkpoint_is_named(signed) -> None:
    pf, _, _ = signed
    edit_checkpoint(pf, root="ab" * 32)
    found = breaks(pf)
    assert "điểm kiểm tra 1: nội dung điểm kiểm tra đã bị sửa" in found
    assert "điểm kiểm tra 1: các đầu chuỗi không khớp gốc Merkle đã ký (bị thêm, xóa hoặc sửa)" in (
        found
    )


def test_a_checkpoint_rehashed_without_the_key_fails_its_signature(signed) -> None:
    pf, _, _ = signed
    with pf.transaction() as s:
        cp = s.get(AuditCheckpoint, 1)
        cp.heads = 2
        cp.hash = checkpoints.checkpoint_hash(cp)
    found = breaks(pf)
    assert "điểm kiểm tra 1: chữ ký không hợp lệ (điểm kiểm tra bị giả hoặc bị sửa)" in found


def test_a_checkpoint_signed_with_another_key_is_named(signed) -> None:
    pf, _, _ = signed
    forger = Ed25519PrivateKey.generate()
    with pf.transaction() as s:
        cp = s.get(AuditCheckpoint, 1)
        cp.public_key = keys.public_hex(forger)
        cp.hash = checkpoints.checkpoint_hash(cp)
        cp.signature = keys.sign(forger, cp.hash)
    assert breaks(pf) == ["điểm kiểm tra 1: ký bằng khóa không được tin cậy"]


def test_a_removed_checkpoint_or_head_is_named(signed) -> None:
    pf, done, other = signed
    pf.complete(task_of(pf, "cv_vhtt", other), "cv_vhtt", {"title": "B", "pages": 1}, now=NOW)
    pf.audit.checkpoint(now=NOW)
    with pf.transaction() as s:
        s.execute(delete(AuditCheckpointHead).where(AuditCheckpointHead.chain == done))
    assert breaks(pf) == [
        "điểm kiểm tra 1: các đầu chuỗi không khớp gốc Merkle đã ký (bị thêm, xóa hoặc sửa)"
    ]
    with pf.transaction() as s:
        s.execute(delete(AuditCheckpointHead).where(AuditCheckpointHead.checkpoint_id == 1))
        s.execute(delete(AuditCheckpoint).where(AuditCheckpoint.id == 1))
    assert breaks(pf) == [
        "điểm kiểm tra 2: thiếu điểm kiểm tra 1–1 (đã bị xóa)",
        "điểm kiểm tra 2: không nối tiếp điểm kiểm tra trước (bị xóa, chèn hoặc thay thế)",
    ]


def test_the_cli_writes_a_checkpoint_and_names_a_forged_one(
    pf: Policyflow, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", pf.url)
    deploy_test_model(pf, "linear3.bpmn")
    pf.start("linear3", "cv_vhtt", now=NOW)
    runner = CliRunner()
    written = runner.invoke(main, ["audit", "checkpoint"])
    assert written.exit_code == 0 and written.output.startswith("Điểm kiểm tra 1: 1 chuỗi, băm ")
    assert "Không có sự kiện mới" in runner.invoke(main, ["audit", "checkpoint"]).output
    ok = runner.invoke(main, ["audit", "verify-chain"])
    assert ok.exit_code == 0 and "1 sự kiện, 1 điểm kiểm tra đã ký" in ok.output
    edit_checkpoint(pf, signature="00" * 64)
    broken = runner.invoke(main, ["audit", "verify-chain"])
    assert broken.exit_code == 1 and "điểm kiểm tra 1: chữ ký không hợp lệ" in broken.output


def test_the_key_is_made_once_in_its_file_and_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("POLICYFLOW_AUDIT_KEY")
    monkeypatch.setenv("POLICYFLOW_AUDIT_KEY_FILE", str(tmp_path / "key"))
    assert keys.signing_key(create=False) is None and keys.trusted_keys() == set()
    made = keys.signing_key()
    assert made is not None and (tmp_path / "key").stat().st_mode & 0o777 == 0o600
    again = keys.signing_key()
    assert again is not None and keys.public_hex(again) == keys.public_hex(made)
    monkeypatch.setenv("POLICYFLOW_AUDIT_PUBLIC_KEYS", "AA" * 32)
    assert keys.trusted_keys() == {keys.public_hex(made), "aa" * 32}


def test_the_embedded_scheduler_and_celery_beat_write_checkpoints(
    pf: Policyflow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tasks import celery_app
    from tasks.embedded import EmbeddedRunner
    from tasks.senders import Senders
    from tasks.settings import Settings

    deploy_test_model(pf, "linear3.bpmn")
    pf.start("linear3", "cv_vhtt", now=NOW)
    settings = Settings.from_env()
    assert settings.checkpoint_seconds == 300  # the default period
    every_tick = Settings(**{**vars(settings), "spool": tmp_path, "checkpoint_seconds": 0})
    runner = EmbeddedRunner(pf, every_tick, Senders.from_settings(every_tick))
    assert runner.tick(NOW)["checkpoint"] == 1
    assert runner.tick(NOW)["checkpoint"] == 0  # nothing moved since
    beat = celery_app.app.conf.beat_schedule["audit-checkpoint"]
    assert beat == {"task": "policyflow.audit_checkpoint", "schedule": 300.0}
    pf.start("linear3", "cv_vhtt", now=NOW)
    monkeypatch.setenv("DATABASE_URL", pf.url)
    monkeypatch.setattr(celery_app, "SETTINGS", every_tick)
    celery_app.engine.cache_clear()
    try:
        assert celery_app.audit_checkpoint.apply().get() == 2
    finally:
        celery_app.engine.cache_clear()
    assert pf.audit.verify_log()["checkpoints"] == 2
    lines = (tmp_path / "audit-checkpoints.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == [1, 2]  # published, in order


def test_deleted_newest_checkpoints_are_named_against_the_published_copy(
    pf: Policyflow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tasks.checkpoints import checkpoint

    monkeypatch.setenv("DATABASE_URL", pf.url)
    deploy_test_model(pf, "linear3.bpmn")
    for _ in range(2):
        pf.start("linear3", "cv_vhtt", now=NOW)
        checkpoint(pf, tmp_path)
    with pf.transaction() as s:
        s.execute(delete(AuditCheckpointHead).where(AuditCheckpointHead.checkpoint_id == 2))
        s.execute(delete(AuditCheckpoint).where(AuditCheckpoint.id == 2))
    runner = CliRunner()
    assert runner.invoke(main, ["audit", "verify-chain"]).exit_code == 0  # the database alone
    copy = str(tmp_path / "audit-checkpoints.jsonl")
    broken = runner.invoke(main, ["audit", "verify-chain", "--published", copy])
    assert broken.exit_code == 1
    assert "điểm kiểm tra 2: khác bản đã công bố (đã bị xóa)" in broken.output
