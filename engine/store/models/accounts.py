"""Sign-in state: API tokens, recent failed logins (for throttling) and the account events
(lockouts and unlocks) kept as their audit trail."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the token
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class LoginFailure(Base):
    """A failed login: counted per (username, address) and per address (engine/access/
    throttle.py); rows older than the window no longer count."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_user_at", "username", "at"),
        Index("ix_login_failures_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    # The client address the web or API layer saw ("" when none: the CLI, a test).
    address: Mapped[str] = mapped_column(String(64), server_default="")
    at: Mapped[datetime]


class AccountEvent(Base):
    """Append-only: a login lockout began (`locked`: an account from one address;
    `address_blocked`: one address for every account) or an admin lifted one (`unlocked`)."""

    __tablename__ = "account_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(20))
    username: Mapped[str | None] = mapped_column(String(64), index=True)
    address: Mapped[str | None] = mapped_column(String(64))
    actor: Mapped[str | None] = mapped_column(String(64))  # who unlocked
