"""Append-only audit log: a hash chain per instance, tied together by signed checkpoints.

Each event stores the command's input (and every non-deterministic value the library used
while running it: the clock, service results) and the task states that resulted. Its hash
covers those fields and the previous event's hash *of the same instance*, so an edited,
inserted, deleted or reordered row breaks the instance's chain at that row. The
instance row keeps the end of its chain (`event_count`, `last_hash`): appending touches
only the instance's own rows, which its command holds anyway, so commands of different
instances never wait for one another. Administrative events (no instance) form one more
chain of their own (`append_admin`; rare, serialized by a transaction-scoped lock).

What a chain alone cannot see is its end going: the last events of an instance deleted
with its row's end rewritten, or a whole instance removed. Periodic checkpoints
(`checkpoints.py`: the scheduler every POLICYFLOW_AUDIT_CHECKPOINT_SECONDS, default five
minutes, or `policyflow audit checkpoint`) record the head of every chain that moved since
the previous one, under a Merkle root, linked to the previous checkpoint and signed with
the server's Ed25519 key (`keys.py`). `verify_all` then names: a changed, inserted or
reordered event (its chain), a missing last event (the instance row, or the signed head),
a deleted chain (its signed head has no event), a chain rewritten consistently up to a
signed head (the head's hash differs), an edited, removed or forged checkpoint (its hash,
signature, key, link or Merkle root).

What an attacker with write access to the database (but not to the key file) can still
do: change what happened *after the last checkpoint* — append forged events to a chain
(recomputing its hashes and the instance row), rewrite or delete events not yet under a
checkpoint, or delete an instance that no checkpoint has seen — and the next checkpoint
then signs the forgery. The interval bounds that window: everything older than the last
checkpoint is fixed. Deleting the newest checkpoints themselves is seen only against a
copy kept outside the database: the scheduler logs each checkpoint's number and hash and
appends them to <spool>/audit-checkpoints.jsonl (tasks/checkpoints.py), which
`verify_all(published=...)` compares. Reading the key file defeats all of this.
"""

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from engine.audit.blobs import REF, Checked
from engine.store.models import AuditBlob, AuditEvent, Instance
from engine.store.write_batch import WriteBatch

GENESIS = "0" * 64
ADMIN_CHAIN = 0  # the administration's chain in checkpoints (instance ids start at 1)
ADMIN_LOCK = 0x706F6C6963790001  # pg_advisory_xact_lock key: appends to the admin chain


def event_hash(
    prev_hash: str,
    instance_id: int | None,
    seq: int,
    at: datetime,
    actor: str,
    command: str,
    payload: dict,
    result: dict,
) -> str:
    body = json.dumps(
        [prev_hash, instance_id, seq, at.isoformat(), actor, command, payload, result],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


_INSERT_EVENT = insert(AuditEvent)  # run on the Connection: compiled as plain Core


def append(
    session: Session,
    instance: Instance,
    at: datetime,
    actor: str,
    command: str,
    payload: dict[str, Any],
    result: dict[str, Any],
    writes: WriteBatch | None = None,
) -> str:
    """Add the next event of the instance's chain (in the caller's transaction). It reads
    and writes nothing but the instance's row (already the command's) and the new event —
    sent now, or with the command's other writes (`writes`)."""
    seq = instance.event_count + 1
    digest = event_hash(instance.last_hash, instance.id, seq, at, actor, command, payload, result)
    row = {
        "instance_id": instance.id,
        "seq": seq,
        "at": at,
        "actor": actor,
        "command": command,
        "payload": payload,
        "result": result,
        "prev_hash": instance.last_hash,
        "hash": digest,
    }
    # A plain Core INSERT (same transaction): the log is append-only and nothing reads
    # the row back, so the ORM's bulk-insert layer has nothing to do.
    if writes is not None:
        writes.insert(AuditEvent, [row])
    else:
        session.connection().execute(_INSERT_EVENT, row)
    instance.event_count = seq
    instance.last_hash = digest
    return digest


def append_admin(
    session: Session,
    at: datetime,
    actor: str,
    command: str,
    payload: dict[str, Any],
    result: dict[str, Any],
) -> str:
    """Add an administrative event (no instance): the next of the administration's own
    chain. Two at once would pick the same number, so on PostgreSQL they take turns on a
    transaction-scoped advisory lock (SQLite has one writer anyway); instance commands
    never take it."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ADMIN_LOCK})
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash)
        .where(AuditEvent.instance_id.is_(None))
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS)
    digest = event_hash(prev, None, seq, at, actor, command, payload, result)
    row = {
        "instance_id": None,
        "seq": seq,
        "at": at,
        "actor": actor,
        "command": command,
        "payload": payload,
        "result": result,
        "prev_hash": prev,
        "hash": digest,
    }
    session.execute(insert(AuditEvent), [row])
    return digest


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str


def verify_chain(session: Session, instance_id: int) -> list[ChainBreak]:
    """Every place the instance's chain does not hold (empty: intact)."""
    instance = session.get(Instance, instance_id)
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.instance_id == instance_id).order_by(AuditEvent.id)
    ).all()
    return chain_breaks(instance, list(events), Checked.of(session, (e.payload for e in events)))


