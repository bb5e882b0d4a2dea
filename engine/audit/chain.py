"""Append-only audit log: a hash chain per instance, and one global chain across all.

Each event stores the command's input (and every non-deterministic value the library used
while running it: the clock, service results) and the task states that resulted. Its hash
covers those fields and the previous event's hash, so an edited, deleted or reordered row
breaks the instance's chain at that row. The global chain links every event, in commit
order, to the one before it anywhere: it also sees an instance's last event deleted, or
a whole instance's events removed.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from engine.store.models import AuditEvent, AuditHead, Instance

GENESIS = "0" * 64


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


def append(
    session: Session,
    instance: Instance,
    at: datetime,
    actor: str,
    command: str,
    payload: dict[str, Any],
    result: dict[str, Any],
) -> str:
    """Add the next event of the instance's chain (in the caller's transaction)."""
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
    row["global_seq"], row["global_hash"] = _extend_global_chain(session, digest)
    # A plain INSERT: the log is append-only, nothing reads the row back in this command.
    session.execute(insert(AuditEvent), [row])
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
    chain, and of the global chain like every event."""
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
    row["global_seq"], row["global_hash"] = _extend_global_chain(session, digest)
    session.execute(insert(AuditEvent), [row])
    return digest


def global_hash(prev_global: str, global_seq: int, event_digest: str) -> str:
    return hashlib.sha256(f"{prev_global}:{global_seq}:{event_digest}".encode()).hexdigest()


def _extend_global_chain(session: Session, event_digest: str) -> tuple[int, str]:
    """The event's place and hash in the global chain. The head row stays locked until
    the command commits, so concurrent commands are chained in commit order."""
    head = session.get(AuditHead, 1, with_for_update=True, populate_existing=True)
    if head is None:  # an emptied log (tests); two racing first writers: one gets Conflict
        head = AuditHead(id=1, seq=0, hash=GENESIS)
        session.add(head)
    head.seq += 1
    head.hash = global_hash(head.hash, head.seq, event_digest)
    return head.seq, head.hash


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
    return chain_breaks(instance, list(events))


def chain_breaks(instance: Instance | None, events: list[AuditEvent]) -> list[ChainBreak]:
    """The chain checks over events already read (in the order they were written)."""
    breaks: list[ChainBreak] = []
    prev = GENESIS
    for expected_seq, ev in enumerate(events, start=1):
        if ev.seq != expected_seq:
            breaks.append(ChainBreak(ev.seq, f"expected event {expected_seq} here"))
        if ev.prev_hash != prev:
            breaks.append(ChainBreak(ev.seq, "does not follow the event before it"))
        recomputed = event_hash(
            ev.prev_hash,
            ev.instance_id,
            ev.seq,
            ev.at,
            ev.actor,
            ev.command,
            ev.payload,
            ev.result,
        )
        if recomputed != ev.hash:
            breaks.append(ChainBreak(ev.seq, "content changed after it was written"))
        prev = ev.hash
    if instance is not None and instance.last_hash != prev:
        breaks.append(ChainBreak(len(events), "the last event is missing"))
    return breaks


@dataclass(frozen=True)
class GlobalBreak:
    """Where the log does not hold: the row (instance, seq, global number) and why."""

    global_seq: int | None
    instance_id: int | None
    seq: int | None
    reason: str

    def describe(self) -> str:
        where = f"hồ sơ {self.instance_id}, sự kiện {self.seq}" if self.instance_id else "cuối sổ"
        number = f" (số chung {self.global_seq})" if self.global_seq is not None else ""
        return f"{where}{number}: {self.reason}"


def verify_all(
    session: Session, progress: Callable[[int], None] | None = None, batch: int = 2000
) -> tuple[int, list[GlobalBreak]]:
    """Check every event: its own content hash, its instance's chain and the global chain.
    Returns how many events were read and every break found, each naming its row."""
    breaks: list[GlobalBreak] = []
    prev_global, expected, count = GENESIS, 1, 0
    last_of: dict[int | None, tuple[int, str]] = {}  # instance (None: admin) -> last (seq, hash)
    query = select(AuditEvent).order_by(AuditEvent.global_seq).execution_options(yield_per=batch)
    for ev in session.scalars(query):
        count += 1
        breaks.extend(_check_global(ev, expected, prev_global, last_of))
        prev_global, expected = ev.global_hash, ev.global_seq + 1
        last_of[ev.instance_id] = (ev.seq, ev.hash)
        if progress is not None:
            progress(1)
    head = session.get(AuditHead, 1)
    if (head.seq if head else 0) != expected - 1 or (head.hash if head else GENESIS) != prev_global:
        breaks.append(GlobalBreak(expected, None, None, "các sự kiện cuối sổ đã bị xóa"))
    breaks.extend(_check_instance_ends(session, last_of))
    return count, breaks


def _check_global(
    ev: AuditEvent, expected: int, prev_global: str, last_of: dict[int | None, tuple[int, str]]
) -> list[GlobalBreak]:
    found: list[GlobalBreak] = []

    def brk(reason: str) -> None:
        found.append(GlobalBreak(ev.global_seq, ev.instance_id, ev.seq, reason))

    if ev.global_seq != expected:
        brk(f"thiếu sự kiện số chung {expected}–{ev.global_seq - 1} (đã bị xóa)")
    recomputed = event_hash(
        ev.prev_hash, ev.instance_id, ev.seq, ev.at, ev.actor, ev.command, ev.payload, ev.result
    )
    if recomputed != ev.hash:
        brk("nội dung đã bị sửa sau khi ghi")
    elif ev.global_seq == expected and global_hash(prev_global, ev.global_seq, ev.hash) != (
        ev.global_hash
    ):
        brk("không nối tiếp sự kiện trước trong chuỗi chung (bị đổi thứ tự hoặc thay thế)")
    prev_seq, prev_hash = last_of.get(ev.instance_id, (0, GENESIS))
    if ev.seq != prev_seq + 1 or ev.prev_hash != prev_hash:
        brk(f"không nối tiếp sự kiện {prev_seq} của hồ sơ (thiếu, thừa hoặc đổi thứ tự)")
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
