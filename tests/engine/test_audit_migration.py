"""Revision 0018 on a database with events: down, the global chain is rebuilt over them in
id order with its head row; up again, it goes, and the first checkpoint signs every chain
written before it (the migration itself writes none)."""

import hashlib
from pathlib import Path

from sqlalchemy import text

from engine.facade import Policyflow
from engine.store import schema as migrate
from engine.store.db import get_engine
from tests.conftest import NOW, _prepare, deploy_test_model


def test_0018_down_and_up_keeps_every_event_provable(tmp_path: Path) -> None:
    url = _prepare(f"sqlite:///{tmp_path / 'migrated.db'}")
    pf = Policyflow(url)
    deploy_test_model(pf, "linear3.bpmn")
    for _ in range(3):
        pf.start("linear3", "cv_vhtt", now=NOW)
    migrate.downgrade(url, "0017")
    with get_engine(url).connect() as conn:
        rows = conn.execute(
            text("SELECT global_seq, global_hash, hash FROM audit_events ORDER BY id")
        ).all()
        head = conn.execute(text("SELECT seq, hash FROM audit_head")).one()
    digest = "0" * 64
    for n, (global_seq, global_hash, event_hash) in enumerate(rows, start=1):
        digest = hashlib.sha256(f"{digest}:{n}:{event_hash}".encode()).hexdigest()
        assert (global_seq, global_hash) == (n, digest)
    assert tuple(head) == (len(rows), digest) and len(rows) > 3  # the seed's, 3 starts
    migrate.upgrade(url)
    pf = Policyflow(url)
    assert pf.audit.verify_log()["checkpoints"] == 0
    cp = pf.audit.checkpoint(now=NOW)
    assert cp is not None and cp["heads"] == 4  # the administration and three instances
    verdict = pf.audit.verify_log()
    assert verdict["intact"] and verdict["events"] == len(rows), verdict