def chain_breaks(
    instance: Instance | None, events: list[AuditEvent], blobs: Checked
) -> list[ChainBreak]:
    """The chain checks over events already read (in the order they were written), with
    the bodies they refer to (engine/audit/blobs.py)."""
    breaks: list[ChainBreak] = []
    prev = GENESIS
    for expected_seq, ev in enumerate(events, start=1):
        if ev.seq != expected_seq:
            breaks.append(ChainBreak(ev.seq, f"expected event {expected_seq} here"))
        if ev.prev_hash != prev:
            breaks.append(ChainBreak(ev.seq, "does not follow the event before it"))
        if recompute(ev) != ev.hash:
            breaks.append(ChainBreak(ev.seq, "content changed after it was written"))
        if (problem := blobs.problem(ev.payload)) is not None:
            reason = f"the data it refers to ({ev.payload[REF]}) is {problem}"
            breaks.append(ChainBreak(ev.seq, reason))
        prev = ev.hash
    if instance is not None and instance.last_hash != prev:
        breaks.append(ChainBreak(len(events), "the last event is missing"))
    return breaks


def recompute(ev: AuditEvent) -> str:
    return event_hash(
        ev.prev_hash, ev.instance_id, ev.seq, ev.at, ev.actor, ev.command, ev.payload, ev.result
    )


@dataclass(frozen=True)
class GlobalBreak:
    """Where the log does not hold: the event (its number in the log, its instance — None
    for the administration's chain — and place in the chain) or the checkpoint, and why."""

    global_seq: int | None
    instance_id: int | None
    seq: int | None
    reason: str
    checkpoint: int | None = None

    def describe(self) -> str:
        if self.instance_id is not None:
            where = f"hồ sơ {self.instance_id}, sự kiện {self.seq}"
        elif self.seq is not None:
            where = f"nhật ký quản trị, sự kiện {self.seq}"
        elif self.checkpoint is not None:
            where = f"điểm kiểm tra {self.checkpoint}"
        else:
            where = "sổ nhật ký"
        number = f" (số chung {self.global_seq})" if self.global_seq is not None else ""
        return f"{where}{number}: {self.reason}"


def verify_all(
    session: Session,
    progress: Callable[[int], None] | None = None,
    batch: int = 2000,
    published: Mapping[int, str] | None = None,
) -> tuple[int, list[GlobalBreak]]:
    """Check the checkpoints (links, signatures, Merkle roots; those `published` outside
    the database, number -> hash, still there), then every event: its own content hash,
    its chain, the chain heads the checkpoints signed, and each instance's stored end of
    chain. Returns how many events were read and every break, each naming its row or
    checkpoint."""
    from engine.audit import checkpoints  # it builds on this module

    breaks, pinned = checkpoints.check(session, published)
    # Every stored body, its digest recomputed once (few: one per distinct settings).
    stored = session.execute(select(AuditBlob.digest, AuditBlob.body))
    blobs = Checked({digest: body for digest, body in stored})
    count = 0
    last_of: dict[int | None, tuple[int, str]] = {}  # instance (None: admin) -> last (seq, hash)
    query = select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=batch)
    for ev in session.scalars(query):
        count += 1
        breaks.extend(_check_event(ev, last_of, pinned, blobs))
        last_of[ev.instance_id] = (ev.seq, ev.hash)
        if progress is not None:
            progress(1)
    breaks.extend(checkpoints.unmatched(pinned))
    breaks.extend(_check_instance_ends(session, last_of))
    return count, breaks


def _check_event(
    ev: AuditEvent,
    last_of: dict[int | None, tuple[int, str]],
    pinned: dict[tuple[int, int], tuple[str, int]],
    blobs: Checked,
) -> list[GlobalBreak]:
    found: list[GlobalBreak] = []

    def brk(reason: str) -> None:
        found.append(GlobalBreak(ev.id, ev.instance_id, ev.seq, reason))

    if recompute(ev) != ev.hash:
        brk("nội dung đã bị sửa sau khi ghi")
    problem = blobs.problem(ev.payload)
    if problem is not None:
        what = "không còn" if problem == "missing" else "đã bị sửa"
        brk(f"dữ liệu dùng chung sự kiện dẫn chiếu (audit_blobs {ev.payload[REF]}) {what}")
    prev_seq, prev_hash = last_of.get(ev.instance_id, (0, GENESIS))
    if ev.seq != prev_seq + 1:
        brk(f"không nối tiếp sự kiện {prev_seq} (thiếu, thừa hoặc đổi thứ tự sự kiện)")
    elif ev.prev_hash != prev_hash:
        brk(f"không nối tiếp sự kiện {prev_seq} (bị chèn, thay thế hoặc đổi thứ tự)")
    signed = pinned.pop((ev.instance_id or ADMIN_CHAIN, ev.seq), None)
    if signed is not None and signed[0] != ev.hash:
        brk(f"khác đầu chuỗi đã ký ở điểm kiểm tra {signed[1]} (chuỗi đã bị viết lại)")
    return found


def _check_instance_ends(
    session: Session, last_of: dict[int | None, tuple[int, str]]
) -> list[GlobalBreak]:
    """Each instance's stored end of chain must be its last event read."""
    found = []
    for instance_id, count, last_hash in session.execute(
        select(Instance.id, Instance.event_count, Instance.last_hash).order_by(Instance.id)
    ):
        seq, digest = last_of.get(instance_id, (0, GENESIS))
        if (seq, digest) != (count, last_hash):
            found.append(
                GlobalBreak(None, instance_id, count, f"thiếu sự kiện cuối (còn đến sự kiện {seq})")
            )
    return found
