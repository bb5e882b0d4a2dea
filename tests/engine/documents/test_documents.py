"""Official documents out of P3 (issue 15): the consolidated report BC-UBND and the
reminder letter rendered from the version's .docx templates by the background job, in
the Nghị định 30/2020 format, their SHA-256 in the audit log and reproduced by verify,
a PDF through LibreOffice checked as an image; a changed template used by the next
instance while the running one keeps its own.

Three reporting units (the others set not to report for the test): two report in time,
the third misses the deadline (the reminder letter goes out) and reports late.
"""

import hashlib
import io
import os
import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from docx import Document as open_docx
from docx.shared import Mm
from sqlalchemy import select, update

from cli.main import main
from engine.errors import InvalidInput, NotFound, PermissionDenied
from engine.facade import JobState, Policyflow
from engine.store.db import transaction
from engine.store.models import Document, OrgUnit, RegisterEntry, User
from tasks.embedded import EmbeddedRunner
from tasks.senders import FolderMailer, FolderPublisher, Senders
from tasks.settings import Settings
from tests.conftest import NOW
from tests.processes import (
    AR_START,
    ASSESS_CRISIS,
    AUTHORISE,
    CRISIS_START,
    REFUSE,
    REGISTER,
    UNIT_FIGURES,
    Case,
    at,
    ensure_unit_officers,
    handle_request,
    press_start,
    unit_report,
)

from .pages import pages

pytestmark = pytest.mark.usefixtures("every_instance_replays")

UNITS = {  # unit → its distinct figures (trainees, budget), to find in the annex
    "phong-vhtt": (11, 1_100_000),
    "xa-tra-lu": (22, 2_200_000),
    "xa-xuan-ninh": (33, 3_300_000),  # late: the reminder letter names it
}
REPORTED_AT = at("2024-11-01T02:00:00+00:00")
LATE_CHECK = at("2024-11-20T01:05:00+00:00")  # 08:05 local on 20/11: after the deadline
NEXT_DAY = at("2024-11-21T02:00:00+00:00")
RECIPIENTS = "Sở Thông tin và Truyền thông tỉnh Nam Định\nThường trực Huyện ủy"
DISPATCH = {"issued_date": "2024-11-21", "recipients": RECIPIENTS, "dispatch_channel": "both"}
CONSOLIDATION = {
    "doc_title": "Báo cáo kết quả công tác truyền thông chính sách năm 2024",
    "results_summary": "Các đơn vị triển khai đầy đủ nhiệm vụ của Kế hoạch.",
    "assessment_summary": "Hoàn thành kế hoạch.",
    "next_year_tasks": "Tiếp tục triển khai.",
    "proposals_summary": "Hỗ trợ kinh phí cấp xã.",
}
TEMPLATES = Path(__file__).resolve().parents[3] / "workflows" / "templates"
OUTPUT = Path(os.environ.get("POLICYFLOW_TEST_OUTPUT", "/tmp/policyflow-test-output"))


def only_three_units(pf: Policyflow) -> dict[str, tuple[str, str]]:
    """The three units report; every other unit is set not to (put back after the test
    by the reference-data restore)."""
    with transaction(pf.url) as s:
        s.execute(update(OrgUnit).where(OrgUnit.code.not_in(list(UNITS))).values(reports=False))
    officers = ensure_unit_officers(pf)
    assert sorted(officers) == sorted(UNITS)
    return officers


def run_jobs(pf: Policyflow, tmp_path: Path, now) -> None:
    """What the embedded scheduler does each second: every due job, the ones they add."""
    settings = Settings.from_env()
    senders = Senders(FolderMailer(tmp_path / "mail"), FolderPublisher(tmp_path / "portal"))
    EmbeddedRunner(pf, settings, senders).tick(now)


def figures(code: str) -> dict:
    trainees, budget = UNITS[code]
    return {"trainees": trainees, "budget_spent": budget}


def drive_report(pf: Policyflow, officers: dict) -> Case:
    """P3 from the start to the report sent; Xuân Ninh misses the deadline."""
    case = Case.start(pf, "annual_report", "cv_vhtt", AR_START)
    for code in UNITS:
        if code != "xa-xuan-ninh":
            unit_report(case, code, officers, REPORTED_AT, **figures(code))
    assert list(pf.fire_due_timers(LATE_CHECK)) == [case.id]
    approve(case, LATE_CHECK)  # the reminder letter, signed by the Phó Chủ tịch
    unit_report(case, "xa-xuan-ninh", officers, NEXT_DAY, **figures("xa-xuan-ninh"))
    done_at = NEXT_DAY + timedelta(hours=2)
    case.act("cv_vhtt", "Consolidate", CONSOLIDATION, done_at)
    approve(case, done_at)
    assert case.status() == "completed"
    return case


