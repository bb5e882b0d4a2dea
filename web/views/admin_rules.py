"""`/admin/units`, `/admin/settings`, `/admin/calendar/<year>`: the administrator's org
units, rules and working calendar (issue 19). Administrators only (the engine refuses
the others: 403); every change is audited by the engine. Errors stand next to their
field; a calendar edit shows the deadlines it would move before it is saved."""

import calendar as month_calendar
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from engine.errors import Conflict, InvalidInput, NotFound
from engine.facade import UNIT_KINDS, utcnow
from web.auth import engine, login_required, signed_in
from web.i18n import _, error_text, localize_fields

bp = Blueprint("admin_rules", __name__, url_prefix="/admin")


def form_date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.form.get(name, "").strip())
    except ValueError:
        return None


def date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, "").strip())
    except ValueError:
        return None


def bad_date(field: str) -> InvalidInput:
    return InvalidInput(_("Ngày chưa đúng."), {field: [_("Cần một ngày dạng YYYY-MM-DD.")]})


# -- org units -------------------------------------------------------------------------


@bp.get("/units")
@login_required
def units() -> str:
    at = date_arg("at") or engine().rules.today()
    tree = engine().rules.units(signed_in(), at)
    return render_template("admin_units.html", tree=tree, at=at, kinds=UNIT_KINDS)


@bp.post("/units")
@login_required
def add_unit() -> Response:
    engine().rules.require_admin(signed_in())  # 403 before the form is read
    start = form_date("valid_from")
    try:
        if start is None:
            raise bad_date("valid_from")
        engine().rules.add_unit(
            signed_in(),
            request.form.get("code", "").strip(),
            request.form.get("name", ""),
            request.form.get("kind", ""),
            request.form.get("parent", "").strip() or None,
            start,
            reason=request.form.get("reason", ""),
        )
        flash(_("Đã thêm đơn vị."), "success")
    except (InvalidInput, Conflict, NotFound) as err:
        flash(error_text(err), "error")
    return redirect(url_for("admin_rules.units", at=request.form.get("at") or None))


@bp.post("/units/<code>/rename")
@login_required
def rename_unit(code: str) -> Response:
    engine().rules.require_admin(signed_in())  # 403 before the form is read
    try:
        name, reason = request.form.get("name", ""), request.form.get("reason", "")
        engine().rules.rename_unit(signed_in(), code, name, reason)
        flash(_("Đã đổi tên đơn vị."), "success")
    except (InvalidInput, Conflict) as err:
        flash(error_text(err), "error")
    return redirect(url_for("admin_rules.units", at=request.form.get("at") or None))


@bp.post("/units/<code>/end")
@login_required
def end_unit(code: str) -> Response:
    engine().rules.require_admin(signed_in())  # 403 before the form is read
    last_day = form_date("last_day")
    try:
        if last_day is None:
            raise bad_date("last_day")
        successor = request.form.get("successor", "").strip() or None
        engine().rules.end_unit(
            signed_in(), code, last_day, successor, request.form.get("reason", "")
        )
        flash(_("Đã kết thúc đơn vị; việc đang mở chuyển sang đơn vị kế thừa."), "success")
    except (InvalidInput, Conflict, NotFound) as err:
        flash(error_text(err), "error")
    return redirect(url_for("admin_rules.units", at=request.form.get("at") or None))


# -- settings --------------------------------------------------------------------------


@bp.get("/settings")
@login_required
def settings() -> str:
    return settings_page()


def settings_page(key: str | None = None, errors: dict | None = None, status: int = 200) -> str:
    found = engine().rules.settings(signed_in())
    page = render_template(
        "admin_settings.html",
        settings=found,
        failed_key=key,
        errors=errors or {},
        form=request.form if key else {},
    )
    return page if status == 200 else (page, status)  # type: ignore[return-value]


