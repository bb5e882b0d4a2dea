"""Page views, one module per area; shared helpers for them live here."""

from typing import Any

from flask import g, request

from engine.errors import InvalidInput, NotFound, PermissionDenied, PolicyflowError
from engine.seed import ROLES
from web.auth import current_user, engine
from web.i18n import _, current_lang


def unit_options() -> list[tuple[str, str]]:
    """(code, name) of every org unit, for `format: org-unit` fields.

    The engine has no public list of org units yet (requested: `org_units()`); until it
    has, a unit field is a text input for the unit's code.
    """
    org_units = getattr(engine(), "org_units", None)
    return [(u["code"], u["name"]) for u in org_units()] if org_units else []


def filter_units() -> list[tuple[str, str]]:
    """Units to filter lists by: every unit, else those the user's roles name."""
    units = unit_options()
    if not units:
        user = current_user() or {"roles": []}
        units = sorted({(r["unit"], r["unit_name"]) for r in user["roles"]}, key=lambda u: u[1])
    return units


def process_options(username: str) -> list[tuple[str, str]]:
    return [(p["key"], p["name"]) for p in engine().processes(username)]


def arg(name: str, allowed: tuple[str, ...] | None = None) -> str | None:
    """A query-string filter, stripped; None when empty or not one of `allowed`."""
    value = request.args.get(name, "").strip()
    if not value or (allowed is not None and value not in allowed):
        return None
    return value


def page_arg() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


def first_own_task(outcome: dict[str, Any], username: str) -> str | None:
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
    return " ".join(whole) or str(err)


# -- who must act, who did: role names and people's full names --------------------------


def role_name(role: str | None) -> str:
    """A role key in words: the names the engine gives the user's own roles, else the
    seeded roles table (the engine has no list of every role's name yet)."""
    if not role:
        return ""
    english = current_lang() == "en"
    for held in (current_user() or {}).get("roles", []):
        if held["role"] == role:
            name = held.get("role_name_en") if english else held.get("role_name")
            if name:
                return str(name)
    names = ROLES.get(role)
    return (names[1] if english else names[0]) if names else role


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
                cache[username] = engine().user(username)["full_name"] or username
            except PolicyflowError:  # removed meanwhile: the username is all there is
                cache[username] = username
    return cache[username]


# -- what a case is about -------------------------------------------------------------


def case_titles(items: list[dict[str, Any]], username: str) -> dict[int, str]:
    """{instance id: case title} for the instances of these tasks (the engine's rows
    carry the title each case was given at its start)."""
    return {item["instance_id"]: item.get("case_title") or "" for item in items}