def approve(case: Case, now) -> None:
    case.act("cv_vhtt", "Draft", {"draft_summary": "Dự thảo", "draft_file": "du-thao.docx"}, now)
    case.act("tp_vhtt", "Review", {"review_decision": "approve"}, now)
    case.act("vp_ubnd", "Format", {"format_decision": "ok"}, now)
    case.act("pct_ubnd", "Sign", {"sign_decision": "sign"}, now)
    case.act("van_thu", "Dispatch", DISPATCH, now)


def texts(doc) -> list[str]:
    return [p.text for p in doc.paragraphs]


def cell_texts(table) -> list[list[str]]:
    return [[cell.text.strip() for cell in row.cells] for row in table.rows]


def test_p3_ends_in_a_numbered_report_with_every_units_figures(
    deployed: Policyflow, tmp_path: Path
) -> None:
    pf = deployed
    officers = only_three_units(pf)
    case = drive_report(pf, officers)
    assert pf.documents.of_instance(case.id, "cv_vhtt") == []  # not yet: a job renders
    run_jobs(pf, tmp_path, NEXT_DAY + timedelta(hours=3))

    documents = pf.documents.of_instance(case.id, "cv_vhtt")
    assert [d["template"] for d in documents] == ["ar_reminder", "ar_report"]
    reminder, report = documents
    with transaction(pf.url) as s:
        numbers = {
            e.doc_type: e.symbol
            for e in s.scalars(select(RegisterEntry).where(RegisterEntry.instance_id == case.id))
        }
    assert report["symbol"] == numbers["BC"] == case.data()["doc_number"]
    assert reminder["symbol"] == numbers["CV"]

    name, kind, content = pf.documents.file(report["id"], "docx", "cv_vhtt")
    assert name.endswith(".docx") and kind.endswith("wordprocessingml.document")
    doc = open_docx(io.BytesIO(content))
    check_format(doc)
    header = cell_texts(doc.tables[0])
    assert header[0][0].split("\n")[:2] == ["ỦY BAN NHÂN DÂN", "HUYỆN XUÂN TRƯỜNG"]
    assert header[0][1].split("\n")[:2] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
    ]
    assert header[1][0] == f"Số: {numbers['BC']}"
    assert re.fullmatch(r"Xuân Trường, ngày 21 tháng 11 năm 2024", header[1][1])
    body = texts(doc)
    assert "BÁO CÁO" in body and "Kết quả công tác truyền thông chính sách năm 2024" in body
    for heading in ("I. CÔNG TÁC LÃNH ĐẠO", "II. KẾT QUẢ", "III. ĐÁNH GIÁ", "IV. PHƯƠNG", "V. ĐỀ"):
        assert any(t.startswith(heading) for t in body), heading
    assert any("Có 3/3 đơn vị gửi báo cáo (1 đơn vị gửi muộn: Xã Xuân Ninh)" in t for t in body)
    signature = cell_texts(doc.tables[-2])[0]  # the last table is the annex
    assert signature[0].split("\n")[:4] == [
        "Nơi nhận:",
        "- Sở Thông tin và Truyền thông tỉnh Nam Định;",
        "- Thường trực Huyện ủy;",
        "- Lưu: VT, VHTT.",
    ]
    block = [line for line in signature[1].split("\n") if line]
    assert block == ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", pf.show(case.id)["data"]["signed_by"]]

    annex = cell_texts(doc.tables[-1])
    rows = {row[1]: row for row in annex[1:-1]}
    assert set(rows) == {"Phòng Văn hóa và Thông tin", "Xã Trà Lũ", "Xã Xuân Ninh"}
    for code, (trainees, budget) in UNITS.items():
        row = next(r for r in annex if r[1] == pf_name(pf, code))
        assert row[2] == f"{UNIT_FIGURES['training_courses']} / {trainees}"
        assert row[12] == f"{budget:,}".replace(",", ".")
    assert rows["Xã Xuân Ninh"][13] == "Muộn" and rows["Xã Trà Lũ"][13] == "Đúng hạn"
    assert annex[-1][1] == "Tổng cộng" and annex[-1][12] == "6.600.000"

    # The audit log holds the file's hash; verify renders it again and compares.
    [event] = [e for e in pf.history(case.id) if e["payload"].get("document_id") == report["id"]]
    assert (event["command"], event["actor"]) == ("document", "system")
    assert event["payload"]["sha256"] == report["sha256"]
    assert hashlib.sha256(content).hexdigest() == report["sha256"]
    assert pf.audit.verify(case.id)["verified"] is True
    assert policyflow_verify(pf, case.id).exit_code == 0  # the command, as an auditor runs it
    with transaction(pf.url) as s:  # a file edited in the database is found out
        s.execute(update(Document).where(Document.id == report["id"]).values(content=b"x"))
    verdict = pf.audit.verify(case.id)
    assert verdict["verified"] is False and "kept file" in str(verdict)
    failed = policyflow_verify(pf, case.id)
    assert failed.exit_code == 1 and "kept file" in failed.output
    with transaction(pf.url) as s:
        s.execute(update(Document).where(Document.id == report["id"]).values(content=content))
    assert pf.audit.verify(case.id)["verified"] is True

    # The reminder letter: a công văn (no type heading), its V/v, the late unit named.
    _, _, letter = pf.documents.file(reminder["id"], "docx", "cv_vhtt")
    letter_doc = open_docx(io.BytesIO(letter))
    check_format(letter_doc)
    number_cell = cell_texts(letter_doc.tables[0])[1][0].split("\n")
    assert number_cell[0] == f"Số: {numbers['CV']}" and number_cell[1].startswith("V/v đôn đốc")
    assert "Kính gửi: Xã Xuân Ninh." in texts(letter_doc)

    check_pdf(pf, report["id"], reminder["id"])


