"""The commands of `policyflow` (see cli.main for the shared plumbing)."""

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from tqdm import tqdm

from cli.progress import hidden
from engine.errors import BpmnRejected, PolicyflowError
from engine.facade import LOCAL_TIME as LOCAL
from engine.facade import utcnow

from .main import Policyflow, emit, json_option, main, parse_json, parse_now, pass_engine


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@json_option
@pass_engine
def db_upgrade(pf: Policyflow, as_json: bool) -> None:
    """Create or migrate the schema to the newest version."""
    pf.upgrade_schema()
    emit({"upgraded": True, "database": _safe_url(pf.url)}, as_json, "Đã cập nhật lược đồ CSDL.")


def _safe_url(url: str) -> str:
    return url.split("@")[-1] if "@" in url else url


@main.command("seed-demo")
@json_option
@pass_engine
def seed(pf: Policyflow, as_json: bool) -> None:
    """Add the demo district, users (password: $DEMO_PASSWORD or 'demo'), rules, calendar."""
    added = pf.seed_demo()
    emit(added, as_json, "Đã nạp dữ liệu mẫu: " + ", ".join(f"{k} +{v}" for k, v in added.items()))


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--as", "actor", default=None, help="Người triển khai.")
@json_option
@pass_engine
def deploy(pf: Policyflow, files: tuple[str, ...], actor: str | None, as_json: bool) -> None:
    """Deploy BPMN files (called processes are deployed before their callers)."""
    pending, done = [Path(f) for f in files], []
    with tqdm(
        total=len(pending), desc="Triển khai", disable=hidden(as_json or len(pending) < 2)
    ) as bar:
        while pending:
            failed: list[tuple[Path, PolicyflowError]] = []
            for path in pending:
                try:
                    done.append({"file": str(path), **pf.deploy_file(path, actor)})
                    bar.update(1)
                except BpmnRejected as err:
                    failed.append((path, err))
            if len(failed) == len(pending):  # no progress: report the first failure
                path, first = failed[0]
                raise BpmnRejected(f"{path.name}: {first}", getattr(first, "field_errors", None))
            pending = [p for p, _ in failed]
    lines = [
        f"{d['key']} v{d['version']} {'(mới)' if d['created'] else '(không đổi)'}" for d in done
    ]
    emit(done, as_json, "\n".join(lines))


@main.command()
@click.option("--as", "username", default=None, help="Chỉ ra ai có thể khởi tạo.")
@json_option
@pass_engine
def processes(pf: Policyflow, username: str | None, as_json: bool) -> None:
    """Deployed processes, each with its start form's JSON Schema."""
    found = pf.processes(username)
    emit(found, as_json, "\n".join(f"{p['key']:<20} v{p['version']:<3} {p['name']}" for p in found))


@main.command()
@click.argument("key")
@click.option("--as", "username", required=True)
@click.option("--data", default="{}", help="Dữ liệu biểu mẫu khởi tạo (JSON).")
@click.option("--now", default=None, help="Thời điểm (ISO 8601), mặc định: bây giờ.")
@json_option
@pass_engine
def start(
    pf: Policyflow, key: str, username: str, data: str, now: str | None, as_json: bool
) -> None:
    """Start an instance of process KEY."""
    started = pf.start(key, username, parse_json(data), parse_now(now))
    shown = pf.show(started["id"])
    emit(shown, as_json, _instance_text(shown))


@main.command()
@click.option("--as", "username", required=True)
@json_option
@pass_engine
def tasks(pf: Policyflow, username: str, as_json: bool) -> None:
    """The user's inbox: open tasks they may do or have claimed."""
    found = pf.tasks(username)
    emit(found, as_json, "\n".join(_task_line(t) for t in found) or "Không có công việc.")


def _task_line(t: Mapping[str, Any]) -> str:
    due = f" — {_due_text(t['due_at'], t.get('due_provisional', False))}" if t["due_at"] else ""
    claimed = f" [nhận: {t['claimed_by']}]" if t["claimed_by"] else ""
    where = f"#{t['instance_id']} {t['process_key']}: {t['name']} ({t['unit']})"
    return f"{t['id']}  {where}{due}{claimed}"


