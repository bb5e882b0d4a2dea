"""The outgoing-document register (sổ đăng ký văn bản đi, Nghị định 30/2020/NĐ-CP).

Every number a process hands out is a `RegisterEntry` row: per issuing body and local
calendar year, from 01, gap-free and never reused. The issuing body's `DocumentCounter`
row is locked (`FOR UPDATE`) for the rest of the command, so two numberings at once
queue and get consecutive numbers; a command that rolls back takes its number back with
it (no gap); the unique constraint (issuer, year, number) is the backstop.

Ký hiệu (Phụ lục III): a named type carries its abbreviation before the issuing body's
(`05/QĐ-UBND`, `05/KH-UBND`, `05/BC-UBND`); a công văn carries none: the issuing body,
then the drafting unit (`05/UBND-VHTT`). A submission (Tờ trình) is the drafting unit's
own document, numbered in its own register (`05/TTr-VHTT`). The abbreviations of units
are data: the setting `document_symbols` (unit code → symbol), the one in force on the
numbering date; a People's Committee missing from it is `UBND`.

Cancelling an instance marks its entries cancelled with the reason; the numbers stay.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from engine.access import org
from engine.errors import N_, ProcessFailed
from engine.rules.calendar import LOCAL
from engine.store.models import ADMINISTRATION_KINDS, DocumentCounter, RegisterEntry, SettingValue

# Phụ lục III, I: the types of administrative documents and their abbreviations.
NAMED_TYPES = frozenset({
    "NQ", "QĐ", "CT", "QC", "QyĐ", "TB", "HD", "CTr", "KH", "PA", "ĐA", "DA", "BC",
    "BB", "TTr", "HĐ", "CĐ", "BGN", "GUQ", "GM", "GGT", "PG", "PC", "PB", "GNP", "TC",
})  # fmt: skip
OFFICIAL_LETTER = ("CV", "")  # công văn: no type code in its ký hiệu
ISSUED_BY_DRAFTING_UNIT = frozenset({"TTr"})  # the unit submits it in its own name
SYMBOLS_SETTING = "document_symbols"


def unit_symbols(session: Session, on: Any) -> dict[str, str]:
    """The setting `document_symbols` in force on the date (unit code → abbreviation)."""
    value = session.scalar(
        select(SettingValue.value)
        .where(SettingValue.key == SYMBOLS_SETTING, SettingValue.valid_from <= on)
        .order_by(SettingValue.valid_from.desc())
        .limit(1)
    )
    return dict(value) if isinstance(value, dict) else {}


def _symbol_of(tree: org.OrgTree, symbols: dict[str, str], unit_id: int) -> str:
    unit = tree.by_id[unit_id]
    if unit.code in symbols:
        return symbols[unit.code]
    if unit.kind in ADMINISTRATION_KINDS:
        return "UBND"
    raise ProcessFailed(
        N_("Đơn vị '{code}' chưa có ký hiệu văn bản: thêm vào quy định '{setting}'."),
        params={"code": unit.code, "setting": SYMBOLS_SETTING},
    )


def symbol_for(doc_type: str, number: int, issuer: str, drafting: str | None) -> str:
    """The number and ký hiệu as the document prints it after "Số:"."""
    if doc_type in OFFICIAL_LETTER:
        suffix = f"{issuer}-{drafting}" if drafting and drafting != issuer else issuer
        return f"{number:02d}/{suffix}"
    return f"{number:02d}/{doc_type}-{issuer}"


def next_number(session: Session, issuer_unit_id: int, year: int) -> int:
    """The issuing body's next number for the year, its counter row locked until commit.

    The row is created if missing without a race (insert … on conflict do nothing), then
    locked: a concurrent numbering waits for this command's commit and reads its number.
    """
    values = {"issuer_unit_id": issuer_unit_id, "year": year, "last_number": 0}
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(DocumentCounter).values(**values).on_conflict_do_nothing())
    counter = session.scalar(
        select(DocumentCounter)
        .where(DocumentCounter.issuer_unit_id == issuer_unit_id, DocumentCounter.year == year)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert counter is not None
    counter.last_number += 1
    return counter.last_number


def register_document(
    session: Session,
    tree: org.OrgTree,
    instance_id: int | None,
    instance_unit_id: int,
    now: datetime,
    doc_type: str,
    title: str = "",
    drafting_unit: str | None = None,
) -> dict[str, Any]:
    """Enter a document in the register: its number, ký hiệu, and the row that keeps it."""
    doc_type = (doc_type or "").strip()
    if doc_type not in NAMED_TYPES and doc_type not in OFFICIAL_LETTER:
        raise ProcessFailed(
            N_("Loại văn bản '{doc_type}' không có trong Nghị định 30/2020, Phụ lục III."),
            params={"doc_type": doc_type},
        )
    on = now.astimezone(LOCAL).date()
    drafting_id = tree.unit(drafting_unit).id if drafting_unit else instance_unit_id
    administration = tree.administration(instance_unit_id)
    issuer_id = tree.in_force_on(administration, on) or administration
    symbols = unit_symbols(session, on)
    issuer_symbol = _symbol_of(tree, symbols, issuer_id)
    drafting_symbol = None if drafting_id == issuer_id else _symbol_of(tree, symbols, drafting_id)
    if doc_type in ISSUED_BY_DRAFTING_UNIT and drafting_symbol is not None:
        issuer_id, issuer_symbol, drafting_symbol = drafting_id, drafting_symbol, None
    year = on.year  # the register runs by the local calendar year
    number = next_number(session, issuer_id, year)
    symbol = symbol_for(doc_type, number, issuer_symbol, drafting_symbol)
    entry = RegisterEntry(
        issuer_unit_id=issuer_id,
        year=year,
        number=number,
        symbol=symbol,
        doc_type=doc_type or "CV",
        title=str(title or "")[:2000],
        instance_id=instance_id,
        issued_at=now,
    )
    session.add(entry)
    session.flush()  # the unique constraint speaks now, inside the command
    return {
        "number": number,
        "year": year,
        "symbol": symbol,
        "issuer": tree.by_id[issuer_id].code,
        "entry": entry.id,
    }


def cancel_entries(session: Session, instance_id: int, now: datetime, reason: str) -> int:
    """Mark the instance's numbers cancelled (kept in the register, never handed out
    again); returns how many were marked."""
    result = session.execute(
        update(RegisterEntry)
        .where(RegisterEntry.instance_id == instance_id, RegisterEntry.cancelled_at.is_(None))
        .values(cancelled_at=now, cancel_reason=reason)
    )
    return int(getattr(result, "rowcount", 0) or 0)
