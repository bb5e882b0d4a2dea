"""Login throttling: failed logins counted per (account, client address) and per address,
lockouts and admin unlocks recorded in `account_events`.

Why per (account, address): counted per account alone, five wrong passwords from anyone
lock that account for everyone — a way to keep the chairman out. Counted per pair, a
flood from one address locks the account at that address only; the owner signs in from
theirs. The per-address cap (any usernames) stops one address from guessing across many
accounts. The address is what the web or API layer saw (`request.remote_addr`); the
engine only stores and compares it ("" for a caller without one: the CLI, a test).
"""

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from engine.access import org
from engine.errors import N_, NotFound, PermissionDenied
from engine.results.people import Lockout
from engine.store.models import LoginFailure, User
from engine.store.models.accounts import AccountEvent

MAX_FAILURES = 5  # failed logins of one username from one address within WINDOW
ADDRESS_CAP = 30  # failed logins from one address, any usernames, within WINDOW
WINDOW = timedelta(minutes=15)
ADDRESS_LENGTH = 64  # the column's width; a longer "address" is cut


def _minutes() -> int:
    return int(WINDOW.total_seconds() // 60)


def check(session: Session, username: str, address: str, now: datetime) -> tuple[int, int]:
    """Raises PermissionDenied while `username` is locked at `address` or `address` is
    over its cap; else the recent failure counts (of the pair, of the address)."""
    since = now - WINDOW
    pair = session.scalar(
        select(func.count(LoginFailure.id)).where(
            LoginFailure.username == username,
            LoginFailure.address == address,
            LoginFailure.at > since,
        )
    )
    from_address = session.scalar(
        select(func.count(LoginFailure.id)).where(
            LoginFailure.address == address, LoginFailure.at > since
        )
    )
    if (pair or 0) >= MAX_FAILURES:
        raise PermissionDenied(
            N_("Đăng nhập sai quá {failures} lần; hãy thử lại sau {minutes} phút."),
            params={"failures": MAX_FAILURES, "minutes": _minutes()},
        )
    if (from_address or 0) >= ADDRESS_CAP:
        raise PermissionDenied(
            N_("Có quá nhiều lần đăng nhập sai từ địa chỉ này; hãy thử lại sau {minutes} phút."),
            params={"minutes": _minutes()},
        )
    return pair or 0, from_address or 0


def record_failure(
    session: Session, username: str, address: str, now: datetime, counts: tuple[int, int]
) -> None:
    """Count a failed login; the one that starts a lockout is also an account event."""
    session.add(LoginFailure(username=username, address=address, at=now))
    pair, from_address = counts
    if pair + 1 == MAX_FAILURES:
        session.add(AccountEvent(at=now, kind="locked", username=username, address=address))
    if from_address + 1 == ADDRESS_CAP:
        session.add(AccountEvent(at=now, kind="address_blocked", address=address))


def record_success(session: Session, username: str, address: str) -> None:
    """A right password forgets the pair's failures (not those against other accounts)."""
    session.execute(
        delete(LoginFailure).where(
            LoginFailure.username == username, LoginFailure.address == address
        )
    )


def unlock(session: Session, username: str, actor: org.Actor, now: datetime) -> int:
    """An admin lifts every lockout of `username` (at every address): its failures are
    forgotten, the unlock recorded. Returns how many failures were forgotten."""
    if not actor.is_admin:
        raise PermissionDenied(N_("Chỉ quản trị viên mới được mở khóa tài khoản."))
    if session.scalar(select(User.id).where(User.username == username)) is None:
        raise NotFound(N_("Không có người dùng '{username}'."), params={"username": username})
    forgotten = session.execute(delete(LoginFailure).where(LoginFailure.username == username))
    session.add(AccountEvent(at=now, kind="unlocked", username=username, actor=actor.username))
    return int(getattr(forgotten, "rowcount", 0) or 0)


def lockouts(session: Session, now: datetime) -> list[Lockout]:
    """The accounts locked at an address right now, the latest lockout first; each until
    its oldest counted failure leaves the window (refused attempts are not counted)."""
    rows = session.execute(
        select(
            LoginFailure.username,
            LoginFailure.address,
            func.count(LoginFailure.id).label("failures"),
            func.min(LoginFailure.at).label("first"),
        )
        .where(LoginFailure.at > now - WINDOW)
        .group_by(LoginFailure.username, LoginFailure.address)
        .having(func.count(LoginFailure.id) >= MAX_FAILURES)
        .order_by(func.max(LoginFailure.at).desc())
    ).all()
    return [
        {
            "username": r.username,
            "address": r.address,
            "failures": r.failures,
            "until": (r.first + WINDOW).isoformat(),
        }
        for r in rows
    ]
