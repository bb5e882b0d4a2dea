"""`policyflow settings list|set`, `policyflow calendar set|confirm` and `policyflow org
add|rename|end`: the administrator's rules, calendar and org units from a shell (issue
19). Without --as: the system (the operator at the shell); every change is audited."""

import click

from engine.facade import results

from .calendar import calendar_group, parse_day, parse_year, vietnamese
from .main import Policyflow, emit, json_option, main, pass_engine
from .org import org_group as org

as_option = click.option("--as", "actor", default="system", help="Quản trị viên thực hiện.")
reason_option = click.option("--reason", default="", help="Lý do (ghi vào nhật ký).")


def change_line(change: results.RuleChange) -> str:
    return f"Đã ghi ({change['command']}): {change['before']} -> {change['after']}"


# -- settings --------------------------------------------------------------------------


@main.group("settings")
def settings_group() -> None:
    """Quy định (thời hạn, nhắc việc) có hiệu lực theo ngày."""


@settings_group.command("list")
@click.option("--at", "day", default=None, help="Ngày (mặc định: hôm nay).")
@as_option
@json_option
@pass_engine
def list_settings(pf: Policyflow, day: str | None, actor: str, as_json: bool) -> None:
    """Every setting: key, kind, value in force, history."""
    found = pf.rules.settings(actor, parse_day(day) if day else None)
    lines = []
    for s in found["items"]:
        lines.append(f"{s['key']}\t{s['kind']}\t{s['in_force']}\t(từ {s['in_force_from']})")
        lines.extend(f"    từ {h['valid_from']}: {h['value']}" for h in s["history"])
    emit(found, as_json, "\n".join(lines))


@settings_group.command("set")
@click.argument("key")
@click.argument("value")
@click.option("--from", "start", required=True, help="Ngày bắt đầu áp dụng (YYYY-MM-DD).")
@reason_option
@as_option
@json_option
@pass_engine
def set_setting(
    pf: Policyflow, key: str, value: str, start: str, reason: str, actor: str, as_json: bool
) -> None:
    """KEY's VALUE from --from (a list of durations: comma-separated)."""
    kinds = {s["key"]: s["kind"] for s in pf.rules.settings(actor)["items"]}
    typed = pf.rules.value_from_text(kinds.get(key, "text"), value)
    change = pf.rules.set_setting(actor, key, typed, parse_day(start), reason)
    emit(change, as_json, change_line(change))


# -- calendar --------------------------------------------------------------------------


@calendar_group.command("set")
@click.argument("day", metavar="DATE")
@click.option("--holiday", "holiday", default=None, metavar="NAME", help="Ngày nghỉ (tên).")
@click.option("--workday", is_flag=True, help="Ngày làm bù (thứ Bảy, Chủ nhật).")
@click.option("--ordinary", is_flag=True, help="Ngày thường (theo thứ trong tuần).")
@click.option("--dry-run", is_flag=True, help="Chỉ liệt kê thời hạn sẽ đổi, không ghi.")
@reason_option
@as_option
@json_option
@pass_engine
def set_day(
    pf: Policyflow,
    day: str,
    holiday: str | None,
    workday: bool,
    ordinary: bool,
    dry_run: bool,
    reason: str,
    actor: str,
    as_json: bool,
) -> None:
    """Make DATE a holiday, a make-up working day or an ordinary day. Deadlines already
    computed stay; the open items a recomputation would move are listed."""
    chosen = [k for k, on in (("holiday", holiday is not None), ("workday", workday),
                              ("ordinary", ordinary)) if on]  # fmt: skip
    if len(chosen) != 1:
        raise click.UsageError("chọn đúng một trong --holiday NAME, --workday, --ordinary")
    on = parse_day(day)
    change = pf.rules.set_day(actor, on, chosen[0], holiday or "", reason, dry_run)
    head = "Chạy thử, không ghi gì" if dry_run else "Đã ghi"
    lines = [f"{head}: {vietnamese(on)} -> {chosen[0]} {change['name']}".rstrip()]
    for move in change["moves"]:
        lines.append(
            f"  hồ sơ {move['instance_id']} {move['name']} ({move['due_in']}): "
            f"hạn {move['due_at']} -> {move['would_be']} nếu tính lại"
        )
    if change["moves"]:
        lines.append("Thời hạn đã tính giữ nguyên; chỉ thời hạn tính sau khi sửa dùng lịch mới.")
    emit(change, as_json, "\n".join(lines))


@calendar_group.command("confirm")
@click.argument("year", metavar="YEAR")
@click.option("--source", default="", help="Văn bản thông báo lịch nghỉ của năm.")
@reason_option
@as_option
@json_option
@pass_engine
def confirm(pf: Policyflow, year: str, source: str, reason: str, actor: str, as_json: bool) -> None:
    """Mark YEAR's calendar confirmed (the government's notice of its swaps is in)."""
    change = pf.rules.confirm_year(actor, parse_year(year), source, reason)
    emit(change, as_json, change_line(change))


# -- org units -------------------------------------------------------------------------


@org.command("add")
@click.argument("code")
@click.option("--name", required=True, help="Tên đơn vị.")
@click.option("--kind", required=True, help="province | district | department | commune")
@click.option("--parent", default=None, help="Mã đơn vị cấp trên.")
@click.option("--from", "start", required=True, help="Ngày bắt đầu có hiệu lực.")
@reason_option
@as_option
@json_option
@pass_engine
def add_unit(
    pf: Policyflow, code: str, name: str, kind: str, parent: str | None, start: str,
    reason: str, actor: str, as_json: bool,
) -> None:  # fmt: skip
    """Add the unit CODE from --from."""
    change = pf.rules.add_unit(actor, code, name, kind, parent, parse_day(start), None, reason)
    emit(change, as_json, change_line(change))


@org.command("rename")
@click.argument("code")
@click.argument("name")
@reason_option
@as_option
@json_option
@pass_engine
def rename_unit(
    pf: Policyflow, code: str, name: str, reason: str, actor: str, as_json: bool
) -> None:
    """Rename the unit CODE to NAME."""
    change = pf.rules.rename_unit(actor, code, name, reason)
    emit(change, as_json, change_line(change))


@org.command("end")
@click.argument("code")
@click.option("--last-day", required=True, help="Ngày cuối cùng có hiệu lực.")
@click.option("--successor", default=None, help="Mã đơn vị kế thừa (có hiệu lực ngày sau).")
@reason_option
@as_option
@json_option
@pass_engine
def end_unit(
    pf: Policyflow, code: str, last_day: str, successor: str | None, reason: str, actor: str,
    as_json: bool,
) -> None:  # fmt: skip
    """End the unit CODE on --last-day; its open work goes to --successor (org transition)."""
    change = pf.rules.end_unit(actor, code, parse_day(last_day), successor, reason)
    emit(change, as_json, change_line(change))
