"""P4 (info_request.bpmn): citizens' information requests, Luật Tiếp cận thông tin 2016
Điều 24–31. Every path — provided, refused, extended, incomplete then completed (the clock
restarts), incomplete and never completed, not ours — and the answer deadline per channel
against working days counted by hand from the 2025 calendar (30/4–2/5 and 1–2/9 off,
Saturday 26/4 worked). Every letter to the citizen is a numbered công văn.
"""

import io
import zipfile
from datetime import date, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.commands.info_requests import digest, normalized
from engine.facade import Policyflow
from engine.store.db import transaction
from engine.store.models import (
    CaseRecord,
    CitizenLetter,
    Document,
    InfoRequest,
    Job,
    RegisterEntry,
)
from tasks.embedded import EmbeddedRunner
from tasks.senders import FolderMailer, FolderPublisher, Senders
from tasks.settings import Settings
from tests.processes import Case, at, utc

pytestmark = pytest.mark.usefixtures("every_instance_replays")

DISTRICT = "huyen-xuan-truong"  # until 30/6/2025
COMMUNE = "nb-xa-xuan-truong"  # from 1/7/2025
VALID_SIMPLE = {"validity": "valid", "complexity": "simple"}
VALID_COMPLEX = {"validity": "valid", "complexity": "complex"}
NO_RESTRICTION = {"restriction": "none"}
PROVIDE = {"decision": "provide"}
DELIVERED = {"information_provided": "Kế hoạch số 12/KH-UBND (bản sao).", "delivered_as": "email"}


def request_form(unit: str = DISTRICT, channel: str = "online", **extra: str) -> dict:
    return {
        "unit": unit,
        "requester_name": "Nguyễn Văn An",
        "requester_email": "an@example.org",
        "requester_phone": "0912345678",
        "requester_address": "Xóm 3, xã Xuân Ninh",
        "channel": channel,
        "request_content": "Đề nghị cung cấp kế hoạch truyền thông chính sách năm 2024.",
        **extra,
    }


def file(pf: Policyflow, now: datetime, **form: str) -> tuple[str, Case]:
    code = pf.info_requests.file(request_form(**form), [], "10.1.0.1", now=now)
    with transaction(pf.url) as s:
        row = s.scalar(select(InfoRequest).where(InfoRequest.code_hash == digest(code)))
        assert row is not None
        return code, Case(pf, row.instance_id, "citizen")


def letters(pf: Policyflow, instance_id: int) -> list[tuple[str, str]]:
    with transaction(pf.url) as s:
        rows = s.scalars(
            select(CitizenLetter).where(CitizenLetter.instance_id == instance_id)
            .order_by(CitizenLetter.id)
        )  # fmt: skip
        return [(r.kind, r.symbol) for r in rows]


def record(pf: Policyflow, instance_id: int) -> dict:
    with transaction(pf.url) as s:
        row = s.scalar(select(CaseRecord).where(CaseRecord.instance_id == instance_id))
        assert row is not None and row.kind == "info_request"
        return dict(row.figures)


def act_on(case: Case, username: str, element: str, data: dict, now: datetime) -> None:
    """Complete the open task as the user holds their roles on `now` (the inbox reads
    today's holdings: the commune's staff take office on 1/7/2025)."""
    (task,) = [t for t in case.pf.show(case.id)["open_tasks"] if t["element_id"] == element]
    case.pf.complete(task["id"], username, data, now=now)


def due_day(case: Case) -> date:
    return (utc(case.data()["answer_due_at"]) + timedelta(hours=7)).date()


def test_online_simple_request_is_provided_within_3_working_days(deployed: Policyflow) -> None:
    """Filed Thursday 24/4/2025: Friday 25/4, Saturday 26/4 (a make-up working day),
    Monday 28/4 → due 28/4/2025."""
    filed = at("2025-04-24T02:00:00+00:00")
    code, case = file(deployed, filed)
    assert len(normalized(code)) == 12
    assert case.open() == ["Check"]
    case.act("vp_ubnd", "Check", VALID_SIMPLE, filed)
    assert due_day(case) == date(2025, 4, 28)
    assert case.open() == ["Review"]
    case.act("tu_phap", "Review", NO_RESTRICTION, filed)
    case.act("ct_ubnd", "Decide", PROVIDE, filed)
    case.act("vp_ubnd", "Deliver", DELIVERED, filed + timedelta(days=1))
    assert case.status() == "completed"
    assert [k for k, _ in letters(deployed, case.id)] == ["receipt", "provision"]
    symbols = [s for _, s in letters(deployed, case.id)]
    assert all(s.endswith("/UBND-VP") for s in symbols), symbols
    assert record(deployed, case.id) == {
        "received": 1, "answered": 1, "on_time": 1, "refused": 0, "extended": 0,
        "redirected": 0, "withdrawn": 0,
    }  # fmt: skip
    with transaction(deployed.url) as s:  # each letter is e-mailed through the outbox
        mails = s.scalars(select(Job).where(Job.instance_id == case.id, Job.kind == "mail_citizen"))
        assert [j.payload["to"] for j in mails] == ["an@example.org"] * 2


