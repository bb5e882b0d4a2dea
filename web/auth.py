"""Login, logout, password change; `login_required`, `current_username()`, `current_user()`.

The session cookie holds the username only; the user (full name, admin flag, roles and
units) is read from the engine once per request. The engine's `authenticate` refuses
after repeated failures (rate limit), which the login page shows as it is.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response

from engine.errors import InvalidInput, NotFound, PermissionDenied
from engine.facade import LEADER_ROLES, Policyflow
from web.i18n import _, error_text, localize_fields

bp = Blueprint("auth", __name__)
F = TypeVar("F", bound=Callable[..., Any])


def engine() -> Policyflow:
    return cast(Policyflow, current_app.extensions["policyflow"])


def current_username() -> str | None:
    return session.get("username")


def signed_in() -> str:
    """The signed-in user's name, in a view behind login_required (which made sure)."""
    username = current_username()
    if username is None:
        raise PermissionDenied("Hãy đăng nhập.")
    return username


def process_owner() -> str:
    """The signed-in user, if a process owner or administrator (else PermissionDenied,
    403): the modeler, versions and migration pages. Call after login_required."""
    username = signed_in()
    engine().versions.require_deployer(username)
    return username


def current_user() -> dict[str, Any] | None:
    """The logged-in user as the engine describes them (cached for the request)."""
    if "user" not in g:
        username = current_username()
        g.user = None
        if username:
            try:
                g.user = engine().accounts.user(username)
            except (NotFound, PermissionDenied):  # deactivated or removed meanwhile
                session.clear()
    return g.user


def is_leader(user: dict[str, Any] | None) -> bool:
    if not user:
        return False
    return bool(user.get("is_admin")) or any(r["role"] in LEADER_ROLES for r in user["roles"])


def login_required(view: F) -> F:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user() is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return cast(F, wrapped)


def safe_next(target: str | None) -> str:
    """Only a path on this site (never //host or a scheme) is a place to go back to."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("inbox.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    error, status = None, 200
    username = request.form.get("username", "").strip()
    if request.method == "POST":
        try:
            user = engine().accounts.authenticate(username, request.form.get("password", ""))
        except InvalidInput as err:
            error, status = error_text(err), 401
        except PermissionDenied as err:
            error, status = error_text(err), 429
        else:
            lang = session.get("lang")
            session.clear()  # a fresh session for the signed-in user
            session["username"] = user["username"]
            if lang:
                session["lang"] = lang
            return redirect(safe_next(request.form.get("next")))
    next_url = request.values.get("next", "")
    return render_template("login.html", error=error, username=username, next_url=next_url), status


@bp.post("/logout")
def logout() -> Response:
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> Response | str | tuple[str, int]:
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        new = request.form.get("new_password", "")
        if new != request.form.get("confirm_password", ""):
            errors["confirm_password"] = [_("Hai lần nhập mật khẩu mới không khớp.")]
        else:
            try:
                engine().accounts.change_password(
                    signed_in(), request.form.get("old_password", ""), new
                )
            except InvalidInput as err:
                errors = localize_fields(err.field_errors) or {"old_password": [error_text(err)]}
            except PermissionDenied as err:
                errors = {"old_password": [error_text(err)]}
            else:
                flash(_("Đã đổi mật khẩu."), "success")
                return redirect(url_for("inbox.index"))
    return render_template("password.html", errors=errors), 400 if errors else 200


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(current_user=current_user, is_leader=is_leader)
