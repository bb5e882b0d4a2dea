"""`pf.accounts`: signing in (throttled per account and address), web sessions, passwords,
lockouts and admin unlocks, API tokens, who a user is."""

from contextlib import AbstractContextManager

from sqlalchemy.orm import Session

from engine.access import accounts, throttle, tokens
from engine.access.org import get_user
from engine.context import utcnow
from engine.errors import N_, InvalidInput, Message, PermissionDenied
from engine.facade.core import Core
from engine.results import Token, UserView
from engine.results.people import Lockout, SignedIn

SESSION_ENDED = N_("Phiên đăng nhập đã kết thúc; hãy đăng nhập lại.")


class AccountsFacade:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.tokens = tokens.TokenCache()

    def authenticate(self, username: str, password: str, address: str = "") -> SignedIn:
        """The user's description and session version if the password is right.

        `address` is the client's (the web and API layers pass `request.remote_addr`; ""
        when there is none): failures are throttled per (username, address) and per
        address, so a flood from one address does not lock the account elsewhere."""
        with self.core.transaction() as s:
            actor = accounts.authenticate(s, username, password, utcnow(), address)
            rt = self.core.runtime
            described = accounts.describe(rt.org_tree(s), rt.roles(s), actor) if actor else None
        if described is None or actor is None:  # the failure is committed above, then reported
            raise InvalidInput(accounts.WRONG)
        return {**described, "session_version": actor.session_version}

    def user(self, username: str) -> UserView:
        rt = self.core.runtime
        return self.core.run(
            lambda s: accounts.describe(rt.org_tree(s), rt.roles(s), get_user(s, username))
        )

    def session_user(self, username: str, session_version: int) -> UserView:
        """The user of a web session issued with `session_version`; PermissionDenied once
        the user logged out or changed the password since (one query, as `user`)."""

        def go(s: Session) -> UserView:
            actor = get_user(s, username)
            if actor.session_version != session_version:
                raise PermissionDenied(SESSION_ENDED)
            rt = self.core.runtime
            return accounts.describe(rt.org_tree(s), rt.roles(s), actor)

        return self.core.run(go)

    def sign_out(self, username: str) -> None:
        """Logging out: every web session of the user ends (on every device; API tokens
        are kept: they expire, and a password change revokes them)."""
        self.core.run(lambda s: accounts.end_sessions(s, username))

    def change_password(
        self, username: str, old_password: str, new_password: str, address: str = ""
    ) -> int:
        """The new session version (the caller's own session may carry it on); every other
        web session and every API token of the user ends."""
        with self.core.transaction() as s:
            version = accounts.change_password(
                s, username, old_password, new_password, utcnow(), address
            )
        if version is None:
            wrong = Message(N_("Mật khẩu hiện tại không đúng."))
            raise InvalidInput(accounts.WRONG, {"old_password": [wrong]})
        return version

    def unlock(self, username: str, actor: str) -> int:
        """An admin lifts every login lockout of `username` (recorded as an account event);
        how many failed logins were forgotten."""
        return self.core.run(lambda s: throttle.unlock(s, username, get_user(s, actor), utcnow()))

    def lockouts(self, actor: str) -> list[Lockout]:
        """The accounts locked at some address now (admins only)."""

        def go(s: Session) -> list[Lockout]:
            if not get_user(s, actor).is_admin:
                raise PermissionDenied(N_("Chỉ quản trị viên mới được mở khóa tài khoản."))
            return throttle.lockouts(s, utcnow())

        return self.core.run(go)

    def issue_token(self, username: str, password: str, address: str = "") -> Token:
        """A bearer token for the API, after checking the password."""
        self.authenticate(username, password, address)

        def go(s: Session) -> Token:
            token, expires = accounts.issue_token(s, get_user(s, username), utcnow())
            return {"token": token, "expires_at": expires.isoformat()}

        return self.core.run(go)

    def user_for_token(self, token: str) -> str:
        return self.core.run(lambda s: accounts.user_for_token(s, token, utcnow()).username)

    def cached_bearer(self, token: str) -> tokens.Bearer | None:
        """Who holds the token, if this process checked it lately (no query)."""
        return self.tokens.get(tokens.digest(token), utcnow())

    def bearer(self, token: str) -> tokens.Bearer:
        """Who holds the token: from this process's cache, else one query (once per TTL;
        inside `Policyflow.shared()`, in the request's one transaction); PermissionDenied
        if unknown or expired. Serve the request inside `vouched(bearer)`: its command
        then confirms the token in its own transaction (engine/access/tokens.py)."""
        now, key = utcnow(), tokens.digest(token)
        found = self.tokens.get(key, now)
        if found is None:
            found = self.core.run(lambda s: tokens.look_up(s, key, now))
            if found is None:
                raise tokens.TokenRevoked(tokens.INVALID)
            self.tokens.put(found)
        return found

    def vouched(self, bearer: tokens.Bearer) -> AbstractContextManager[None]:
        return tokens.vouched(bearer, self.tokens)
