"""P4's letters to the requester: `citizen_letter(kind, title, body, to, due_at)`.

Every letter to a citizen is a numbered công văn (Nghị định 30/2020 Phụ lục III: no type
code, `Số: n/UBND-VP`): entered in the register of the instance's People's Committee in
force, drafted by its Văn phòng (the unit whose abbreviation in the setting
`document_symbols` is "VP"; none: the committee itself), kept as a `CitizenLetter` row the
public tracking page lists, rendered as a .docx and PDF from `template` (engine/documents,
its own register entry in the letterhead), and e-mailed through the outbox to the address
the requester gave on the public page (or to `to`, when a model passes one). Like every
service, its result is recorded: a replay writes and sends nothing.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from engine.access import org
from engine.background.outbox import enqueue
from engine.documents.service import request_document
from engine.errors import N_, ProcessFailed
from engine.rules import register
from engine.rules.calendar import LOCAL
from engine.store.models import CitizenLetter, InfoRequest

if TYPE_CHECKING:
    from engine.rules.services import HostServices

KINDS = ("receipt", "complete", "redirect", "notice", "extension", "refusal", "provision")
OFFICE_SYMBOL = "VP"
MAIL_JOB = "mail_citizen"
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")


def office_of(ctx: HostServices) -> str | None:
    """Code of the Văn phòng of the instance's People's Committee in force today."""
    on = org.local_date(ctx.now)
    administration = ctx.tree.administration(ctx.instance.unit_id)
    committee = ctx.tree.in_force_on(administration, on) or administration
    symbols = register.unit_symbols(ctx.session, on)
    for unit in ctx.tree.units_on(on, ("department",)):
        if unit.parent_id == committee and symbols.get(unit.code) == OFFICE_SYMBOL:
            return unit.code
    return None


def citizen_letter(
    ctx: HostServices,
    kind: str,
    title: str,
    body: str,
    to: str | None = None,
    due_at: str | None = None,
    template: str | None = None,
    addressee: str = "",
) -> dict[str, Any]:
    """Number, keep and mail one letter (to `to`, else to the e-mail address of the
    instance's public request, if any); the result: {"symbol", "number", "letter", "mailed"}."""
    if kind not in KINDS:
        raise ProcessFailed(
            N_("citizen_letter: loại thư '{kind}' không có."), params={"kind": str(kind)[:40]}
        )
    due = _moment(due_at)
    entry = register.register_document(
        ctx.session, ctx.tree, ctx.instance.id, ctx.instance.unit_id, ctx.now,
        "CV", str(title)[:500], office_of(ctx),
    )  # fmt: skip
    text = str(body)
    if due is not None:
        text += "\n\nThời hạn: " + due.astimezone(LOCAL).strftime("%d/%m/%Y") + "."
    letter = CitizenLetter(
        instance_id=ctx.instance.id,
        register_entry_id=entry["entry"],
        kind=kind,
        symbol=entry["symbol"],
        title=str(title)[:500],
        body=text[:20000],
        due_at=due,
        issued_at=ctx.now,
    )
    ctx.session.add(letter)
    if not to:
        to = ctx.session.scalar(
            select(InfoRequest.email).where(InfoRequest.instance_id == ctx.instance.id)
        )
    mailed = isinstance(to, str) and EMAIL.match(to.strip()) is not None
    if mailed:
        payload = {
            "to": str(to).strip(),
            "subject": f"Số: {entry['symbol']} — {str(title)[:200]}",
            "body": _mail_text(ctx, entry["symbol"], str(title), text),
        }
        enqueue(ctx.session, MAIL_JOB, ctx.now, ctx.now, ctx.instance.id, payload)
    ctx.session.flush()
    document = None
    if template:  # the .docx (and PDF) of this letter, with its own number (engine/documents)
        context = {
            "summary": str(title)[:500],
            "addressees": [f"Ông/bà {addressee}".strip()] if addressee else ["Người yêu cầu"],
            "body": [line for line in text.split("\n") if line.strip()],
            "register_entry": entry["entry"],
            "recipients": ["Như trên"],
        }
        document = request_document(ctx, template, "CV", context)["queued"]
    return {"symbol": entry["symbol"], "number": entry["number"], "letter": letter.id,
            "mailed": mailed, "document_job": document}  # fmt: skip


def _mail_text(ctx: HostServices, symbol: str, title: str, text: str) -> str:
    committee = ctx.tree.committee_title(ctx.tree.administration(ctx.instance.unit_id))
    day = ctx.now.astimezone(LOCAL).strftime("%d/%m/%Y")
    return (
        f"{committee.upper()}\nSố: {symbol}\nV/v: {title}\nNgày {day}\n\n{text}\n\n"
        "Theo dõi yêu cầu bằng mã tra cứu tại trang /yeu-cau-thong-tin/tra-cuu."
    )


def _moment(value: object) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ProcessFailed(N_("citizen_letter: due_at phải là thời điểm ISO."))
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as err:
        raise ProcessFailed(N_("citizen_letter: due_at phải là thời điểm ISO.")) from err
    return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL)
