"""`policyflow accounts`: login lockouts, and an admin lifting them."""

import click

from .main import Policyflow, emit, json_option, main, pass_engine


@main.group("accounts")
def accounts_group() -> None:
    """Tài khoản: khóa đăng nhập sau nhiều lần sai mật khẩu."""


@accounts_group.command("lockouts")
@click.option("--as", "username", required=True, help="Quản trị viên.")
@json_option
@pass_engine
def lockouts(pf: Policyflow, username: str, as_json: bool) -> None:
    """The accounts refused at some address now (after repeated wrong passwords)."""
    found = pf.accounts.lockouts(username)
    lines = [
        f"{x['username']:<16}  {x['address'] or '(không rõ)':<40}  "
        f"{x['failures']} lần sai, đến {x['until']}"
        for x in found
    ]
    emit(found, as_json, "\n".join(lines) or "Không có tài khoản nào đang bị khóa.")


@accounts_group.command("unlock")
@click.argument("target", metavar="USERNAME")
@click.option("--as", "username", required=True, help="Quản trị viên.")
@json_option
@pass_engine
def unlock(pf: Policyflow, target: str, username: str, as_json: bool) -> None:
    """Lift every login lockout of USERNAME, at every address (recorded)."""
    forgotten = pf.accounts.unlock(target, username)
    emit(
        {"username": target, "failures_forgotten": forgotten},
        as_json,
        f"Đã mở khóa '{target}' (bỏ {forgotten} lần đăng nhập sai).",
    )