def test_in_person_complex_request_extended_once(deployed: Policyflow) -> None:
    """In person, complex, Monday 28/4/2025: 10 working days skip 30/4–2/5 → Thursday
    15/5/2025; extended by 10 → Thursday 29/5/2025."""
    filed = at("2025-04-28T02:00:00+00:00")
    _, case = file(deployed, filed, channel="in_person")
    case.act("vp_ubnd", "Check", VALID_COMPLEX, filed)
    assert due_day(case) == date(2025, 5, 15)
    assert [k for k, _ in letters(deployed, case.id)] == ["receipt", "notice"]
    case.act("tu_phap", "Review", {"restriction": "partial", "restriction_ground": "Điều 7"}, filed)
    case.act("ct_ubnd", "Decide", {"decision": "extend", "extension_reason": "Cần tập hợp hồ sơ"},
             filed)  # fmt: skip
    assert due_day(case) == date(2025, 5, 29)
    assert case.open() == ["Decide"]
    assert utc(case.task("ct_ubnd", "Decide")["due_at"]) == at("2025-05-29T16:59:59+00:00")
    # A second extension is not granted: the decision is asked again.
    case.act("ct_ubnd", "Decide", {"decision": "extend", "extension_reason": "Lần nữa"}, filed)
    assert due_day(case) == date(2025, 5, 29)
    case.act("ct_ubnd", "Decide", PROVIDE, filed)
    case.act("vp_ubnd", "Deliver", DELIVERED, at("2025-06-02T02:00:00+00:00"))
    kinds = [k for k, _ in letters(deployed, case.id)]
    assert kinds == ["receipt", "notice", "extension", "provision"]
    figures = record(deployed, case.id)
    assert (figures["extended"], figures["on_time"], figures["answered"]) == (1, 0, 1)


def test_post_simple_request_after_the_district_goes_to_the_commune(deployed: Policyflow) -> None:
    """By post to xã Xuân Trường (tỉnh Ninh Bình), Tuesday 26/8/2025: 5 working days
    skip 1–2/9 → Thursday 4/9/2025."""
    filed = at("2025-08-26T02:00:00+00:00")
    _, case = file(deployed, filed, unit=COMMUNE, channel="post")
    act_on(case, "vp_ubnd", "Check", VALID_SIMPLE, filed)
    assert due_day(case) == date(2025, 9, 4)
    act_on(case, "tu_phap", "Review", NO_RESTRICTION, filed)
    act_on(case, "ct_ubnd", "Decide", PROVIDE, filed)
    act_on(case, "vp_ubnd", "Deliver", DELIVERED, filed)
    assert case.status() == "completed"
    assert record(deployed, case.id)["on_time"] == 1


def test_post_complex_and_in_person_simple_deadlines(deployed: Policyflow) -> None:
    """Post, complex, Tuesday 26/8/2025: 15 working days (1–2/9 off) → Thursday
    18/9/2025. In person, simple: at once — the end of the day of receipt."""
    filed = at("2025-08-26T02:00:00+00:00")
    _, case = file(deployed, filed, unit=COMMUNE, channel="post")
    act_on(case, "vp_ubnd", "Check", VALID_COMPLEX, filed)
    assert due_day(case) == date(2025, 9, 18)
    _, same_day = file(deployed, filed, unit=COMMUNE, channel="in_person")
    act_on(same_day, "vp_ubnd", "Check", VALID_SIMPLE, filed)
    assert due_day(same_day) == date(2025, 8, 26)


def test_refusal_is_a_numbered_letter_with_reasons(deployed: Policyflow) -> None:
    filed = at("2025-06-02T02:00:00+00:00")
    code, case = file(deployed, filed)
    case.act("vp_ubnd", "Check", VALID_SIMPLE, filed)
    case.act("tu_phap", "Review", {"restriction": "all", "restriction_ground": "Điều 6 khoản 1"},
             filed)  # fmt: skip
    case.act("ct_ubnd", "Decide", {"decision": "refuse", "refusal_reason": "Bí mật nhà nước"},
             filed)  # fmt: skip
    assert case.status() == "completed"
    (receipt, refusal) = letters(deployed, case.id)
    assert refusal[0] == "refusal"
    with transaction(deployed.url) as s:
        entries = s.scalars(
            select(RegisterEntry).where(RegisterEntry.instance_id == case.id)
            .order_by(RegisterEntry.number)
        ).all()  # fmt: skip
        assert [e.symbol for e in entries] == [receipt[1], refusal[1]]
        assert entries[1].number == entries[0].number + 1
        body = s.scalar(
            select(CitizenLetter.body).where(
                CitizenLetter.kind == "refusal", CitizenLetter.instance_id == case.id
            )
        )
        assert "Bí mật nhà nước" in (body or "")
    view = deployed.info_requests.track(code, "10.1.0.2", now=filed)
    assert view["status"] == "refused"
    assert record(deployed, case.id)["refused"] == 1