def _due_text(due_iso: str, provisional: bool = False) -> str:
    """A legal deadline as people read it: local date and time, overdue impossible to miss;
    flagged when its year's working-day calendar is still provisional."""
    due = datetime.fromisoformat(due_iso)
    local = due.astimezone(LOCAL)
    text = f"hạn {local:%d/%m/%Y %H:%M}"
    if provisional:
        text += " " + click.style(f"(lịch năm {local.year} là tạm tính)", fg="yellow")
    if due < utcnow():
        return click.style(f"QUÁ HẠN ({text})", fg="red", bold=True)
    return text


@main.command()
@click.argument("task_id")
@click.option("--as", "username", required=True)
@json_option
@pass_engine
def claim(pf: Policyflow, task_id: str, username: str, as_json: bool) -> None:
    """Take a task so others see it is being handled."""
    pf.claim(task_id, username)
    emit({"claimed": task_id, "by": username}, as_json, f"Đã nhận {task_id}.")


@main.command()
@click.argument("task_id")
@click.option("--as", "username", required=True)
@json_option
@pass_engine
def unclaim(pf: Policyflow, task_id: str, username: str, as_json: bool) -> None:
    """Give a claimed task back to the group."""
    pf.unclaim(task_id, username)
    emit({"unclaimed": task_id}, as_json, f"Đã bỏ nhận việc {task_id}.")


@main.command()
@click.argument("task_id")
@click.option("--as", "username", required=True)
@click.option("--data", default="{}", help="Dữ liệu biểu mẫu (JSON).")
@click.option("--now", default=None)
@json_option
@pass_engine
def complete(
    pf: Policyflow, task_id: str, username: str, data: str, now: str | None, as_json: bool
) -> None:
    """Complete a task with its form data."""
    done = pf.complete(task_id, username, parse_json(data), parse_now(now))
    shown = pf.show(done["id"])
    emit(shown, as_json, _instance_text(shown))


@main.command()
@click.argument("instance_id", type=int)
@json_option
@pass_engine
def show(pf: Policyflow, instance_id: int, as_json: bool) -> None:
    """An instance: status, open tasks, data."""
    shown = pf.show(instance_id)
    emit(shown, as_json, _instance_text(shown))


def _instance_text(i: Mapping[str, Any]) -> str:
    lines = [f"Hồ sơ #{i['id']} {i['process_key']} v{i['version']}: {i['status']}"]
    lines += [f"  • {_task_line(t)}" for t in i["open_tasks"]]
    lines += [f"  ⏱ hẹn giờ {t}" for t in i["waiting_timers"]]
    return "\n".join(lines)


@main.command()
@click.argument("instance_id", type=int)
@json_option
@pass_engine
def history(pf: Policyflow, instance_id: int, as_json: bool) -> None:
    """Everything that happened to an instance, from the audit log."""
    events = pf.history(instance_id)
    lines = [f"{e['seq']:>4} {e['at'][:19]} {e['actor']:<14} {e['command']}" for e in events]
    emit(events, as_json, "\n".join(lines))


@main.command("fire-timers")
@click.option("--now", default=None, help="Thời điểm coi là hiện tại (ISO 8601).")
@json_option
@pass_engine
def fire_timers(pf: Policyflow, now: str | None, as_json: bool) -> None:
    """Fire every timer due now (or at --now)."""
    fired = pf.fire_due_timers(parse_now(now))
    emit(
        {str(k): v for k, v in fired.items()},
        as_json,
        f"Đã kích hoạt hẹn giờ ở {len(fired)} hồ sơ.",
    )


@main.command()
@click.argument("instance_id", type=int)
@click.argument("action", type=click.Choice(["cancel", "suspend", "resume"]))
@click.option("--as", "username", required=True)
@json_option
@pass_engine
def instance(pf: Policyflow, instance_id: int, action: str, username: str, as_json: bool) -> None:
    """Cancel, suspend or resume an instance."""
    status = getattr(pf, action)(instance_id, username)
    emit({"id": instance_id, "status": status}, as_json, f"Hồ sơ #{instance_id}: {status}")


@main.command()
@click.argument("name")
@click.option("--data", default="{}")
@click.option("--instance", "instance_id", type=int, default=None)
@click.option("--as", "username", default="system")
@json_option
@pass_engine
def message(
    pf: Policyflow, name: str, data: str, instance_id: int | None, username: str, as_json: bool
) -> None:
    """Deliver a message to the instances waiting for it."""
    got = pf.deliver_message(name, parse_json(data), username, instance_id)
    emit({"delivered_to": got}, as_json, f"Đã gửi tới hồ sơ {got}.")
