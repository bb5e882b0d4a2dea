"""Bearer tokens checked in the database once, then trusted from memory while the user's
session version stays what it was: an API request runs in one transaction.

A token's first request looks it up (api_tokens joined with users); the answer is kept
per process for `TTL` seconds (never past the token's expiry). While a request runs, its
bearer is "vouched" (a context variable); the command's own transaction reads the user
anyway (`org.get_user`, one query with the roles) and calls `confirm`: if the user's
session version moved on since the token was checked (a logout, a password change, a
reset, a deactivation all bump it or remove the user), the token is looked up again in
that same transaction and refused (`TokenRevoked`, 401) if it is gone. So a revoked token
stops working at once for every request that reads its user — every command and every
per-user read; a call that never reads the user (e.g. the org units) may still be
answered for at most TTL seconds on a node that had the token cached.
"""

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import N_, PermissionDenied
from engine.store.models import ApiToken, User

TTL = 30.0
INVALID = N_("Token không hợp lệ hoặc đã hết hạn.")


class TokenRevoked(PermissionDenied):
    """The bearer token is unknown, expired or revoked (the API answers 401)."""


@dataclass(frozen=True)
class Bearer:
    digest: str
    username: str
    session_version: int
    expires_at: datetime


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def look_up(session: Session, token_digest: str, now: datetime) -> Bearer | None:
    """The token's holder from the database (one query), if it is valid now."""
    row = session.execute(
        select(User.username, User.session_version, ApiToken.expires_at)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(
            ApiToken.token_hash == token_digest, ApiToken.expires_at > now, User.active.is_(True)
        )
    ).first()
    return Bearer(token_digest, row[0], row[1], row[2]) if row else None


class TokenCache:
    """Checked tokens by digest, for TTL seconds each (bounded: oldest out first)."""

    def __init__(self, ttl: float = TTL, size: int = 10_000) -> None:
        self.ttl, self.size = ttl, size
        self._entries: dict[str, tuple[float, Bearer]] = {}
        self._lock = threading.Lock()

    def get(self, token_digest: str, now: datetime) -> Bearer | None:
        with self._lock:
            hit = self._entries.get(token_digest)
        if hit is None:
            return None
        if time.monotonic() - hit[0] > self.ttl or hit[1].expires_at <= now:
            self.drop(token_digest)
            return None
        return hit[1]

    def put(self, bearer: Bearer) -> None:
        with self._lock:
            if len(self._entries) >= self.size:
                self._entries.pop(next(iter(self._entries)))
            self._entries[bearer.digest] = (time.monotonic(), bearer)

    def drop(self, token_digest: str) -> None:
        with self._lock:
            self._entries.pop(token_digest, None)


# The bearer of the request being served (and the cache it came from), if any.
_vouched: ContextVar[tuple[Bearer, TokenCache] | None] = ContextVar("bearer", default=None)


@contextmanager
def vouched(bearer: Bearer, cache: TokenCache) -> Iterator[None]:
    """Within the block, reading `bearer.username` confirms the token (see `confirm`)."""
    reset = _vouched.set((bearer, cache))
    try:
        yield
    finally:
        _vouched.reset(reset)


def confirm(session: Session, username: str, session_version: int | None, now: datetime) -> None:
    """Called by `org.get_user` with what it read (None: no active user of that name).
    Refuses a vouched token whose user changed and that the database no longer holds."""
    held = _vouched.get()
    if held is None or held[0].username != username:
        return
    bearer, cache = held
    if session_version == bearer.session_version:
        return
    fresh = look_up(session, bearer.digest, now) if session_version is not None else None
    if fresh is None:
        cache.drop(bearer.digest)
        raise TokenRevoked(INVALID)
    # Still valid (a web logout ends sessions, not API tokens): remember the new version.
    cache.put(fresh)
    _vouched.set((replace(bearer, session_version=fresh.session_version), cache))
