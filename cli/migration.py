"""`policyflow migrate`: move running instances to a newer version (dry run by default)."""

from collections.abc import Mapping
from typing import Any

import click
from tqdm import tqdm

from cli.progress import hidden

from .main import Policyflow, emit, json_option, main, pass_engine


@main.command()
@click.argument("key")
@click.option(
    "--to", "to_version", type=int, default=None, help="Phiên bản đích (mặc định: mới nhất)."
)
@click.option("--instance", "instance_ids", type=int, multiple=True, help="Hồ sơ (lặp lại được).")
@click.option("--suspend", "do_suspend", is_flag=True, help="Tạm dừng các hồ sơ chuyển được.")
@click.option("--apply", "do_apply", is_flag=True, help="Chuyển các hồ sơ đã tạm dừng.")
@click.option("--resume", is_flag=True, help="Tiếp tục hồ sơ sau khi chuyển.")
@click.option("--comment", default="", help="Lý do chuyển (ghi vào nhật ký).")
@click.option("--as", "username", required=True, help="Người quản lý quy trình.")
@json_option
@pass_engine
def migrate(
    pf: Policyflow,
    key: str,
    to_version: int | None,
    instance_ids: tuple[int, ...],
    do_suspend: bool,
    do_apply: bool,
    resume: bool,
    comment: str,
    username: str,
    as_json: bool,
) -> None:
    """Which instances of KEY can move to a newer version and why not; with --suspend
    and --apply, suspend them and move them (each instance on its own)."""
    plan = pf.moves.plan(key, to_version, list(instance_ids) or None, username)
    movable = [r["instance_id"] for r in plan["instances"] if r["movable"]]
    results = []
    for step, wanted in (("suspend", do_suspend), ("migrate", do_apply)):
        if not wanted:
            continue
        for instance_id in tqdm(movable, desc=step, disable=hidden(as_json or len(movable) < 2)):
            if step == "suspend":
                [done] = pf.moves.suspend([instance_id], username)
            else:
                [done] = pf.moves.migrate(
                    key, [instance_id], username, plan["to_version"], comment, resume=resume
                )
            results.append({"step": step, **done})
    emit({**plan, "results": results}, as_json, _text(plan, results))
    if any(not r["ok"] for r in results):
        raise SystemExit(1)


def _text(plan: Mapping[str, Any], results: list[dict]) -> str:
    lines = [f"{plan['process_key']} → phiên bản {plan['to_version']}:"]
    for row in plan["instances"]:
        verdict = "chuyển được" if row["movable"] else "không chuyển được"
        if row["needs_suspend"]:
            verdict += " (cần tạm dừng trước)"
        lines.append(f"  #{row['instance_id']} v{row['from_version']} {row['status']}: {verdict}")
        lines += [f"      ✗ {reason}" for reason in row["reasons"]]
        lines += [f"      · {note}" for note in row["notes"]]
    for r in results:
        outcome = r.get("status") if r["ok"] else f"lỗi: {r['error']}"
        lines.append(f"  {r['step']} #{r['instance_id']}: {outcome}")
    return "\n".join(lines)
