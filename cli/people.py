"""`policyflow users …` and `policyflow roles …`: the people administration from a shell
(`pf.people`), as an administrator named by --as (default: admin). Every change is
audited in the global log, as from the pages and the API."""

from pathlib import Path

import click

from engine.errors import InvalidInput

from .main import Policyflow, emit, json_option, main, pass_engine

AS = click.option("--as", "actor", default="admin", show_default=True, help="Quản trị viên.")
REASON = click.option("--reason", default="", help="Lý do (ghi vào nhật ký).")


@main.group("users")
def users_group() -> None:
    """Người dùng: danh sách, thêm, ngừng hoạt động, đặt lại mật khẩu, mở khóa, nhập CSV."""


@users_group.command("list")
@click.option("--q", default=None, help="Tên đăng nhập hoặc họ tên chứa.")
@click.option("--unit", default=None, help="Đang giữ vai trò ở đơn vị này.")
@click.option("--role", default=None, help="Đang giữ vai trò này.")
@click.option("--inactive", is_flag=True, help="Chỉ người đã ngừng hoạt động.")
@AS
@json_option
@pass_engine
def list_users(
    pf: Policyflow,
    q: str | None,
    unit: str | None,
    role: str | None,
    inactive: bool,
    actor: str,
    as_json: bool,
) -> None:
    """Users by username, each with the roles they hold today."""
    found = pf.people.search(
        actor, q=q, unit=unit, role=role, active=False if inactive else None, per_page=200
    )
    lines = [
        f"{u['username']:<20} {u['full_name']:<30} {'' if u['active'] else '(ngừng) '}"
        + ", ".join(f"{h['role']}@{h['unit']}" for h in u["holdings"] if h["in_force"])
        for u in found["items"]
    ]
    lines.append(f"{found['total']} người dùng.")
    emit(found, as_json, "\n".join(lines))


@users_group.command("add")
@click.argument("username")
@click.option("--full-name", required=True, help="Họ và tên.")
@click.option("--position", default=None, help="Chức vụ.")
@click.option("--email", default=None, help="Thư điện tử.")
@click.option("--phone", default=None, help="Điện thoại.")
@REASON
@AS
@json_option
@pass_engine
def add_user(
    pf: Policyflow,
    username: str,
    full_name: str,
    position: str | None,
    email: str | None,
    phone: str | None,
    reason: str,
    actor: str,
    as_json: bool,
) -> None:
    """Add a user; prints their one-time password (only its hash is stored)."""
    fields = {"username": username, "full_name": full_name, "position": position,
              "email": email, "phone": phone}  # fmt: skip
    created = pf.people.create(actor, {k: v for k, v in fields.items() if v is not None}, reason)
    emit(created, as_json, f"Đã thêm '{username}'. Mật khẩu dùng một lần: "
         f"{created['one_time_password']}")  # fmt: skip


@users_group.command("deactivate")
@click.argument("username")
@REASON
@AS
@json_option
@pass_engine
def deactivate(pf: Policyflow, username: str, reason: str, actor: str, as_json: bool) -> None:
    """The user can no longer sign in; their claimed tasks go back to the group."""
    done = pf.people.deactivate(actor, username, reason)
    emit(done, as_json, f"Đã ngừng '{username}'; trả {len(done['released'])} việc về hộp chung.")


@users_group.command("reset-password")
@click.argument("username")
@REASON
@AS
@json_option
@pass_engine
def reset_password(pf: Policyflow, username: str, reason: str, actor: str, as_json: bool) -> None:
    """A new one-time password; every session and API token of the user ends."""
    done = pf.people.reset_password(actor, username, reason)
    emit(done, as_json, f"Mật khẩu dùng một lần mới của '{username}': {done['one_time_password']}")


@users_group.command("unlock")
@click.argument("username")
@REASON
@AS
@json_option
@pass_engine
def unlock(pf: Policyflow, username: str, reason: str, actor: str, as_json: bool) -> None:
    """Lift every login lockout of the user."""
    done = pf.people.unlock(actor, username, reason)
    emit(done, as_json, f"Đã mở khóa '{username}' (bỏ {done['failures_forgotten']} lần sai).")


@users_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Chỉ liệt kê thay đổi, không ghi.")
@REASON
@AS
@json_option
@pass_engine
def import_users(
    pf: Policyflow, file: Path, dry_run: bool, reason: str, actor: str, as_json: bool
) -> None:
    """Users and role holdings from a CSV file (username, full_name, position, email,
    phone, role, unit, from, to); checked whole before anything is written."""
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise InvalidInput(f"{file}: cần mã hóa UTF-8 ({err})") from err
    done = pf.people.import_csv(actor, text, dry_run, reason)
    lines = [*done["changes"], f"{len(done['changes'])} thay đổi" + (" (thử)" if dry_run else "")]
    lines += [f"{u}: mật khẩu dùng một lần {p}" for u, p in done["one_time_passwords"].items()]
    emit(done, as_json, "\n".join(lines))


@main.group("roles")
def roles_group() -> None:
    """Vai trò theo thời gian: giao vai trò ở một đơn vị từ một ngày, kết thúc vào một ngày."""


@roles_group.command("grant")
@click.argument("username")
@click.argument("role")
@click.argument("unit")
@click.option("--from", "start", required=True, help="Ngày bắt đầu (YYYY-MM-DD).")
@click.option("--to", "end", default=None, help="Ngày cuối cùng (YYYY-MM-DD).")
@REASON
@AS
@json_option
@pass_engine
def grant(
    pf: Policyflow,
    username: str,
    role: str,
    unit: str,
    start: str,
    end: str | None,
    reason: str,
    actor: str,
    as_json: bool,
) -> None:
    """USERNAME holds ROLE in UNIT from --from (to --to)."""
    fields = {"role": role, "unit": unit, "from": start, "to": end}
    done = pf.people.grant(actor, username, fields, reason)
    held = done["holding"]
    until = f" đến {held['valid_to']}" if held["valid_to"] else ""
    emit(done, as_json, f"Vai trò số {held['id']}: {username} giữ {role} ở {unit} "
         f"từ {held['valid_from']}{until}")  # fmt: skip


@roles_group.command("end")
@click.argument("holding_id", type=int)
@click.option("--on", "on", required=True, help="Ngày đầu tiên không còn giữ vai trò.")
@REASON
@AS
@json_option
@pass_engine
def end(pf: Policyflow, holding_id: int, on: str, reason: str, actor: str, as_json: bool) -> None:
    """End the holding HOLDING_ID at --on; claims it no longer covers go back to the group
    (now if --on is today or past, else by the daily job on that day)."""
    done = pf.people.end_holding(actor, holding_id, on, reason)
    emit(done, as_json, f"Vai trò số {holding_id} kết thúc ngày {done['holding']['valid_to']}; "
         f"trả {len(done['released'])} việc về hộp chung.")  # fmt: skip


@roles_group.command("release-lapsed")
@click.option("--on", "on", default=None, help="Ngày (mặc định: hôm nay).")
@json_option
@pass_engine
def release_lapsed(pf: Policyflow, on: str | None, as_json: bool) -> None:
    """Give back to the group every claim whose holder can no longer act on the task on
    --on (what the daily job does)."""
    from .calendar import parse_day

    done = pf.people.release_lapsed(parse_day(on) if on else None)
    emit(done, as_json, f"Trả {len(done)} việc về hộp chung.")
