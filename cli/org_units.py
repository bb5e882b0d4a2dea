"""`policyflow org units`: the org units in force on a date (of a kind), as API clients
and form pickers get them (`GET /api/v1/org-units`)."""

import click

from engine.facade import LOCAL_TIME, UNIT_KINDS, utcnow

from .calendar import parse_day
from .main import Policyflow, emit, json_option, main, pass_engine


def _org_group() -> click.Group:
    """The `org` group (cli/org.py, imported first, has the timeline's commands), made
    here when it is not there."""
    found = main.commands.get("org")
    if isinstance(found, click.Group):
        return found

    @main.group("org")
    def org_group() -> None:
        """Tổ chức theo thời gian: các đơn vị có hiệu lực theo ngày."""

    return org_group


@_org_group().command("units")
@click.option("--at", "day", default=None, help="Ngày (mặc định: hôm nay theo đồng hồ hệ thống).")
@click.option("--kind", type=click.Choice(UNIT_KINDS), default=None, help="Chỉ loại đơn vị này.")
@json_option
@pass_engine
def units(pf: Policyflow, day: str | None, kind: str | None, as_json: bool) -> None:
    """The units in force on --at: code, name, kind, first and last day, successor."""
    on = parse_day(day) if day else utcnow().astimezone(LOCAL_TIME).date()
    found = pf.org.units(on, kind)
    lines = [
        f"{u['code']}\t{u['name']}\t{u['kind']}\t{u['valid_from']} → {u['valid_to'] or '…'}"
        + (f"\tkế thừa: {u['successor']}" if u["successor"] else "")
        for u in found
    ]
    lines.append(f"{len(found)} đơn vị có hiệu lực ngày {on:%d/%m/%Y}.")
    emit({"at": on.isoformat(), "kind": kind, "items": found}, as_json, "\n".join(lines))
