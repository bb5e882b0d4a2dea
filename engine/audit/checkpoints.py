"""Signed checkpoints over the audit log's chains — the design of transparency logs.

A checkpoint records the head (last seq and hash) of every chain that moved since the
previous checkpoint, a Merkle root over those heads (RFC 6962, leaves sorted by chain),
the previous checkpoint's hash, and an Ed25519 signature by the server key over its own
hash. Writing one reads the events added since the previous checkpoint — by their id,
which a sequence hands out without a lock — so it never blocks a command, nor a command
it. An event whose transaction was still open when a checkpoint was written has an id
below that checkpoint's `last_event_id`: its id is kept in `pending`, and the next
checkpoint reads it again. (A transaction open across two checkpoints, or while
PENDING_WINDOW later events were written, is not looked for again; its chain's next event
brings it under a checkpoint.)
See chain.py for what the checkpoints prove and what they cannot.
"""

import hashlib
import json
import logging
from collections.abc import Mapping
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from engine.audit import keys, merkle
from engine.audit.chain import ADMIN_CHAIN, GENESIS, GlobalBreak
from engine.store.models import AuditCheckpoint, AuditCheckpointHead, AuditEvent

log = logging.getLogger(__name__)
CHECKPOINT_LOCK = 0x706F6C6963790002  # one checkpoint writer at a time (PostgreSQL)
PENDING_WINDOW = 10_000  # missing ids further below the newest are taken as rolled back
Pins = dict[tuple[int, int], tuple[str, int]]  # (chain, seq) -> (signed hash, checkpoint)


def leaf(chain: int, seq: int, digest: str) -> bytes:
    return json.dumps([chain, seq, digest], separators=(",", ":")).encode("ascii")


def checkpoint_hash(cp: AuditCheckpoint) -> str:
    body = [
        cp.id, cp.at.isoformat(), cp.prev_hash, cp.last_event_id, cp.pending, cp.heads,
        cp.root, cp.public_key,
    ]  # fmt: skip
    return hashlib.sha256(json.dumps(body, separators=(",", ":")).encode("ascii")).hexdigest()