@bp.post("/settings/<key>")
@login_required
def set_setting(key: str) -> str | Response:
    engine().rules.require_admin(signed_in())  # 403 before the form is read
    start = form_date("valid_from")
    try:
        if start is None:
            raise bad_date("valid_from")
        kinds = {s["key"]: s["kind"] for s in engine().rules.settings(signed_in())["items"]}
        if key not in kinds:
            raise NotFound(_("Không có quy định '{key}'.", key=key))
        value = engine().rules.value_from_text(kinds[key], request.form.get("value", ""))
        engine().rules.set_setting(signed_in(), key, value, start, request.form.get("reason", ""))
    except (InvalidInput, Conflict) as err:
        fields = localize_fields(err.field_errors) if isinstance(err, InvalidInput) else {}
        return settings_page(key, {"": [error_text(err)], **fields}, 400)
    flash(_("Đã ghi giá trị mới của {key}.", key=key), "success")
    return redirect(url_for("admin_rules.settings"))


# -- calendar --------------------------------------------------------------------------


@bp.get("/calendar")
@login_required
def calendar_now() -> Response:
    engine().rules.require_admin(signed_in())
    return redirect(url_for("admin_rules.calendar", year=utcnow().year))


def months(year: int, days: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Twelve month grids: weeks of (day, class, name) from Monday; None outside."""
    special = {d["date"]: d for d in days}
    grid = []
    for month in range(1, 13):
        weeks = []
        for week in month_calendar.Calendar().monthdatescalendar(year, month):
            row: list[dict[str, Any] | None] = []
            for day in week:
                if day.month != month:
                    row.append(None)
                    continue
                entry = special.get(day.isoformat())
                kind = entry["kind"] if entry else ("weekend" if day.weekday() >= 5 else "")
                row.append({"day": day, "kind": kind, "name": entry["name"] if entry else ""})
            weeks.append(row)
        grid.append({"month": month, "weeks": weeks})
    return grid


@bp.get("/calendar/<int(max=9999):year>")
@login_required
def calendar(year: int, preview: dict | None = None, status: int = 200) -> str:
    if year < 1:
        raise NotFound(_("Lịch chưa có dữ liệu năm {year}.", year=year))
    found = engine().rules.calendar(signed_in(), year)
    page = render_template(
        "admin_calendar.html",
        year=found,
        months=months(year, found["days"]),
        preview=preview,
        form=request.form,
    )
    return page if status == 200 else (page, status)  # type: ignore[return-value]


@bp.post("/calendar/<int(max=9999):year>/day")
@login_required
def set_day(year: int) -> str | Response:
    engine().rules.require_admin(signed_in())  # 403 before the form is read
    on = form_date("date")
    save = request.form.get("action") == "save"
    try:
        if on is None or on.year != year:
            raise bad_date("date")
        change = engine().rules.set_day(
            signed_in(),
            on,
            request.form.get("kind", ""),
            request.form.get("name", ""),
            request.form.get("reason", ""),
            dry_run=not save,
        )
    except (InvalidInput, Conflict, NotFound) as err:
        flash(error_text(err), "error")
        return redirect(url_for("admin_rules.calendar", year=year))
    if not save:
        return calendar(year, preview=dict(change))
    flash(_("Đã sửa lịch ngày {date}.", date=on.strftime("%d/%m/%Y")), "success")
    return redirect(url_for("admin_rules.calendar", year=year))


@bp.post("/calendar/<int(max=9999):year>/confirm")
@login_required
def confirm(year: int) -> Response:
    engine().rules.require_admin(signed_in())  # 403 before the form is read
    try:
        engine().rules.confirm_year(
            signed_in(), year, request.form.get("source", ""), request.form.get("reason", "")
        )
        flash(_("Đã xác nhận lịch năm {year}.", year=year), "success")
    except (Conflict, NotFound, InvalidInput) as err:
        flash(error_text(err), "error")
    return redirect(url_for("admin_rules.calendar", year=year))
