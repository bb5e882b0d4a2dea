"""The spokesperson register (Nghị định 09/2017/NĐ-CP Điều 2 and 7).

- `/nguoi-phat-ngon` (public, no login): who speaks for each body on a day (`?ngay=`,
  dd/mm/yyyy or YYYY-MM-DD; default today), as published by the publication job;
- `/nguoi-phat-ngon.json` (public): the same as JSON;
- `/nguoi-phat-ngon/quan-ly` (the Văn phòng, administrators): the register with what is
  not yet published, each body's history, and the form that records a new designation.
"""

from datetime import date, datetime

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from engine.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from web.auth import current_user, engine, login_required, signed_in
from web.i18n import _, error_text, localize_fields

bp = Blueprint("spokespersons", __name__)
FIELDS = ("full_name", "position", "phone", "email", "source")


def parse_day(text: str) -> date | None:
    """A day typed as dd/mm/yyyy (as the pages show dates) or YYYY-MM-DD."""
    text = text.strip()
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def day_arg() -> date | None:
    """`?ngay=`: None for today; 400 for a day that is not one."""
    text = request.args.get("ngay", "")
    if not text.strip():
        return None
    day = parse_day(text)
    if day is None or not 1900 <= day.year <= 9999:
        abort(400)
    return day


@bp.get("/nguoi-phat-ngon")
def public() -> str:
    register = engine().spokespersons.register(day_arg())
    return render_template("spokespersons.html", register=register)


@bp.get("/nguoi-phat-ngon.json")
def public_json() -> Response:
    return jsonify(engine().spokespersons.register(day_arg()))


def _keeper_units(username: str) -> list[dict[str, str]]:
    """The People's Committees whose register this user may keep (403 if none)."""
    units = engine().spokespersons.bodies(username)
    if not units:
        raise PermissionDenied(
            _("Chỉ Văn phòng HĐND-UBND được cập nhật danh sách người phát ngôn.")
        )
    return units


@bp.get("/nguoi-phat-ngon/quan-ly")
@login_required
def manage() -> str:
    units = _keeper_units(signed_in())
    return _manage_page(units, {}, {})


def _manage_page(
    units: list[dict[str, str]], form: dict[str, str], errors: dict[str, list[str]]
) -> str:
    pf = engine()
    register = pf.spokespersons.register(day_arg(), published_only=False)
    histories = [pf.spokespersons.history(u["code"], published_only=False) for u in units]
    return render_template(
        "spokespersons_manage.html",
        register=register,
        units=units,
        histories=histories,
        form=form,
        errors=errors,
    )


@bp.post("/nguoi-phat-ngon/quan-ly")
@login_required
def designate() -> Response | tuple[str, int]:
    units = _keeper_units(signed_in())
    form = {
        k: request.form.get(k, "")
        for k in (*FIELDS, "unit", "valid_from", "valid_to", "username", "reason", "verified")
    }
    first = parse_day(form["valid_from"])
    last = parse_day(form["valid_to"]) if form["valid_to"].strip() else None
    try:
        if first is None or (form["valid_to"].strip() and last is None):
            field = "valid_from" if first is None else "valid_to"
            raise InvalidInput(_("Ngày chưa đúng."), {field: [_("Cần một ngày dd/mm/yyyy.")]})
        change = engine().spokespersons.designate(
            signed_in(),
            form["unit"],
            {k: form[k] for k in FIELDS},
            first,
            last,
            form["username"].strip() or None,
            verified=form["verified"] == "yes",
            reason=form["reason"],
        )
    except InvalidInput as err:
        flash(error_text(err), "error")
        return _manage_page(units, form, localize_fields(err.field_errors)), 400
    except (Conflict, NotFound) as err:  # a body not in force that day, an unknown user
        flash(error_text(err), "error")
        return _manage_page(units, form, {}), 409 if isinstance(err, Conflict) else 404
    entry = change["entry"]
    flash(
        _(
            "Đã ghi người phát ngôn của {unit} từ ngày {date}; danh sách sẽ được công bố.",
            unit=entry["unit_name"],
            date=first.strftime("%d/%m/%Y"),
        ),
        "success",
    )
    return redirect(url_for("spokespersons.manage"))


def may_keep_any() -> bool:
    """For the navigation: whether the signed-in user keeps a register."""
    user = current_user()
    if not user:
        return False
    return user.get("is_admin", False) or any(r["role"] == "van_phong" for r in user["roles"])
