"""Append-only audit log, one hash chain per instance.

Each event stores the command's input (and every non-deterministic value the library used
while running it: the clock, service results) and the task states that resulted. Its hash
covers those fields and the previous event's hash, so an edited, deleted or reordered row
breaks the chain at that row.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from engine.models import AuditEvent, Instance

GENESIS = "0" * 64


def event_hash(
    prev_hash: str,
    instance_id: int,
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
    # A plain INSERT: the log is append-only, nothing reads the row back in this command.
    session.execute(insert(AuditEvent), [row])
    instance.event_count = seq
    instance.last_hash = digest
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
