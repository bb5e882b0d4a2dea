"""The outgoing-document register (issue 14 item 11, engine/rules/register.py): every
number is a register row per issuing body and local year, with the ký hiệu of Nghị định
30/2020 Phụ lục III; numbers run from 01 each year, never twice, never reused — also
under concurrency and after a cancellation."""

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from engine.access import org
from engine.facade import Policyflow
from engine.rules import register
from engine.store.db import transaction
from engine.store.models import DocumentCounter, RegisterEntry
from tests.conftest import NOW, PG_URL, reset_runtime
from tests.processes import DRAFT, REVIEW_OK, approve_document, start_document

# Each instance a test leaves must re-execute exactly from its audit log (issue 6).
replays = pytest.mark.usefixtures("every_instance_replays")


def entries(pf: Policyflow) -> list[RegisterEntry]:
    with transaction(pf.url) as s:
        rows = list(s.scalars(select(RegisterEntry).order_by(RegisterEntry.id)))
        s.expunge_all()
    return rows


@replays
@pytest.mark.parametrize(
    ("doc_type", "symbol"),
    [
        ("QĐ", "01/QĐ-UBND"),
        ("KH", "01/KH-UBND"),
        ("BC", "01/BC-UBND"),
        ("CV", "01/UBND-VHTT"),  # a công văn: no type code, issuer then drafting unit
        ("TTr", "01/TTr-VHTT"),  # a submission: the drafting unit's own register
    ],
)
def test_symbol_per_document_type(deployed: Policyflow, doc_type: str, symbol: str) -> None:
    case = start_document(deployed, doc_type)
    approve_document(case)
    assert case.data()["doc_number"] == symbol
    [entry] = entries(deployed)
    assert (entry.symbol, entry.number, entry.year, entry.doc_type) == (symbol, 1, 2024, doc_type)
    assert entry.instance_id == case.id and entry.cancelled_at is None
    assert entry.title == f"Văn bản {doc_type} về truyền thông chính sách"  # trích yếu
    with transaction(deployed.url) as s:
        tree = org.OrgTree.load(s)
    issuer = "phong-vhtt" if doc_type == "TTr" else "huyen-xuan-truong"
    assert tree.by_id[entry.issuer_unit_id].code == issuer
    assert case.data()["doc_number_result"]["issuer"] == issuer


@replays
def test_one_register_per_issuer_a_submission_does_not_take_the_committees_number(
    deployed: Policyflow,
) -> None:
    numbers = []
    for doc_type in ("QĐ", "TTr", "CV", "TTr", "BC"):
        case = start_document(deployed, doc_type)
        approve_document(case)
        numbers.append(case.data()["doc_number"])
    assert numbers == ["01/QĐ-UBND", "01/TTr-VHTT", "02/UBND-VHTT", "02/TTr-VHTT", "03/BC-UBND"]


@replays
def test_numbering_restarts_at_01_on_the_first_of_january(deployed: Policyflow) -> None:
    last_of_year = datetime(2024, 12, 31, 9, 0, tzinfo=UTC)  # 16:00 local, 31/12/2024
    new_year = datetime(2024, 12, 31, 17, 30, tzinfo=UTC)  # 00:30 local, 1/1/2025
    symbols = []
    for moment in (last_of_year, last_of_year + timedelta(hours=1), new_year):
        case = start_document(deployed, "QĐ", moment)
        approve_document(case, moment)
        symbols.append((case.data()["doc_number"], case.data()["doc_number_result"]["year"]))
    assert symbols == [("01/QĐ-UBND", 2024), ("02/QĐ-UBND", 2024), ("01/QĐ-UBND", 2025)]
    assert [(e.year, e.number) for e in entries(deployed)] == [(2024, 1), (2024, 2), (2025, 1)]


@replays
def test_a_cancelled_documents_number_is_kept_and_not_reused(deployed: Policyflow) -> None:
    first = start_document(deployed, "QĐ")
    first.act("cv_vhtt", "Draft", DRAFT)
    first.act("tp_vhtt", "Review", REVIEW_OK)
    first.act("vp_ubnd", "Format", {"format_decision": "ok"})
    first.act("ct_ubnd", "Sign", {"sign_decision": "sign"})
    assert first.open() == ["Dispatch"]  # numbered, not yet dispatched
    assert first.data()["doc_number_result"]["symbol"] == "01/QĐ-UBND"
    cancelled_at = NOW + timedelta(hours=2)
    assert deployed.cancel(first.id, "admin", now=cancelled_at) == "cancelled"
    [entry] = entries(deployed)
    assert entry.symbol == "01/QĐ-UBND" and entry.cancelled_at == cancelled_at
    assert entry.cancel_reason and "admin" in entry.cancel_reason

    second = start_document(deployed, "QĐ", NOW + timedelta(hours=3))
    approve_document(second, NOW + timedelta(hours=3))
    assert second.data()["doc_number"] == "02/QĐ-UBND"  # 01 stays the cancelled one's
    kept, issued = entries(deployed)
    assert (kept.number, kept.cancelled_at is not None) == (1, True)
    assert (issued.number, issued.cancelled_at) == (2, None)


def test_symbols_come_from_the_setting_and_unknown_types_are_refused() -> None:
    assert register.symbol_for("CV", 7, "UBND", "VHTT") == "07/UBND-VHTT"
    assert register.symbol_for("", 7, "UBND", None) == "07/UBND"
    assert register.symbol_for("QĐ", 123, "UBND", "VHTT") == "123/QĐ-UBND"
    assert register.symbol_for("TTr", 3, "VHTT", None) == "03/TTr-VHTT"


@pytest.mark.skipif(not PG_URL.startswith("postgres"), reason="needs DATABASE_URL (PostgreSQL)")
def test_two_numberings_at_once_get_consecutive_numbers(postgresql_url: str) -> None:
    """On PostgreSQL: the second waits on the counter row lock until the first commits,
    then takes the next number; no duplicate, no gap."""
    url = reset_runtime(postgresql_url)
    with transaction(url) as s:
        tree = org.OrgTree.load(s)
    unit = tree.unit("phong-vhtt").id
    first_numbered = threading.Event()
    results: dict[str, dict] = {}
    errors: list[BaseException] = []

    def number(name: str, hold: float) -> None:
        try:
            with transaction(url) as s:
                results[name] = register.register_document(
                    s, tree, None, unit, NOW, "QĐ", f"Văn bản {name}"
                )
                if name == "first":
                    first_numbered.set()
                    time.sleep(hold)  # the lock is held until this commit
        except BaseException as err:
            errors.append(err)

    first = threading.Thread(target=number, args=("first", 0.5))
    first.start()
    assert first_numbered.wait(10)
    started = time.monotonic()
    second = threading.Thread(target=number, args=("second", 0))
    second.start()
    first.join(10)
    second.join(10)
    assert not errors, errors
    assert time.monotonic() - started >= 0.3  # the second waited for the first's commit
    assert [results["first"]["symbol"], results["second"]["symbol"]] == [
        "01/QĐ-UBND",
        "02/QĐ-UBND",
    ]
    with transaction(url) as s:
        numbers = s.scalars(select(RegisterEntry.number).order_by(RegisterEntry.number))
        assert list(numbers) == [1, 2]
        assert s.scalar(select(DocumentCounter.last_number)) == 2
