"""`/admin/users`: the administrator's people pages (issue 19 item 1-2) — the list with
its search, a new user (with an optional first role), a user's details with their edit
form, role holdings over time (grant, end), deactivation, password reset and unlock, and
the CSV import with its dry run. Administrators only: the engine refuses the others (403)
before a form is read. Every change is audited by the engine.

A refused form is shown again with the engine's errors next to its fields and what was
typed kept. A one-time password (new user, reset, import) is rendered once in the answer
to the POST — never put in a flash message (the session cookie is signed, not secret) —
and the answer is not cached."""

import csv
import io
from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from engine.errors import Conflict, InvalidInput, NotFound, PolicyflowError
from engine.facade import results
from web.auth import engine, login_required, signed_in
from web.i18n import _, _n, current_lang, error_text, localize_fields
from web.views import MAX_PAGE, arg, error_summary

bp = Blueprint("admin_users", __name__, url_prefix="/admin/users")
PER_PAGE = 25
MAX_CSV = 2 * 1024 * 1024  # as the engine's import
USER_FIELDS = ("full_name", "position", "email", "phone")
ROLE_FIELDS = ("role", "unit", "from", "to")
FORM_KEYS = ("", "file", "reason")  # the import form's own fields
Errors = dict[str, list[str]]


def admin() -> str:
    """The signed-in administrator (403 for anyone else, before any form is read)."""
    username = signed_in()
    engine().people.require_admin(username)
    return username


def field_errors(err: PolicyflowError, prefix: str = "") -> Errors:
    """The engine's errors by field (`prefix` + name), the whole form's under ''."""
    if isinstance(err, InvalidInput):
        fields = {prefix + k: v for k, v in localize_fields(err.field_errors).items() if k}
        return {"": [error_summary(err)], **fields}
    return {"": [error_text(err)]}


def role_options() -> list[tuple[str, str]]:
    english = current_lang() == "en"
    return [
        (r["key"], (r["name_en"] if english else "") or r["name"]) for r in engine().org.roles()
    ]


def unit_options(on: date | None = None) -> list[tuple[str, str]]:
    """The units in force today (or `on`), by name."""
    units = engine().org.units(on or engine().org.today())
    return sorted(((u["code"], u["name"]) for u in units), key=lambda u: u[1])


