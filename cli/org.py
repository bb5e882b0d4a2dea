"""`policyflow org`: the org timeline from a shell — import the administrator's org file,
hand open work over to successors when units end. Without --as: the system (the
operator at the shell)."""

import click
from tqdm import tqdm

from cli.progress import hidden
from engine.facade import results

from .calendar import parse_day
from .main import Policyflow, emit, json_option, main, parse_now, pass_engine

as_option = click.option("--as", "actor", default="system", help="Quản trị viên thực hiện.")
dry_run_option = click.option("--dry-run", is_flag=True, help="Chỉ liệt kê, không ghi gì.")


@main.group("org")
def org_group() -> None:
    """Tổ chức theo thời gian: nhập tệp tổ chức, bàn giao việc khi đơn vị kết thúc."""


@org_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@dry_run_option
@as_option
@json_option
@pass_engine
def import_file(pf: Policyflow, file: str, dry_run: bool, actor: str, as_json: bool) -> None:
    """Import FILE (YAML): checked whole, then units, roles, people added or updated."""
    done = pf.org.import_file(file, actor, dry_run)
    emit(done, as_json, import_lines(done))


def import_lines(done: results.OrgImportResult) -> str:
    lines = list(done["changes"])
    counts = ", ".join(f"{kind} {n}" for kind, n in sorted(done["counts"].items()))
    head = "Chạy thử, không ghi gì" if done["dry_run"] else "Đã nhập"
    lines.append(f"{head}: {counts or 'không có thay đổi'}.")
    if done["one_time_password"]:
        lines.append(
            f"Mật khẩu dùng một lần cho người dùng mới: {done['one_time_password']} "
            "(chỉ hiện lần này; đề nghị đổi khi đăng nhập lần đầu)."
        )
    return "\n".join(lines)


@org_group.command("transition")
@click.argument("day", metavar="DATE")
@dry_run_option
@as_option
@click.option("--now", default=None, help="Thời điểm ghi nhận (ISO 8601, có múi giờ).")
@json_option
@pass_engine
def transition(
    pf: Policyflow, day: str, dry_run: bool, actor: str, now: str | None, as_json: bool
) -> None:
    """Move open work of units not in force on DATE to their successors, per instance."""
    on = parse_day(day)
    if dry_run:
        done = pf.org.transition(on, True, actor, parse_now(now))
    else:
        # The plan first (a dry run), so the bar knows how many instances will move.
        total = len(pf.org.transition(on, True, actor, parse_now(now)))
        with tqdm(total=total, desc="Bàn giao", disable=hidden(as_json or total < 2)) as bar:
            done = pf.org.transition(on, False, actor, parse_now(now), lambda _: bar.update(1))
    emit(done, as_json, transition_lines(done, dry_run))


def transition_lines(done: list[results.TransitionPlan], dry_run: bool) -> str:
    lines: list[str] = []
    for entry in done:
        lines.append(f"Hồ sơ {entry['instance_id']} ({entry['process_key']}) {entry['title']}")
        for move in entry["moves"]:
            to = move["to_unit"] or "(không có đơn vị kế thừa: giữ nguyên)"
            line = f"  {move['element_id']} {move['task_id']}: {move['from_unit']} -> {to}"
            if move["released"]:
                line += f" (bỏ nhận của {move['released']})"
            lines.append(line)
        if entry["instance_unit"]:
            to = entry["instance_unit"]["to_unit"] or "(không có đơn vị kế thừa)"
            lines.append(f"  đơn vị hồ sơ: {entry['instance_unit']['from_unit']} -> {to}")
    moved = sum(1 for e in done for m in e["moves"] if m["to_unit"] is not None)
    verb = "Sẽ chuyển" if dry_run else "Đã chuyển"
    lines.append(f"{verb} {moved} việc của {len(done)} hồ sơ.")
    return "\n".join(lines)