def test_incomplete_request_completed_restarts_the_clock(deployed: Policyflow) -> None:
    """Filed Monday 2/6/2025, incomplete; completed Thursday 5/6: 3 working days from
    the completion → Tuesday 10/6/2025 (from the filing it would have been 5/6)."""
    filed = at("2025-06-02T02:00:00+00:00")
    code, case = file(deployed, filed)
    case.act("vp_ubnd", "Check", {"validity": "incomplete", "missing_items": "Số văn bản"}, filed)
    assert case.open() == []
    assert deployed.info_requests.track(code, "10.1.0.3", filed)["status"] == "awaiting_completion"
    completed = at("2025-06-05T03:00:00+00:00")
    deployed.info_requests.complete(code, "Kế hoạch số 12/KH-UBND", [], "10.1.0.3", completed)
    assert case.open() == ["Check"]
    case.act("vp_ubnd", "Check", VALID_SIMPLE, completed)
    assert due_day(case) == date(2025, 6, 10)
    assert case.data()["completions"] == 1
    assert [k for k, _ in letters(deployed, case.id)] == ["receipt", "complete"]


def test_incomplete_request_never_completed_closes(deployed: Policyflow) -> None:
    filed = at("2025-06-02T02:00:00+00:00")
    code, case = file(deployed, filed)
    case.act("vp_ubnd", "Check", {"validity": "incomplete", "missing_items": "Số văn bản"}, filed)
    deployed.fire_due_timers(filed + timedelta(days=31))
    assert case.status() == "completed"
    assert deployed.info_requests.track(code, "10.1.0.4", filed)["status"] == "closed"
    assert record(deployed, case.id)["withdrawn"] == 1


def test_request_not_ours_is_redirected_in_writing(deployed: Policyflow) -> None:
    filed = at("2025-06-02T02:00:00+00:00")
    code, case = file(deployed, filed)
    case.act("vp_ubnd", "Check", {"validity": "not_ours", "redirect_to": "Sở Tài chính"}, filed)
    assert case.status() == "completed"
    assert [k for k, _ in letters(deployed, case.id)] == ["receipt", "redirect"]
    view = deployed.info_requests.track(code, "10.1.0.5", filed)
    assert view["status"] == "redirected"
    assert "Sở Tài chính" in view["letters"][-1]["body"]
    assert record(deployed, case.id)["redirected"] == 1


def test_without_an_email_the_letters_are_kept_but_not_mailed(deployed: Policyflow) -> None:
    filed = at("2025-06-02T02:00:00+00:00")
    form = request_form()
    del form["requester_email"]
    deployed.info_requests.file(form, [], "10.1.0.6", now=filed)
    with transaction(deployed.url) as s:
        assert s.scalar(select(CitizenLetter.symbol)) is not None
        assert s.scalar(select(Job.id).where(Job.kind == "mail_citizen")) is None


def test_the_office_enters_a_request_made_in_person(deployed: Policyflow) -> None:
    """A request made at the office is entered by the Văn phòng (start lane); an optional
    text left empty comes as "" as the start page sends it (web/forms.py)."""
    filed = at("2025-06-02T02:00:00+00:00")
    data = {**request_form(channel="in_person"), "requester_email": ""}
    case = Case.start(deployed, "info_request", "vp_ubnd", data, filed)
    case.act("vp_ubnd", "Check", VALID_SIMPLE, filed)
    assert due_day(case) == date(2025, 6, 2)  # in person, simple: the same day
    assert [k for k, _ in letters(deployed, case.id)] == ["receipt"]


def test_each_letter_is_a_document_with_its_own_number_and_an_email(
    deployed: Policyflow, tmp_path: Path
) -> None:
    """The background runner renders every letter from the ir_letter template (the letter's
    own register number in its header, engine/documents) and e-mails it to the requester."""
    filed = at("2025-06-02T02:00:00+00:00")
    _, case = file(deployed, filed)
    case.act("vp_ubnd", "Check", VALID_SIMPLE, filed)
    case.act("tu_phap", "Review", NO_RESTRICTION, filed)
    case.act("ct_ubnd", "Decide", {"decision": "refuse", "refusal_reason": "Bí mật nhà nước"},
             filed)  # fmt: skip
    senders = Senders(FolderMailer(tmp_path / "mail"), FolderPublisher(tmp_path / "portal"))
    EmbeddedRunner(deployed, Settings.from_env(), senders).tick(filed + timedelta(minutes=1))
    with transaction(deployed.url) as s:
        docs = s.scalars(select(Document).where(Document.instance_id == case.id)
                         .order_by(Document.id)).all()  # fmt: skip
        rendered = {d.symbol: d.content for d in docs}
    sent = letters(deployed, case.id)
    assert sorted(rendered) == sorted(symbol for _, symbol in sent)
    refusal = next(symbol for kind, symbol in sent if kind == "refusal")
    with zipfile.ZipFile(io.BytesIO(rendered[refusal])) as docx:
        xml = docx.read("word/document.xml").decode()
    assert f"Số: {refusal}" in xml and "Bí mật nhà nước" in xml and "Nguyễn Văn An" in xml
    mails = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(mails) == 2
    subjects = [message_from_bytes(m.read_bytes(), policy=policy.default)["Subject"] for m in mails]
    assert any(refusal in str(subject) for subject in subjects)
