"""Bearer tokens: `token_required` puts the caller's username in `g.username`.

Tokens come from `POST /api/v1/auth/token` (engine: `Policyflow.issue_token`); the engine
stores only their hash and refuses expired ones (`user_for_token` → PermissionDenied).
"""

from collections.abc import Callable
from contextlib import nullcontext
from functools import wraps
from typing import Any, TypeVar, cast

from flask import current_app, g, request

from engine.facade import Policyflow, TokenRevoked
from web.api import ApiError
from web.i18n import error_text

F = TypeVar("F", bound=Callable[..., Any])

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="policyflow"'}
MISSING = "Cần đăng nhập: gửi tiêu đề Authorization: Bearer <token> (POST /api/v1/auth/token)."


def engine() -> Policyflow:
    return cast(Policyflow, current_app.extensions["policyflow"])


def bearer_token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def token_required(view: F) -> F:
    """401 unless the request carries a valid, unexpired token of an active user."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        token = bearer_token()
        if token is None:
            raise ApiError(401, MISSING, headers=CHALLENGE)
        accounts = engine().accounts
        bearer = accounts.cached_bearer(token)
        # Not checked here lately: looked up in the transaction the request's command or
        # reads then share (one transaction per request, even on a token's first use).
        scope = nullcontext() if bearer is not None else engine().shared()
        try:
            with scope:
                bearer = bearer or accounts.bearer(token)
                g.username = bearer.username
                with accounts.vouched(bearer):  # the command confirms it in its transaction
                    return view(*args, **kwargs)
        except TokenRevoked as err:  # expired/unknown/revoked, or user deactivated
            raise ApiError(401, error_text(err), headers=CHALLENGE) from err

    return cast(F, wrapped)


def username() -> str:
    return cast(str, g.username)