def no_store(page: str, status: int = 200) -> Response:
    """A page holding a one-time password: neither cached nor stored by the browser."""
    response = Response(page, status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


# -- the list ------------------------------------------------------------------------


@bp.get("")
@login_required
def index() -> tuple[str, int]:
    actor = admin()
    active_arg = arg("active", ("true", "false"))
    filters = {"q": arg("q"), "unit": arg("unit"), "role": arg("role"), "active": active_arg}
    try:
        page = min(max(1, int(request.args.get("page", "1"))), MAX_PAGE)
    except ValueError:
        page = 1
    error, status = None, 200
    try:
        found = engine().people.search(
            actor,
            q=filters["q"],
            unit=filters["unit"],
            role=filters["role"],
            active=None if active_arg is None else active_arg == "true",
            page=page,
            per_page=PER_PAGE,
        )
    except (NotFound, InvalidInput) as err:  # a unit code that does not exist (any more)
        error, status = error_text(err), 400
        found = {"items": [], "total": 0, "page": 1, "per_page": PER_PAGE}
    page_html = render_template(
        "admin_users.html",
        users=found["items"],
        total=found["total"],
        filters=filters,
        roles=role_options(),
        units=unit_options(),
        error=error,
        page=found["page"],
        pages=max(1, -(-found["total"] // PER_PAGE)),
    )
    return page_html, status


# -- a new user ----------------------------------------------------------------------


@bp.get("/new")
@login_required
def new() -> str:
    admin()
    return new_page({}, {"from": engine().org.today().isoformat()})


def new_page(errors: Errors, form: Mapping[str, str], status: int = 200) -> Any:
    page = render_template(
        "admin_users_new.html",
        errors=errors,
        form=form,
        roles=role_options(),
        units=unit_options(),
    )
    return page if status == 200 else (page, status)


def typed(names: tuple[str, ...]) -> dict[str, str]:
    return {name: request.form.get(name, "").strip() for name in names}


def role_check(actor: str, user: Mapping[str, str], holding: Mapping[str, str]) -> None:
    """The first role checked with the user before anything is written: the import's dry
    run of that one row (the same checks as grant) — errors come back keyed by column."""
    text = io.StringIO()
    writer = csv.writer(text)
    columns = ("username", *USER_FIELDS, *ROLE_FIELDS)
    writer.writerow(columns)
    writer.writerow([{**user, **holding}.get(c, "") for c in columns])
    try:
        engine().people.import_csv(actor, text.getvalue(), dry_run=True)
    except InvalidInput as err:
        fields = {k.split(": ", 1)[-1]: v for k, v in err.field_errors.items() if k}
        raise InvalidInput(err.message, fields) from err


@bp.post("/new")
@login_required
def create() -> Any:
    actor = admin()
    user = typed(("username", *USER_FIELDS))
    holding = typed(ROLE_FIELDS)
    form = {**user, **holding, "reason": request.form.get("reason", "")}
    wants_role = bool(holding["role"] or holding["unit"])
    fields = {k: v for k, v in user.items() if v}
    try:
        if wants_role:
            role_check(actor, user, holding)
        created = engine().people.create(actor, fields, form["reason"])
    except (InvalidInput, Conflict) as err:
        errors = field_errors(err)
        if isinstance(err, Conflict):
            errors["username"] = [error_text(err)]
        return new_page(errors, form, 409 if isinstance(err, Conflict) else 400)
    role_errors: Errors = {}
    if wants_role:
        try:
            spec = {k: v for k, v in holding.items() if v}
            engine().people.grant(actor, created["username"], spec, form["reason"])
        except (InvalidInput, Conflict) as err:  # refused after all: the user exists
            role_errors = field_errors(err)
    record = engine().people.get(actor, created["username"])
    page = render_template(
        "admin_users_password.html",
        person=record,
        password=created["one_time_password"],
        created=True,
        role_errors=role_errors,
    )
    return no_store(page)


# -- the CSV import ------------------------------------------------------------------


@bp.get("/import")
@login_required
def import_form() -> str:
    admin()
    return render_template("admin_users_import.html", errors={}, result=None, text="", form={})


def uploaded_text() -> str:
    """The CSV: the file chosen, else the text carried from the preview."""
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        raw = upload.read(MAX_CSV + 1)
        if len(raw) > MAX_CSV:
            raise InvalidInput(_("Tệp CSV quá lớn (tối đa 2 MB)."), {"file": [_("Tối đa 2 MB.")]})
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as err:
            message = _("Tệp CSV phải mã hóa UTF-8.")
            raise InvalidInput(message, {"file": [message]}) from err
    text = request.form.get("text", "")
    if not text.strip():
        message = _("Hãy chọn một tệp CSV.")
        raise InvalidInput(message, {"file": [message]})
    return text


@bp.post("/import")
@login_required
def import_csv() -> Any:
    actor = admin()
    apply = request.form.get("action") == "apply"
    reason = request.form.get("reason", "")
    text = ""
    try:
        text = uploaded_text()
        result = engine().people.import_csv(actor, text, dry_run=not apply, reason=reason)
    except (InvalidInput, Conflict) as err:
        errors = field_errors(err)
        # The file's cells ("row 3: email") and its header are listed under the file.
        cells = [f"{k}: {' '.join(v)}" for k, v in errors.items() if k not in FORM_KEYS]
        errors = {k: v for k, v in errors.items() if k in FORM_KEYS}
        errors["file"] = [*errors.get("file", []), *cells]
        page = render_template(
            "admin_users_import.html",
            errors=errors,
            result=None,
            text="",
            form={"reason": reason},
        )
        return page, 400
    page = render_template(
        "admin_users_import.html",
        errors={},
        result=result,
        text=text if not apply else "",
        form={"reason": reason},
    )
    return no_store(page) if apply else page


# -- one user ------------------------------------------------------------------------


def holding_state(holding: results.HoldingView, today: date) -> str:
    if holding["in_force"]:
        return "in_force"
    return "future" if date.fromisoformat(holding["valid_from"]) > today else "ended"


def user_page(
    username: str,
    errors: Errors | None = None,
    form: Mapping[str, str] | None = None,
    section: str | None = None,
    status: int = 200,
) -> Any:
    """The details; after a refused form, its `section` shows `errors` and keeps `form`."""
    actor = admin()
    user = engine().people.get(actor, username)
    today = engine().org.today()
    locked = any(lock["username"] == username for lock in engine().accounts.lockouts(actor))
    holdings = [{**h, "state": holding_state(h, today)} for h in user["holdings"]]
    page = render_template(
        "admin_users_show.html",
        person=user,
        holdings=holdings,
        locked=locked,
        roles=role_options(),
        units=unit_options(),
        today=today,
        section=section,
        errors=errors or {},
        form=form or {},
    )
    return page if status == 200 else (page, status)


def status_of(err: PolicyflowError) -> int:
    return 409 if isinstance(err, Conflict) else 404 if isinstance(err, NotFound) else 400


@bp.get("/<username>")
@login_required
def show(username: str) -> Any:
    return user_page(username)


@bp.post("/<username>")
@login_required
def update(username: str) -> Any:
    actor = admin()
    fields = typed(USER_FIELDS)
    form = {**fields, "reason": request.form.get("reason", "")}
    try:
        # Blank optional fields are cleared (None); the full name is required.
        changes: dict[str, Any] = {k: (v or None) for k, v in fields.items()}
        changes["full_name"] = fields["full_name"]
        engine().people.update(actor, username, changes, form["reason"])
    except (InvalidInput, Conflict) as err:
        return user_page(username, field_errors(err), form, "edit", status_of(err))
    flash(_("Đã lưu thông tin của {username}.", username=username), "success")
    return redirect(url_for("admin_users.show", username=username))


@bp.post("/<username>/roles")
@login_required
def grant(username: str) -> Any:
    actor = admin()
    holding = typed(ROLE_FIELDS)
    form = {**holding, "reason": request.form.get("reason", "")}
    try:
        spec = {k: v for k, v in holding.items() if v}
        engine().people.grant(actor, username, spec, form["reason"])
    except (InvalidInput, Conflict) as err:
        return user_page(username, field_errors(err), form, "grant", status_of(err))
    flash(_("Đã giao vai trò."), "success")
    return redirect(url_for("admin_users.show", username=username))


@bp.post("/<username>/roles/<int:holding_id>/end")
@login_required
def end_role(username: str, holding_id: int) -> Any:
    actor = admin()
    held = {h["id"] for h in engine().people.get(actor, username)["holdings"]}
    if holding_id not in held:
        raise NotFound(_("{username} không giữ vai trò số {id}.", username=username, id=holding_id))
    form = {"on": request.form.get("on", "").strip(), "reason": request.form.get("reason", "")}
    try:
        change = engine().people.end_holding(actor, holding_id, form["on"], form["reason"])
    except (InvalidInput, Conflict) as err:
        return user_page(username, field_errors(err), form, f"end-{holding_id}", status_of(err))
    released = len(change["released"])
    flash(
        _("Đã kết thúc vai trò.")
        + (" " + _n("{n} việc đã nhận được trả về hộp chung.", released) if released else ""),
        "success",
    )
    return redirect(url_for("admin_users.show", username=username))


@bp.post("/<username>/deactivate")
@login_required
def deactivate(username: str) -> Any:
    actor = admin()
    form = {"reason": request.form.get("reason", "")}
    try:
        done = engine().people.deactivate(actor, username, form["reason"])
    except (InvalidInput, Conflict) as err:
        return user_page(username, field_errors(err), form, "deactivate", status_of(err))
    released = len(done["released"])
    flash(
        _("Đã ngừng tài khoản {username}.", username=username)
        + (" " + _n("{n} việc đã nhận được trả về hộp chung.", released) if released else ""),
        "success",
    )
    return redirect(url_for("admin_users.show", username=username))


@bp.post("/<username>/reset-password")
@login_required
def reset_password(username: str) -> Any:
    actor = admin()
    form = {"reason": request.form.get("reason", "")}
    try:
        reset = engine().people.reset_password(actor, username, form["reason"])
    except (InvalidInput, Conflict) as err:
        return user_page(username, field_errors(err), form, "reset", status_of(err))
    user = engine().people.get(actor, username)
    page = render_template(
        "admin_users_password.html",
        person=user,
        password=reset["one_time_password"],
        created=False,
        role_errors={},
    )
    return no_store(page)


@bp.post("/<username>/unlock")
@login_required
def unlock(username: str) -> Any:
    actor = admin()
    form = {"reason": request.form.get("reason", "")}
    try:
        engine().people.unlock(actor, username, form["reason"])
    except (InvalidInput, Conflict) as err:
        return user_page(username, field_errors(err), form, "unlock", status_of(err))
    flash(_("Đã mở khóa đăng nhập cho {username}.", username=username), "success")
    return redirect(url_for("admin_users.show", username=username))