def policyflow_verify(pf: Policyflow, instance_id: int) -> Result:
    """`policyflow verify INSTANCE` on the test's database."""
    env = {"DATABASE_URL": pf.url}
    return CliRunner().invoke(main, ["verify", str(instance_id)], env=env, catch_exceptions=False)


def pf_name(pf: Policyflow, code: str) -> str:
    with transaction(pf.url) as s:
        return s.scalar(select(OrgUnit.name).where(OrgUnit.code == code)) or code


def mm(length: int) -> float:
    """A length in millimetres, to 0.1 mm (Word keeps twips: 15 mm is 14.99)."""
    return round(length / Mm(1), 1)


def check_format(doc) -> None:
    """Phụ lục I: A4, margins, Times New Roman 13–14 (the body's style)."""
    first = doc.sections[0]
    assert (mm(first.page_width), mm(first.page_height)) == (210, 297)
    assert 20 <= mm(first.top_margin) <= 25 and 20 <= mm(first.bottom_margin) <= 25
    assert 30 <= mm(first.left_margin) <= 35 and 15 <= mm(first.right_margin) <= 20
    normal = doc.styles["Normal"].font
    assert normal.name == "Times New Roman" and 13 <= normal.size.pt <= 14
    runs = [r for p in doc.paragraphs for r in p.runs if r.text.strip()]
    assert all(r.font.name in (None, "Times New Roman") for r in runs)
    assert all(r.font.size is None or 11 <= r.font.size.pt <= 14 for r in runs)


def check_pdf(pf: Policyflow, report_id: int, reminder_id: int) -> None:
    """The PDFs LibreOffice made, looked at as images: the report's pages portrait then
    the annex landscape; ink where the header's two blocks stand, none in the margins."""
    if shutil.which("soffice") is None:
        view = pf.documents.of_instance(pf.documents.file(report_id, "docx", None) and 1, None)
        pytest.fail(f"LibreOffice is not installed (pdf_error: {view})")
    name, kind, pdf = pf.documents.file(report_id, "pdf", "cv_vhtt")
    assert (name.endswith(".pdf"), kind) == (True, "application/pdf")
    shown = pages(pdf, save_to=OUTPUT / "ar_report")
    assert len(shown) >= 2
    first, annex = shown[0], shown[-1]
    assert not first.landscape and annex.landscape
    assert first.ink(0.16, 0.07, 0.45, 0.13) > 0.01  # ỦY BAN NHÂN DÂN / HUYỆN XUÂN TRƯỜNG
    assert first.ink(0.50, 0.07, 0.90, 0.13) > 0.01  # the national motto
    assert first.ink(0.0, 0.0, 1.0, 0.05) == 0.0  # the top margin is blank
    assert first.ink(0.0, 0.0, 0.12, 1.0) == 0.0  # so is the left one (30 mm ≈ 14 %)
    assert first.ink(0.94, 0.0, 1.0, 1.0) == 0.0  # and the right one (15 mm ≈ 7 %)
    assert annex.ink(0.10, 0.15, 0.95, 0.6) > 0.03  # the annex table
    _, _, letter_pdf = pf.documents.file(reminder_id, "pdf", "cv_vhtt")
    [letter] = pages(letter_pdf)
    assert letter.ink(0.16, 0.07, 0.45, 0.13) > 0.01 and not letter.landscape


