"""`policyflow incidents [retry ID | fix INSTANCE JSON | cancel ID]`: failures of the
engine's own work (timers), and resolving them. Without --as: the system (the operator
at the shell)."""

import click

from .main import Policyflow, emit, json_option, main, parse_json, pass_engine

as_option = click.option("--as", "username", default=None, help="Quản trị viên hoặc chủ quy trình.")


@main.group("incidents", invoke_without_command=True)
@click.option("--all", "show_all", is_flag=True, help="Cả sự cố đã xử lý.")
@as_option
@json_option
@click.pass_context
def incidents(ctx: click.Context, show_all: bool, username: str | None, as_json: bool) -> None:
    """Open incidents (with --all: every one), newest failure first."""
    if ctx.invoked_subcommand is not None:
        return
    pf: Policyflow = ctx.obj
    found = pf.incidents.list(username, None if show_all else "open")
    lines = [
        f"#{i['id']} hồ sơ {i['instance_id']} ({i['process_key']}) bước {i['element_id']}: "
        f"{i['error']} — {i['attempts']} lần, lần cuối {i['last_at']} [{i['state']}]"
        for i in found
    ]
    emit(found, as_json, "\n".join(lines) or "Không có sự cố nào.")


@incidents.command("retry")
@click.argument("incident_id", type=int)
@as_option
@json_option
@pass_engine
def retry(pf: Policyflow, incident_id: int, username: str | None, as_json: bool) -> None:
    """Run the failed work again; resolved if it succeeds."""
    done = pf.incidents.retry(incident_id, username)
    emit(done, as_json, f"Sự cố #{incident_id}: đã chạy lại, hồ sơ {done['instance_id']} tiếp tục.")


@incidents.command("fix")
@click.argument("instance_id", type=int)
@click.argument("changes")
@as_option
@pass_engine
def fix(pf: Policyflow, instance_id: int, changes: str, username: str | None) -> None:
    """Edit the instance's data (a JSON object), audited as its own command."""
    pf.incidents.update_data(instance_id, parse_json(changes), username)
    click.echo(f"Đã sửa dữ liệu hồ sơ {instance_id}.")


@incidents.command("cancel")
@click.argument("incident_id", type=int)
@as_option
@pass_engine
def cancel(pf: Policyflow, incident_id: int, username: str | None) -> None:
    """Give up: cancel the incident's instance."""
    done = pf.incidents.cancel(incident_id, username)
    click.echo(f"Đã hủy hồ sơ {done['instance_id']}.")
