"""Signing in: passwords (argon2), throttled (engine/access/throttle.py), web session
versions, API bearer tokens."""

import hashlib
import os
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from engine.access import org, throttle
from engine.errors import N_, InvalidInput, Message, Nn_, PermissionDenied
from engine.results import UserView
from engine.store.models import ApiToken, User

# OWASP's Password Storage Cheat Sheet, argon2id: "a minimum configuration of 19 MiB of
# memory, an iteration count of 2, and 1 degree of parallelism". Measured with
# bench/password_hash.py: 20–25 ms a verification on the 2-core development machine,
# against 125–390 ms for argon2-cffi's defaults (RFC 9106's low-memory profile, 64 MiB,
# t=3, p=4), which made a login take 1–2.3 s under load; 19 MiB per login in progress.
MEMORY_KIB = 19_456
TIME_COST = 2
PARALLELISM = 1


def _hasher() -> PasswordHasher:
    """argon2id with OWASP's parameters (above), unless POLICYFLOW_PASSWORD_PROFILE=test:
    the cheapest parameters, for the test suite only (tests/conftest.py sets it; the
    processes the tests start inherit it). Production never sets it; any other value is
    refused. A hash keeps its own parameters, so every hash verifies; a right password
    whose hash has other parameters is hashed again with these at login (rehash)."""
    profile = os.environ.get("POLICYFLOW_PASSWORD_PROFILE", "")
    if not profile:
        return PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_KIB, parallelism=PARALLELISM)
    if profile == "test":
        return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    raise RuntimeError(f"POLICYFLOW_PASSWORD_PROFILE={profile!r}: unset it (only 'test' exists)")


HASHER = _hasher()
TOKEN_LIFETIME = timedelta(hours=12)
MIN_PASSWORD = 8
WRONG = N_("Sai tên đăng nhập hoặc mật khẩu.")


def authenticate(
    session: Session, username: str, password: str, now: datetime, address: str = ""
) -> org.Actor | None:
    """The user if the password is right, else None (the failure is recorded: commit it).

    Throttled per (username, client address) and per address (engine/access/throttle.py):
    refused (PermissionDenied) while locked, even with the right password.
    """
    address = address[: throttle.ADDRESS_LENGTH]
    counts = throttle.check(session, username, address, now)
    user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is None or not _matches(user.password_hash, password):
        throttle.record_failure(session, username, address, now, counts)
        return None
    throttle.record_success(session, username, address)
    if needs_rehash(user.password_hash):  # hashed with other parameters: these now
        user.password_hash = HASHER.hash(password)
    return org.get_user(session, username)


def end_sessions(session: Session, username: str) -> int:
    """Every web session of the user stops working (their cookies carry the old version);
    the new version."""
    bumped = session.scalar(
        update(User)
        .where(User.username == username)
        .values(session_version=User.session_version + 1)
        .returning(User.session_version)
    )
    return int(bumped or 0)


def needs_rehash(password_hash: str) -> bool:
    try:
        return HASHER.check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return False


def _matches(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def change_password(
    session: Session, username: str, old: str, new: str, now: datetime, address: str = ""
) -> int | None:
    """None if the old password is wrong (recorded as a failed login); raises on a weak one.
    Else the new session version: every web session and API token of the user ends."""
    if authenticate(session, username, old, now, address) is None:
        return None
    if len(new) < MIN_PASSWORD:
        limit = {"limit": MIN_PASSWORD}
        raise InvalidInput(
            Nn_("Mật khẩu mới cần ít nhất {limit} ký tự."),
            {"new_password": [Message(Nn_("Cần ít nhất {limit} ký tự."), limit, "limit")]},
            params=limit,
            count="limit",
        )
    user = session.scalar(select(User).where(User.username == username))
    assert user is not None
    user.password_hash = HASHER.hash(new)
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))  # sign out the API
    return end_sessions(session, username)


def issue_token(session: Session, actor: org.Actor, now: datetime) -> tuple[str, datetime]:
    """A new bearer token for the user; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    expires = now + TOKEN_LIFETIME
    session.add(
        ApiToken(user_id=actor.id, token_hash=_digest(token), created_at=now, expires_at=expires)
    )
    return token, expires


def user_for_token(session: Session, token: str, now: datetime) -> org.Actor:
    row = session.execute(
        select(User.username)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == _digest(token), ApiToken.expires_at > now)
    ).first()
    if row is None:
        raise PermissionDenied(N_("Token không hợp lệ hoặc đã hết hạn."))
    return org.get_user(session, row.username)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def describe(
    tree: org.OrgTree, roles: Iterable[tuple[str, str, str]], actor: org.Actor
) -> UserView:
    """The user as pages and the API show them; `roles`: (key, Vietnamese name, English
    name) of every role (Runtime.roles)."""
    names = {key: (vi, en) for key, vi, en in roles}
    return {
        "username": actor.username,
        "full_name": actor.full_name,
        "is_admin": actor.is_admin,
        "roles": [
            {"role": h.role_key, "role_name": names.get(h.role_key, (h.role_key,))[0],
             "role_name_en": names.get(h.role_key, ("", h.role_key))[1],
             "unit": tree.by_id[h.unit_id].code, "unit_name": tree.by_id[h.unit_id].name}
            for h in actor.roles
        ],
        "administration": next(
            (tree.committee_title(tree.administration(h.unit_id)) for h in actor.roles), None
        ),
    }  # fmt: skip
