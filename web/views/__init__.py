"""Page views, one module per area; shared helpers for them live here."""

from collections.abc import Sequence

from flask import g, request

from engine.errors import InvalidInput, NotFound, PermissionDenied, PolicyflowError
from engine.facade import results
from web.auth import current_user, engine
from web.i18n import _, current_lang, error_text, localize


def unit_options() -> list[tuple[str, str]]:
    """(code, name) of every org unit, for `format: org-unit` fields and filters."""
    return [(u["code"], u["name"]) for u in engine().org.units()]


def filter_units() -> list[tuple[str, str]]:
    """Units to filter lists by: every unit, else those the user's roles name."""
    units = unit_options()
    if not units:
        user = current_user() or {"roles": []}
        units = sorted({(r["unit"], r["unit_name"]) for r in user["roles"]}, key=lambda u: u[1])
    return units


def process_options(username: str) -> list[tuple[str, str]]:
    """(key, name) of every deployed process, for filters: the same for every user."""
    return engine().versions.names()


def arg(name: str, allowed: tuple[str, ...] | None = None) -> str | None:
    """A query-string filter, stripped; None when empty or not one of `allowed`."""
    value = request.args.get(name, "").strip()
    if not value or (allowed is not None and value not in allowed):
        return None
    return value


MAX_PAGE = 1_000_000  # as the API's: a larger offset overflows the database's integer


def page_arg() -> int:
    try:
        return min(max(1, int(request.args.get("page", "1"))), MAX_PAGE)
    except ValueError:
        return 1


def first_own_task(outcome: results.Outcome, username: str) -> str | None:
    """The id of the first task a start/complete opened that this user may do now."""
    for task in outcome.get("open_tasks", []):
        try:
            if engine().task(task["id"], username)["can_act"]:
                return str(task["id"])
        except (NotFound, PermissionDenied):  # out of reach: simply not ours
            continue
    return None


def error_summary(err: InvalidInput) -> str:
    """The message above a form: the engine's own when the whole form is wrong; a pointer
    to the marked fields when fields are (their messages stand next to them)."""
    whole = err.field_errors.get("", [])
    if err.field_errors and not whole:
        return _("Có trường chưa đúng; hãy sửa các ô được đánh dấu.")
    return " ".join(map(localize, whole)) or error_text(err)


# -- who must act, who did: role names and people's full names --------------------------


def role_name(role: str | None) -> str:
    """A role key in words, from the org model's roles (read once per request)."""
    if not role:
        return ""
    if "role_names" not in g:
        g.role_names = {r["key"]: (r["name"], r["name_en"]) for r in engine().org.roles()}
    names = g.role_names.get(role)
    if not names:
        return role
    return str((names[1] if current_lang() == "en" else names[0]) or names[0])


def full_name(username: str | None) -> str:
    """A username as the person's full name (looked up once per request)."""
    if not username:
        return ""
    cache: dict[str, str] = g.setdefault("full_names", {})
    if username not in cache:
        me = current_user()
        if me and me["username"] == username:
            cache[username] = me["full_name"]
        else:
            try:
                cache[username] = engine().accounts.user(username)["full_name"] or username
            except PolicyflowError:  # removed meanwhile: the username is all there is
                cache[username] = username
    return cache[username]


# -- what a case is about -------------------------------------------------------------


def case_titles(items: Sequence[results.TaskView], username: str) -> dict[int, str]:
    """{instance id: case title} for the instances of these tasks (the engine's rows
    carry the title each case was given at its start)."""
    return {item["instance_id"]: item.get("case_title") or "" for item in items}