def write(
    session: Session, now: datetime, key: Ed25519PrivateKey | None = None
) -> AuditCheckpoint | None:
    """The next checkpoint (in the caller's transaction), or None when no chain moved."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": CHECKPOINT_LOCK})
    last = session.scalars(
        select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1)
    ).first()
    after = last.last_event_id if last else 0
    heads, top, gaps = _moved_heads(session, after, last.pending if last else [])
    if not heads:
        return None
    key = key or keys.signing_key()
    assert key is not None
    chains = sorted(heads)
    cp = AuditCheckpoint(
        id=(last.id if last else 0) + 1,
        at=now.replace(microsecond=0),
        prev_hash=last.hash if last else GENESIS,
        last_event_id=top,
        pending=gaps,
        heads=len(chains),
        root=merkle.root([leaf(c, *heads[c]) for c in chains]),
        public_key=keys.public_hex(key),
    )
    cp.hash = checkpoint_hash(cp)
    cp.signature = keys.sign(key, cp.hash)
    session.add(cp)
    session.flush()
    session.add_all(
        AuditCheckpointHead(checkpoint_id=cp.id, chain=c, seq=heads[c][0], hash=heads[c][1])
        for c in chains
    )
    log.info("audit checkpoint %s: %s chains, hash %s", cp.id, cp.heads, cp.hash)
    return cp


def _moved_heads(
    session: Session, after: int, pending: list[int]
) -> tuple[dict[int, tuple[int, str]], int, list[int]]:
    """The newest (seq, hash) of each chain among the events past `after` or pending; the
    highest id read; the ids missing below it (rolled back, or not committed yet) among
    the last PENDING_WINDOW ids — an open transaction holds a recent id."""
    new = AuditEvent.id > after
    rows = session.execute(
        select(AuditEvent.id, AuditEvent.instance_id, AuditEvent.seq, AuditEvent.hash)
        .where(or_(new, AuditEvent.id.in_(pending)) if pending else new)
        .order_by(AuditEvent.id)
        .execution_options(yield_per=5000)
    )
    heads: dict[int, tuple[int, str]] = {}
    top = after
    gaps: list[int] = []
    for event_id, instance_id, seq, digest in rows:
        chain = instance_id or ADMIN_CHAIN
        if chain not in heads or heads[chain][0] < seq:
            heads[chain] = (seq, digest)
        if event_id > top:
            gaps.extend(range(max(top + 1, event_id - PENDING_WINDOW), event_id))
            del gaps[:-PENDING_WINDOW]
            top = event_id
    return heads, top, [g for g in gaps if g > top - PENDING_WINDOW]


def check(
    session: Session, published: Mapping[int, str] | None = None
) -> tuple[list[GlobalBreak], Pins]:
    """Every checkpoint's number, link, hash, key, signature and Merkle root, and that
    each published one (number -> hash, a copy kept outside the database) is still there;
    and the chain heads they signed, for the events to be matched against."""
    trusted = keys.trusted_keys()
    breaks: list[GlobalBreak] = []
    stored: dict[int, str] = {}
    pins: Pins = {}
    highest: dict[int, int] = {}
    prev, expected = GENESIS, 1
    leaves = _leaves_by_checkpoint(session)
    for cp in session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id)):
        mine = leaves.pop(cp.id, [])
        breaks += [
            GlobalBreak(None, None, None, r, cp.id)
            for r in _faults(cp, mine, expected, prev, trusted)
        ]
        for chain, seq, digest in mine:
            if seq < highest.get(chain, 0):
                breaks.append(_at_chain(chain, seq, f"lùi so với điểm kiểm tra trước ({cp.id})"))
            highest[chain] = max(seq, highest.get(chain, 0))
            pins[(chain, seq)] = (digest, cp.id)
        prev, expected = cp.hash, cp.id + 1
        stored[cp.id] = cp.hash
    for number, digest in sorted((published or {}).items()):
        if stored.get(number) != digest:
            why = "đã bị xóa" if number not in stored else "đã bị thay thế"
            breaks.append(GlobalBreak(None, None, None, f"khác bản đã công bố ({why})", number))
    for orphan in sorted(leaves):
        breaks.append(
            GlobalBreak(None, None, None, "đầu chuỗi của điểm kiểm tra đã bị xóa", orphan)
        )
    return breaks, pins


def _faults(
    cp: AuditCheckpoint,
    mine: list[tuple[int, int, str]],
    expected: int,
    prev: str,
    trusted: set[str],
) -> list[str]:
    found = []
    if cp.id != expected:
        found.append(f"thiếu điểm kiểm tra {expected}–{cp.id - 1} (đã bị xóa)")
    if cp.prev_hash != prev:
        found.append("không nối tiếp điểm kiểm tra trước (bị xóa, chèn hoặc thay thế)")
    if checkpoint_hash(cp) != cp.hash:
        found.append("nội dung điểm kiểm tra đã bị sửa")
    if not keys.signature_holds(cp.public_key, cp.hash, cp.signature):
        found.append("chữ ký không hợp lệ (điểm kiểm tra bị giả hoặc bị sửa)")
    elif cp.public_key not in trusted:
        found.append("ký bằng khóa không được tin cậy")
    leaves = [leaf(c, s, h) for c, s, h in mine]
    if len(leaves) != cp.heads or merkle.root(leaves) != cp.root:
        found.append("các đầu chuỗi không khớp gốc Merkle đã ký (bị thêm, xóa hoặc sửa)")
    return found


def _leaves_by_checkpoint(session: Session) -> dict[int, list[tuple[int, int, str]]]:
    found: dict[int, list[tuple[int, int, str]]] = {}
    H = AuditCheckpointHead
    for cp_id, chain, seq, digest in session.execute(
        select(H.checkpoint_id, H.chain, H.seq, H.hash).order_by(H.checkpoint_id, H.chain)
    ):
        found.setdefault(cp_id, []).append((chain, seq, digest))
    return found


def _at_chain(chain: int, seq: int, reason: str) -> GlobalBreak:
    return GlobalBreak(None, chain or None, seq, reason)


def unmatched(pins: Pins) -> list[GlobalBreak]:
    """Signed heads no event answered: the event (and, for a whole chain, all) is gone."""
    return [
        _at_chain(chain, seq, f"đã bị xóa (đầu chuỗi đã ký ở điểm kiểm tra {cp_id})")
        for (chain, seq), (_digest, cp_id) in sorted(pins.items())
    ]
