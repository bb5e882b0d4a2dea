"""The dashboard of the plan's indicators and the plan tracked.

- `/dashboard` (`?nam=&quy=&don_vi=&chi_tieu=`): per unit and month, with SVG charts (bars
  per unit, trend per month) and a table beside each; leaders see the administration,
  others their own units (the engine refuses another unit: 403);
- `/dashboard.csv`, `/dashboard.xlsx`: the same figures as a file;
- `/ke-hoach/<year>`: the plan's tasks with each unit's progress, and the form a unit
  marks its progress with (POST `/ke-hoach/<year>/tien-do`).
"""

import csv
import io
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from openpyxl import Workbook
from werkzeug.wrappers import Response

from engine.errors import InvalidInput, NotFound, PolicyflowError
from engine.facade import LOCAL_TIME, utcnow
from web.auth import current_user, engine, login_required, signed_in
from web.charts import bars, trend
from web.i18n import _, error_text
from web.views.audit import csv_cell

bp = Blueprint("dashboard", __name__)
STATUSES = ("chua_bat_dau", "dang_thuc_hien", "hoan_thanh")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def status_label(status: str | None) -> str:
    labels = {
        "chua_bat_dau": _("Chưa bắt đầu"),
        "dang_thuc_hien": _("Đang thực hiện"),
        "hoan_thanh": _("Hoàn thành"),
    }
    return labels.get(status or "", _("Chưa báo cáo"))


def this_year() -> int:
    return utcnow().astimezone(LOCAL_TIME).year


def _int_arg(name: str, low: int, high: int) -> int | None:
    text = request.args.get(name, "").strip()
    if not text:
        return None
    if not text.isdigit() or not low <= int(text) <= high:
        abort(400)
    return int(text)


def _report() -> dict[str, Any]:
    year = _int_arg("nam", 2000, 2100) or this_year()
    quarter = _int_arg("quy", 1, 4)
    unit = request.args.get("don_vi", "").strip() or None
    return dict(engine().indicators.report(signed_in(), year, quarter, unit))


def _label(info: dict[str, Any]) -> str:
    return _(info["label"])


@bp.get("/dashboard")
@login_required
def index() -> str:
    report = _report()
    shown = {i["key"]: i for i in report["indicators"]}
    chosen = request.args.get("chi_tieu", "p1_received")
    chosen = chosen if chosen in shown else next(iter(shown))
    label = _label(shown[chosen])
    per_unit = [(u["name"], u["values"][chosen]) for u in report["units"]]
    per_month = [(m["month"], m["values"].get(chosen, 0)) for m in report["months"]]
    return render_template(
        "dashboard.html",
        report=report,
        chosen=chosen,
        chosen_label=label,
        per_unit=per_unit,
        per_month=per_month,
        unit_chart=bars(per_unit, _("{label} theo đơn vị", label=label)),
        month_chart=trend(per_month, _("{label} theo tháng", label=label)),
        status_label=status_label,
        ilabel=_label,
        year_now=this_year(),
        query={k: v for k, v in request.args.items() if k in ("nam", "quy", "don_vi")},
    )


def _table(report: dict[str, Any]) -> list[list[Any]]:
    """The per-unit table as rows: header, one row per unit, the totals."""
    infos = report["indicators"]
    rows: list[list[Any]] = [[_("Mã đơn vị"), _("Đơn vị"), *[_label(i) for i in infos]]]
    for unit in report["units"]:
        rows.append([unit["unit"], unit["name"], *[unit["values"][i["key"]] for i in infos]])
    rows.append(["", _("Tổng cộng"), *[report["totals"].get(i["key"], 0) for i in infos]])
    return rows


def _period(report: dict[str, Any]) -> str:
    quarter = f"-q{report['quarter']}" if report["quarter"] else ""
    return f"{report['year']}{quarter}"


@bp.get("/dashboard.csv")
@login_required
def export_csv() -> Response:
    report = _report()
    out = io.StringIO()
    writer = csv.writer(out)
    for row in _table(report):
        writer.writerow([csv_cell(_plain(v)) for v in row])
    name = f"chi-tieu-{_period(report)}.csv"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv", headers=headers)


def _plain(value: Any) -> Any:
    """Whole numbers without ".0"."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


@bp.get("/dashboard.xlsx")
@login_required
def export_xlsx() -> Response:
    report = _report()
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Chỉ tiêu theo đơn vị")
    for row in _table(report):
        sheet.append([_plain(v) for v in row])
    months = book.create_sheet(_("Theo tháng"))
    infos = report["indicators"]
    months.append([_("Tháng"), *[_label(i) for i in infos]])
    for month in report["months"]:
        months.append([month["month"], *[_plain(month["values"][i["key"]]) for i in infos]])
    plan = book.create_sheet(_("Kế hoạch"))
    plan.append(
        [_("Nhiệm vụ"), _("Nội dung"), _("Đơn vị"), _("Vai trò"), _("Tiến độ"), _("Ghi chú")]
    )
    for task in report["plan"]:
        for unit in task["units"]:
            role = _("Chủ trì") if unit["role"] == "lead" else _("Phối hợp")
            plan.append([task["code"], task["title"], unit["name"], role,
                         status_label(unit["status"]), unit["note"]])  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    name = f"chi-tieu-{_period(report)}.xlsx"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(out.getvalue(), mimetype=XLSX, headers=headers)


@bp.get("/ke-hoach/<int(min=2000, max=2100):year>")
@login_required
def plan(year: int) -> str:
    return render_template(
        "plan.html",
        plan=engine().indicators.plan(signed_in(), year),
        statuses=STATUSES,
        status_label=status_label,
    )


@bp.post("/ke-hoach/<int(min=2000, max=2100):year>/tien-do")
@login_required
def record(year: int) -> Response:
    form = request.form
    try:
        engine().indicators.record_progress(
            signed_in(), year, form.get("code", ""), form.get("unit", ""),
            form.get("status", ""), form.get("note", ""),
        )  # fmt: skip
        flash(_("Đã ghi nhận tiến độ nhiệm vụ {code}.", code=form.get("code", "")), "success")
    except (InvalidInput, NotFound) as err:
        flash(error_text(err), "error")
    return redirect(url_for("dashboard.plan", year=year))


def may_see() -> bool:
    """For the navigation: whether the signed-in user may open the dashboard."""
    if "may_see_dashboard" not in g:
        try:
            g.may_see_dashboard = bool(current_user()) and engine().indicators.may_see(signed_in())
        except PolicyflowError:
            g.may_see_dashboard = False
    return bool(g.may_see_dashboard)
