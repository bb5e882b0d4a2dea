"""Login, logout, password change; `login_required`, `current_username()`, `current_user()`.

The session cookie holds the username and the session version it was issued with; the
user (full name, admin flag, roles and units) is read from the engine once per request,
and the cookie stops working once the version moved on: logging out (on every device)
and a password change end every session server-side, not only this browser's cookie.
The engine's `authenticate` refuses after repeated failures from the client's address
(request.remote_addr), which the login page shows as it is.
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
        version = session.get("session_version")
        g.user = None
        if username and isinstance(version, int):
            try:
                g.user = engine().accounts.session_user(username, version)
            except (NotFound, PermissionDenied):  # logged out, password changed, or removed
                forget_user()
        elif username:  # a cookie from before session versions
            forget_user()
    return g.user


def forget_user() -> None:
    """This browser's session is over; its language choice stays."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def client_address() -> str:
    """The client's address as the server sees it (behind a reverse proxy, configure
    werkzeug's ProxyFix so that this is the client's, not the proxy's)."""
    return request.remote_addr or ""


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


def auditor_only(roles: list[Any], is_admin: bool) -> bool:
    """Holds only the auditor's role (kiem_toan): reads the log, has no tasks."""
    return not is_admin and bool(roles) and all(r["role"] == "kiem_toan" for r in roles)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    error, status = None, 200
    username = request.form.get("username", "").strip()
    if request.method == "POST":
        try:
            user = engine().accounts.authenticate(
                username, request.form.get("password", ""), client_address()
            )
        except InvalidInput as err:
            error, status = error_text(err), 401
        except PermissionDenied as err:
            error, status = error_text(err), 429
        else:
            lang = session.get("lang")
            session.clear()  # a fresh session for the signed-in user
            session["username"] = user["username"]
            session["session_version"] = user["session_version"]
            if lang:
                session["lang"] = lang
            if not request.form.get("next") and auditor_only(user["roles"], user["is_admin"]):
                return redirect(url_for("audit.search"))  # an auditor has no inbox
            return redirect(safe_next(request.form.get("next")))
    next_url = request.values.get("next", "")
    return render_template("login.html", error=error, username=username, next_url=next_url), status


@bp.post("/logout")
def logout() -> Response:
    user = current_user()
    if user is not None:  # every session of the user ends, this cookie's and any copy
        engine().accounts.sign_out(user["username"])
    forget_user()
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
                version = engine().accounts.change_password(
                    signed_in(), request.form.get("old_password", ""), new, client_address()
                )
            except InvalidInput as err:
                errors = localize_fields(err.field_errors) or {"old_password": [error_text(err)]}
            except PermissionDenied as err:
                errors = {"old_password": [error_text(err)]}
            else:  # every other session has ended; this one carries on
                session["session_version"] = version
                flash(_("Đã đổi mật khẩu."), "success")
                return redirect(url_for("inbox.index"))
    return render_template("password.html", errors=errors), 400 if errors else 200


@bp.get("/lockouts")
@login_required
def lockouts() -> str:
    """Administrators: the accounts refused at some address now, each with an unlock."""
    found = engine().accounts.lockouts(signed_in())
    return render_template("lockouts.html", lockouts=found)


@bp.post("/lockouts/<username>/unlock")
@login_required
def unlock(username: str) -> Response:
    engine().accounts.unlock(username, signed_in())
    flash(_("Đã mở khóa đăng nhập cho {username}.", username=username), "success")
    return redirect(url_for("auth.lockouts"))


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(current_user=current_user, is_leader=is_leader)
