"""No cross-instance lock on the audit write path (issue 17), on PostgreSQL: while one
transaction holds an appended event of instance A open, instance B's commands append and
commit without waiting; a checkpoint written meanwhile leaves A's event pending and the
next one signs it."""

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from engine.audit import chain
from engine.facade import Policyflow
from engine.store.db import transaction
from engine.store.models import AuditCheckpoint, AuditCheckpointHead, AuditEvent, Instance
from tests.conftest import NOW, deploy_test_model, reset_runtime

WAIT = 10  # seconds: far longer than an unblocked append takes; reached only when blocked


@dataclass
class Held:
    """A transaction of another connection, held open after `work` ran in it."""

    url: str
    work: Callable[[Session], object]
    ready: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    errors: list[BaseException] = field(default_factory=list)
    result: list[object] = field(default_factory=list)

    def run(self) -> None:
        try:
            with transaction(self.url) as s:
                self.result.append(self.work(s))
                s.flush()
                self.ready.set()
                assert self.release.wait(WAIT)
        except BaseException as err:  # reported by the test
            self.errors.append(err)
            self.ready.set()


@pytest.fixture
def held(postgresql_url: str) -> Iterator[Callable[[Callable[[Session], object]], Held]]:
    threads: list[tuple[threading.Thread, Held]] = []

    def start(work: Callable[[Session], object]) -> Held:
        h = Held(postgresql_url, work)
        t = threading.Thread(target=h.run)
        t.start()
        assert h.ready.wait(WAIT) and not h.errors, h.errors
        threads.append((t, h))
        return h

    yield start
    for t, h in threads:
        h.release.set()
        t.join(WAIT)


def append_for(instance_id: int, command: str = "comment") -> Callable[[Session], int]:
    def work(s: Session) -> int:
        instance = s.get(Instance, instance_id, with_for_update=True)
        assert instance is not None
        chain.append(s, instance, NOW, "cv_vhtt", command, {"held": True}, {})
        return s.scalars(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)).one()

    return work


@pytest.fixture
def two(postgresql_url: str) -> tuple[Policyflow, int, int]:
    pf = Policyflow(reset_runtime(postgresql_url))
    deploy_test_model(pf, "linear3.bpmn")
    a = pf.start("linear3", "cv_vhtt", now=NOW)["id"]
    b = pf.start("linear3", "cv_vhtt", now=NOW)["id"]
    return pf, a, b


def test_an_instance_appends_while_another_holds_its_append_open(two, held) -> None:
    pf, a, b = two
    holding = held(append_for(a))
    with transaction(pf.url) as s:
        s.execute(text("SET LOCAL lock_timeout = '2s'"))  # LockNotAvailable if it waits
        append_for(b)(s)
    # A whole command of B, through the engine, finishes while A's transaction is open.
    [task] = [t for t in pf.tasks("cv_vhtt") if t["instance_id"] == b]
    finished = threading.Event()
    errors: list[BaseException] = []

    def complete_b() -> None:
        try:
            pf.complete(task["id"], "cv_vhtt", {"title": "B", "pages": 1}, now=NOW)
        except BaseException as err:
            errors.append(err)
        finished.set()

    threading.Thread(target=complete_b).start()
    assert finished.wait(WAIT), "instance B's command waited for instance A's transaction"
    assert not errors, errors
    holding.release.set()
    pf.audit.checkpoint(now=NOW)
    assert pf.audit.verify_log()["intact"]


def test_administrative_appends_take_turns_without_a_conflict(two, held) -> None:
    pf, _, _ = two
    holding = held(lambda s: chain.append_admin(s, NOW, "admin", "org_import", {"n": 1}, {}))
    second = threading.Thread(target=_admin_append, args=(pf, 2))
    second.start()
    second.join(0.5)
    assert second.is_alive()  # the administration's chain is serialized (rare writes)
    holding.release.set()
    second.join(WAIT)
    with pf.transaction() as s:
        seqs = s.scalars(select(AuditEvent.seq).where(AuditEvent.instance_id.is_(None))).all()
    assert sorted(seqs) == [1, 2] and pf.audit.verify_log()["intact"]


def _admin_append(pf: Policyflow, n: int) -> None:
    with pf.transaction() as s:
        chain.append_admin(s, NOW, "admin", "org_import", {"n": n}, {})


def test_an_event_committed_after_a_checkpoint_read_past_it_is_signed_next(two, held) -> None:
    pf, a, b = two
    holding = held(append_for(a))
    [pending_id] = holding.result
    with transaction(pf.url) as s:
        append_for(b)(s)
    first = pf.audit.checkpoint(now=NOW)
    assert first is not None and first["last_event_id"] > pending_id  # read past A's event
    holding.release.set()
    with transaction(pf.url) as s:
        written = s.get(AuditCheckpoint, first["id"])
        assert written is not None and written.pending == [pending_id]
    for _ in range(WAIT * 10):  # until the holder's commit is visible
        second = pf.audit.checkpoint(now=NOW)
        if second is not None:
            break
        threading.Event().wait(0.1)
    assert second is not None
    with transaction(pf.url) as s:
        heads = s.execute(
            select(AuditCheckpointHead.chain, AuditCheckpointHead.seq).where(
                AuditCheckpointHead.checkpoint_id == second["id"]
            )
        ).all()
    assert [tuple(h) for h in heads] == [(a, 2)]
    assert pf.audit.verify_log()["intact"]
