"""Content-addressed bodies of the audit log: what many events share, stored once.

A start copies the settings in force and the units asked to report into the instance
(~3 KB of JSON, the same for every instance started under the same settings). The event
records the SHA-256 of that body's canonical JSON (`injected_ref`) and the body goes to
`audit_blobs` once, keyed by that digest. The event's hash covers the digest and the
digest covers the body, so the chain still proves what the start used: verification
recomputes each referenced body's digest and names an event whose body is missing or was
changed. Events written before (their `injected` inline) are read as they are.

Writing costs the start at most one statement (INSERT … ON CONFLICT DO NOTHING) and none
once this process knows the digest is stored (`Runtime.blobs`; a digest is known only
after the transaction that wrote or found it committed).
"""

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engine.store.models import AuditBlob

REF = "injected_ref"  # a start's payload: the digest of the shared part of its injected data
INLINE = "injected"  # … and where the body goes back when it is read
_PENDING = "policyflow_blobs"  # session.info: digests to mark known after the commit


def canonical(body: Any) -> bytes:
    """The body's one JSON spelling: keys sorted, no spaces, UTF-8 (JSON values only)."""
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def digest_of(body: Any) -> str:
    return hashlib.sha256(canonical(body)).hexdigest()


def store(session: Session, known: set[str], body: Any) -> str:
    """The body's digest, the body stored under it (in the caller's transaction) unless
    `known` (this process's digests known stored: Runtime.blobs) holds the digest. Bodies
    never change, so a digest once known stays known."""
    digest = digest_of(body)
    if digest not in known:
        conn = session.connection()
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        conn.execute(
            dialect.insert(AuditBlob).on_conflict_do_nothing(), {"digest": digest, "body": body}
        )
        session.info.setdefault(_PENDING, []).append((known, digest))
    return digest


@event.listens_for(Session, "after_commit")
def _publish_known(session: Session) -> None:
    for known, digest in session.info.pop(_PENDING, []):
        known.add(digest)


@event.listens_for(Session, "after_rollback")
def _drop_known(session: Session) -> None:
    session.info.pop(_PENDING, None)


def referenced(payloads: Iterable[Mapping[str, Any]]) -> set[str]:
    """The digests these events' payloads refer to."""
    return {p[REF] for p in payloads if isinstance(p.get(REF), str)}


def read(session: Session, digests: Iterable[str]) -> dict[str, Any]:
    """The stored bodies of these digests (those missing are absent)."""
    wanted = sorted(set(digests))
    if not wanted:
        return {}
    rows = session.execute(
        select(AuditBlob.digest, AuditBlob.body).where(AuditBlob.digest.in_(wanted))
    )
    return {digest: body for digest, body in rows}


class Checked:
    """Bodies read for a verification, each digest recomputed once."""

    def __init__(self, bodies: Mapping[str, Any]) -> None:
        self.bodies = dict(bodies)
        self._verdicts: dict[str, str | None] = {}

    @classmethod
    def of(cls, session: Session, payloads: Iterable[Mapping[str, Any]]) -> "Checked":
        return cls(read(session, referenced(payloads)))

    def problem(self, payload: Mapping[str, Any]) -> str | None:
        """None if the payload's referenced body (if any) is there and unchanged; else
        "missing" or "changed"."""
        digest = payload.get(REF)
        if not isinstance(digest, str):
            return None
        if digest not in self._verdicts:
            body = self.bodies.get(digest, _ABSENT)
            if body is _ABSENT:
                self._verdicts[digest] = "missing"
            else:
                self._verdicts[digest] = None if digest_of(body) == digest else "changed"
        return self._verdicts[digest]

    def resolved(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """The payload as the command saw it: the referenced body back under `injected`
        (the event's own part of it last). The body must be checked first (`problem`)."""
        found = dict(payload)
        digest = found.pop(REF, None)
        if isinstance(digest, str):
            found[INLINE] = {**self.bodies[digest], **found.get(INLINE, {})}
        return found

    def shown(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """The payload for people to read: as the command saw it (`resolved`) when the
        body it refers to is there and unchanged, else as stored — its reference then
        names the body that verification reports missing or changed."""
        return self.resolved(payload) if self.problem(payload) is None else dict(payload)


_ABSENT = object()
