"""`pf.accounts`: signing in (throttled), passwords, API tokens, who a user is."""

from sqlalchemy.orm import Session

from engine.access import accounts
from engine.access.org import get_user
from engine.context import utcnow
from engine.errors import N_, InvalidInput, Message
from engine.facade.core import Core
from engine.results import Token, UserView


class AccountsFacade:
    def __init__(self, core: Core) -> None:
        self.core = core

    def authenticate(self, username: str, password: str) -> UserView:
        """The user's description if the password is right; failures are throttled."""
        with self.core.transaction() as s:
            actor = accounts.authenticate(s, username, password, utcnow())
            org = self.core.runtime.org_tree(s)
            described = accounts.describe(s, org, actor) if actor else None
        if described is None:  # the failure is committed above, then reported
            raise InvalidInput(accounts.WRONG)
        return described

    def user(self, username: str) -> UserView:
        return self.core.run(
            lambda s: accounts.describe(s, self.core.runtime.org_tree(s), get_user(s, username))
        )

    def change_password(self, username: str, old_password: str, new_password: str) -> None:
        with self.core.transaction() as s:
            changed = accounts.change_password(s, username, old_password, new_password, utcnow())
        if not changed:
            wrong = Message(N_("Mật khẩu hiện tại không đúng."))
            raise InvalidInput(accounts.WRONG, {"old_password": [wrong]})

    def issue_token(self, username: str, password: str) -> Token:
        """A bearer token for the API, after checking the password."""
        self.authenticate(username, password)

        def go(s: Session) -> Token:
            token, expires = accounts.issue_token(s, get_user(s, username), utcnow())
            return {"token": token, "expires_at": expires.isoformat()}

        return self.core.run(go)

    def user_for_token(self, token: str) -> str:
        return self.core.run(lambda s: accounts.user_for_token(s, token, utcnow()).username)