def changed_template() -> bytes:
    """The shipped report template as a process owner would change it in Word: one more
    line, with a field of its own."""
    doc = open_docx(str(TEMPLATES / "ar_report.docx"))
    doc.add_paragraph("Mẫu sửa đổi, áp dụng cho báo cáo năm {{ year }}")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def report_text(pf: Policyflow, instance_id: int) -> str:
    [report] = [
        d for d in pf.documents.of_instance(instance_id, None) if d["template"] == "ar_report"
    ]
    _, _, content = pf.documents.file(report["id"], "docx", None)
    return "\n".join(texts(open_docx(io.BytesIO(content))))


def test_a_changed_template_serves_the_next_instance_the_running_one_keeps_its_own(
    deployed: Policyflow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pf = deployed
    officers = only_three_units(pf)
    before = Case.start(pf, "annual_report", "cv_vhtt", AR_START)
    with pytest.raises(PermissionDenied):  # only a process owner changes a template
        pf.documents.upload_template("annual_report", "ar_report", changed_template(), "cv_vhtt")
    with pytest.raises(InvalidInput):  # not a .docx
        pf.documents.upload_template("annual_report", "ar_report", b"PK no", "chu_quy_trinh")
    deployed_again = pf.documents.upload_template(
        "annual_report", "ar_report", changed_template(), "chu_quy_trinh"
    )
    assert deployed_again["created"] is True
    new = pf.documents.templates("annual_report", deployed_again["version"], "chu_quy_trinh")
    old = pf.documents.templates("annual_report", deployed_again["version"] - 1, "chu_quy_trinh")
    assert {t["key"] for t in new} == {t["key"] for t in old} == {"ar_report", "ar_reminder"}
    changed = {t["key"] for t in new} - {t["key"] for t in new if t in old}
    assert changed == {"ar_report"}
    after = Case.start(pf, "annual_report", "cv_vhtt", AR_START)

    for case in (before, after):
        for code in UNITS:
            unit_report(case, code, officers, REPORTED_AT, **figures(code))
        done_at = NEXT_DAY + timedelta(hours=2)
        case.act("cv_vhtt", "Consolidate", CONSOLIDATION, done_at)
        approve(case, done_at)
    # Without LibreOffice on the server the .docx is made all the same; the PDF job fails
    # and says why, beside the document.
    monkeypatch.setenv("POLICYFLOW_SOFFICE", str(tmp_path / "no-soffice"))
    run_jobs(pf, tmp_path, NEXT_DAY + timedelta(hours=3))
    for case in (before, after):
        [document] = pf.documents.of_instance(case.id, None)
        assert document["pdf"] is False and "LibreOffice" in str(document["pdf_error"])
        with pytest.raises(NotFound):
            pf.documents.file(document["id"], "pdf", None)
    assert pf.jobs.counts().get(JobState.FAILED) == 2

    assert "Mẫu sửa đổi" not in report_text(pf, before.id)
    assert "Mẫu sửa đổi, áp dụng cho báo cáo năm 2024" in report_text(pf, after.id)
    assert pf.audit.verify(before.id)["verified"] and pf.audit.verify(after.id)["verified"]


def test_the_crisis_teams_decision_is_a_numbered_qd(deployed: Policyflow, tmp_path: Path) -> None:
    """P2: once signed and numbered, the decision forming the team (QĐ-UBND) is rendered
    from ct_decision.docx: its type, trích yếu, articles, signer."""
    case = Case.start(deployed, "crisis_team", "cv_vhtt", CRISIS_START)
    case.act("tp_vhtt", "Assess", ASSESS_CRISIS, NOW)
    team = {"proposal_summary": "Thành lập Tổ", "team_leader": "Phó Chủ tịch UBND huyện",
            "team_members": "VH&TT, Công an, Tư pháp, UBND xã Xuân Bắc"}  # fmt: skip
    case.act("cv_vhtt", "Draft_team", team, NOW)
    case.act("vp_ubnd", "Vp_review", {"vp_comments": "Nhất trí"}, NOW)
    approve(case, NOW)
    run_jobs(deployed, tmp_path, NOW)
    [decision] = deployed.documents.of_instance(case.id, "cv_vhtt")
    assert (decision["template"], decision["symbol"]) == ("ct_decision", "01/QĐ-UBND")
    _, _, content = deployed.documents.file(decision["id"], "docx", None)
    doc = open_docx(io.BytesIO(content))
    check_format(doc)
    body = texts(doc)
    assert "QUYẾT ĐỊNH" in body and any(t.startswith("Về việc thành lập Tổ công tác") for t in body)
    assert any(t.startswith("Điều 1. Thành lập Tổ công tác") and team["team_members"] in t
               for t in body)  # fmt: skip
    assert cell_texts(doc.tables[0])[1][0] == "Số: 01/QĐ-UBND"
    signature = [line for line in cell_texts(doc.tables[-1])[0][1].split("\n") if line]
    assert signature[:2] == ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]
    assert deployed.audit.verify(case.id)["verified"] is True


