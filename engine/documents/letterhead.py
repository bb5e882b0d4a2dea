"""What every official document prints around its body (Nghị định 30/2020/NĐ-CP, Phụ
lục I): the issuing body in force on the document's date, its number from the register,
the place and date line, the signature block and the recipients; and numbers written the
Vietnamese way (5.000.000)."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.access import org
from engine.rules.calendar import LOCAL
from engine.store.models import RegisterEntry

# How a People's Committee names itself in the header: the line above its own name.
ADMINISTRATION_LINE = "ỦY BAN NHÂN DÂN"
PLACE_PREFIXES = ("UBND ", "Ủy ban nhân dân ", "huyện ", "xã ", "thị trấn ", "phường ")
# signer_position (da_sign.json, x-from-user "office") → the two lines of the block.
SIGNATURE = {
    "chu_tich": ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"),
    "pho_chu_tich": ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"),
}
FILED = "Lưu: VT, VHTT."  # the copy the issuing office keeps (Phụ lục I: "Lưu: VT, …")


def upper_vi(text: str) -> str:
    return text.upper()


def issuer_lines(tree: org.OrgTree, unit_id: int, on: date) -> tuple[str, str, str]:
    """("ỦY BAN NHÂN DÂN", "HUYỆN XUÂN TRƯỜNG", "UBND huyện Xuân Trường"): the
    administration of the unit as in force on the date (its successor after a merger)."""
    administration = tree.administration(unit_id)
    unit = tree.by_id[tree.in_force_on(administration, on) or administration]
    name = unit.name
    for prefix in ("UBND ", "Ủy ban nhân dân "):
        if name.startswith(prefix):
            name = name[len(prefix) :]
    return ADMINISTRATION_LINE, upper_vi(name), tree.committee_title(unit.id)


def place_name(tree: org.OrgTree, unit_id: int, on: date) -> str:
    """ "Xuân Trường": the administration's name without its kind."""
    _, _, title = issuer_lines(tree, unit_id, on)
    name = title
    changed = True
    while changed:
        changed = False
        for prefix in PLACE_PREFIXES:
            if name.lower().startswith(prefix.lower()):
                name, changed = name[len(prefix) :], True
    return name


def date_line(place: str, on: date) -> str:
    """ "Xuân Trường, ngày 20 tháng 11 năm 2024": a day below 10 and a month below 3 take
    a 0 before them (Phụ lục I, II.5: "ngày 05 tháng 02", "ngày 15 tháng 6")."""
    month = f"{on.month:02d}" if on.month < 3 else str(on.month)
    return f"{place}, ngày {on.day:02d} tháng {month} năm {on.year}"


def date_text(on: date) -> str:
    return f"{on.day:02d}/{on.month:02d}/{on.year}"


def register_entry(session: Session, instance_id: int, doc_type: str) -> RegisterEntry | None:
    """The instance's newest number of this type still valid in the register."""
    return session.scalar(
        select(RegisterEntry)
        .where(
            RegisterEntry.instance_id == instance_id,
            RegisterEntry.doc_type == (doc_type or "CV"),
            RegisterEntry.cancelled_at.is_(None),
        )
        .order_by(RegisterEntry.id.desc())
        .limit(1)
    )


def recipients(text: Any) -> list[str]:
    """ "Nơi nhận" lines from what the văn thư typed (one per line or separated by ";"),
    each ending in ";" and the office's copy last."""
    if isinstance(text, list):
        parts = [str(p) for p in text]
    else:
        parts = str(text or "").replace("\n", ";").split(";")
    lines = [p.strip().lstrip("-").strip().rstrip(";.") for p in parts]
    return [f"{line};" for line in lines if line] + [FILED]


def signature(position: Any, signer: Any) -> dict[str, str]:
    sign_for, title = SIGNATURE.get(str(position or ""), SIGNATURE["chu_tich"])
    return {"sign_for": sign_for, "sign_title": title, "signer": str(signer or "")}


def vn_number(value: Any) -> str:
    """5000000 → "5.000.000" (the Vietnamese thousands separator)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return str(value or "")
    return f"{number:,}".replace(",", ".")


def numbered_entry(
    session: Session, instance_id: int, data: dict[str, Any]
) -> RegisterEntry | None:
    """The entry the context names (`register_entry`: an instance with several letters of
    one type, each rendered with its own number, e.g. P4's letters), if it is this
    instance's."""
    entry_id = data.get("register_entry")
    if not isinstance(entry_id, int) or isinstance(entry_id, bool):
        return None
    entry = session.get(RegisterEntry, entry_id)
    return entry if entry is not None and entry.instance_id == instance_id else None


def letterhead(
    session: Session,
    tree: org.OrgTree,
    instance_id: int,
    unit_id: int,
    doc_type: str,
    fallback: datetime,
    data: dict[str, Any],
) -> dict[str, Any]:
    """The header, number, date line, signature and recipients of the instance's
    document of this type: its register entry gives the number and the date (the day it
    was numbered), the data the signer (signed_by, signer_position) and the recipients."""
    entry = numbered_entry(session, instance_id, data) or register_entry(
        session, instance_id, doc_type
    )
    moment = entry.issued_at if entry is not None else fallback
    on = moment.astimezone(LOCAL).date()
    parent, name, title = issuer_lines(tree, unit_id, on)
    return {
        "issuer_parent": parent,
        "issuer_name": name,
        "issuer_title": title,
        "number": entry.symbol if entry is not None else "…",
        "register_entry": entry.id if entry is not None else None,
        "place_date": date_line(place_name(tree, unit_id, on), on),
        "date_text": date_text(on),
        "date": on.isoformat(),
        "recipients": recipients(data.get("recipients")),
        **signature(data.get("signer_position"), data.get("signed_by")),
    }