def test_p1s_authorisation_and_refusal_letters(deployed: Policyflow, tmp_path: Path) -> None:
    """P1 with the Chủ tịch away: the authorisation (GUQ) names the Phó Chủ tịch by name
    and is signed by the Chủ tịch; the refusal (a công văn, V/v under its number) goes to
    the press agency with its ground in the Press Law, signed by the Phó Chủ tịch."""
    case = Case.start(deployed, "press_statement", "cv_vhtt", press_start())
    case.act("cv_vhtt", "Register", {**REGISTER, "chairman_available": "unavailable"})
    case.act("ct_ubnd", "Authorise", AUTHORISE)
    published = {
        "authorisation_published_at": "2024-10-01T18:00:00+07:00",
        "authorisation_url": "https://xuantruong.namdinh.gov.vn/uy-quyen/15",
    }
    case.act("tt_vhtttt", "Publish_auth", published)
    handle_request(case, decision=REFUSE, spokesperson="pct_ubnd")
    case.act("pct_ubnd", "Refusal", {"refusal_sent_at": "2024-10-02T09:00:00+07:00"})
    assert case.status() == "completed"
    run_jobs(deployed, tmp_path, NOW + timedelta(days=2))

    authorisation, refusal = deployed.documents.of_instance(case.id, None)
    data = case.data()
    assert authorisation["symbol"] == data["authorisation_number"]
    assert refusal["symbol"] == data["refusal_letter_number"]
    names = {u: deployed_name(deployed, u) for u in ("ct_ubnd", "pct_ubnd")}

    doc = open_docx(io.BytesIO(deployed.documents.file(authorisation["id"], "docx", None)[2]))
    check_format(doc)
    body = "\n".join(texts(doc))
    assert "GIẤY ỦY QUYỀN" in body and f"ông (bà) {names['pct_ubnd']}, Phó Chủ tịch" in body
    assert AUTHORISE["authorisation_scope"] in body
    block = [line for line in cell_texts(doc.tables[-1])[0][1].split("\n") if line]
    assert block == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", names["ct_ubnd"]]

    letter = open_docx(io.BytesIO(deployed.documents.file(refusal["id"], "docx", None)[2]))
    check_format(letter)
    number = cell_texts(letter.tables[0])[1][0].split("\n")
    assert number[0] == f"Số: {data['refusal_letter_number']}"
    assert number[1].startswith("V/v Trả lời đề nghị cung cấp thông tin")
    text = "\n".join(texts(letter))
    assert f"Kính gửi: {data['press_agency']}." in text
    assert "điểm b khoản 2 Điều 38 Luật Báo chí" in text and REFUSE["refusal_reason"] in text
    block = [line for line in cell_texts(letter.tables[-1])[0][1].split("\n") if line]
    assert block == ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", names["pct_ubnd"]]
    assert deployed.audit.verify(case.id)["verified"] is True


def deployed_name(pf: Policyflow, username: str) -> str:
    with transaction(pf.url) as s:
        return s.scalar(select(User.full_name).where(User.username == username)) or ""
