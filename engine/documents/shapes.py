"""From a process's data to what a template prints: one shaping function per template
that needs more than the data as given (the consolidated report's annex rows and
totals, its sections as paragraphs, the plan's tasks with their status)."""

import importlib
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.documents.letterhead import vn_number
from engine.store.models import OrgUnit, User

Shape = Callable[[Session, dict[str, Any]], dict[str, Any]]

PLAN_STATUS_TEXT = {  # engine/rules/plan_tasks.py STATUS_LABELS, as a sentence says them
    "hoan_thanh": "hoàn thành",
    "dang_thuc_hien": "đang thực hiện",
    "chua_bat_dau": "chưa bắt đầu",
}
STATUS_NOTE = {"on_time": "Đúng hạn", "late": "Muộn", "not_reported": "Không báo cáo"}
PAIRS = {  # annex column → the unit report's figures it shows (one, or "a / b")
    "training": ("training_courses", "trainees"),
    "staff": ("comm_staff", "spokespersons"),
    "conferences": ("press_conferences",),
    "press": ("press_requests_received", "press_requests_answered"),
    "events": ("unexpected_events", "unexpected_events_on_time"),
    "portal": ("news_portal",),
    "centre": ("news_media_centre",),
    "loudspeaker": ("news_loudspeaker",),
    "drafts": ("draft_policies",),
    "fake_news": ("fake_news_detected", "fake_news_handled"),
    "budget": ("budget_spent",),
}


def paragraphs(text: Any) -> list[str]:
    """A text field as paragraphs (one per non-empty line); a list stays a list."""
    if isinstance(text, list):
        return [str(t) for t in text if str(t).strip()]
    return [line.strip() for line in str(text or "").splitlines() if line.strip()]


def _cells(report: dict[str, Any]) -> dict[str, str]:
    if report.get("status") == "not_reported":
        return dict.fromkeys(PAIRS, "-")
    return {
        column: " / ".join(vn_number(report.get(field, 0)) for field in fields)
        for column, fields in PAIRS.items()
    }


def annex(unit_reports: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """One row per unit (in the order the units report) and the total of those that did."""
    rows = []
    for no, report in enumerate(unit_reports, start=1):
        rows.append({
            "no": str(no),
            "name": str(report.get("name", "")),
            "note": STATUS_NOTE.get(str(report.get("status")), ""),
            **_cells(report),
        })  # fmt: skip
    reported = [r for r in unit_reports if r.get("status") != "not_reported"]
    total = {
        column: " / ".join(vn_number(sum(int(r.get(f) or 0) for r in reported)) for f in fields)
        for column, fields in PAIRS.items()
    }
    return rows, total


def plan_task_lines(session: Session, year: int) -> list[dict[str, str]] | None:
    """The plan's section II tasks, each with its lead units and the units' latest
    progress counted by status, when the plan module is installed
    (engine/rules/plan_tasks.py, issue 15 item 5); None when it is not."""
    try:
        module = importlib.import_module("engine.rules.plan_tasks")
    except ImportError:
        return None
    names = dict(session.execute(select(OrgUnit.code, OrgUnit.name)).tuples().all())
    progress = module.latest_progress(session, year)
    lines = []
    for task in module.plan_tasks(session, year):
        statuses = [str(v["status"]) for (code, _), v in progress.items() if code == task["code"]]
        lines.append({
            "no": str(task["code"]),
            "title": str(task["title"]).rstrip("."),
            "unit": ", ".join(names.get(c, c) for c in task["lead_units"] if c != "*")
            or "các cơ quan, đơn vị",
            "status": _status_text(statuses),
        })  # fmt: skip
    return lines


def _status_text(statuses: list[str]) -> str:
    """ "hoàn thành (3 đơn vị), đang thực hiện (1 đơn vị)", or that none reported."""
    if not statuses:
        return "chưa có đơn vị báo cáo tiến độ"
    counts = {s: statuses.count(s) for s in PLAN_STATUS_TEXT if s in statuses}
    return ", ".join(f"{PLAN_STATUS_TEXT[s]} ({n} đơn vị)" for s, n in counts.items())


def trich_yeu(title: Any, kind: str) -> str:
    """The trích yếu under the type's name: "Báo cáo kết quả …" under BÁO CÁO is
    "Kết quả …" (the type is not said twice)."""
    text = str(title or "").strip()
    if text.lower().startswith(kind.lower() + " "):
        text = text[len(kind) + 1 :]
        text = text[:1].upper() + text[1:]
    return text


def annual_report(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    """P3's consolidated report: sections I–V from the consolidation form, the annex from
    the units' submitted reports, section II's task list from the plan when present."""
    year = int(data.get("year") or 0)
    reports = list(data.get("unit_reports") or [])
    rows, total = annex(reports)
    reported = [r for r in reports if r.get("status") != "not_reported"]
    late = [str(r.get("name")) for r in reports if r.get("status") == "late"]
    missing = [str(r.get("name")) for r in reports if r.get("status") == "not_reported"]
    counts = (
        f"Có {len(reported)}/{len(reports)} đơn vị gửi báo cáo"
        + (f" ({len(late)} đơn vị gửi muộn: {', '.join(late)})" if late else "")
        + (f"; {len(missing)} đơn vị không báo cáo: {', '.join(missing)}" if missing else "")
        + "."
    )
    plan = plan_task_lines(session, year)
    issuer = str(data.get("issuer_title") or "Ủy ban nhân dân")
    return {
        "year": year,
        "summary": trich_yeu(
            data.get("doc_title") or f"Kết quả công tác truyền thông chính sách năm {year}",
            "Báo cáo",
        ),
        "basis": [
            f"Thực hiện Kế hoạch số {data.get('outline_ref') or '…'} về truyền thông chính "
            f"sách năm {year}, {issuer} báo cáo kết quả thực hiện như sau:",
        ],
        "leadership": paragraphs(data.get("leadership_summary"))
        or [f"{issuer} ban hành kế hoạch, chỉ đạo các cơ quan, đơn vị triển khai thực hiện."],
        "results": [counts, *paragraphs(data.get("results_summary"))],
        "plan_tasks": plan or [],
        "plan_module": plan is not None,
        "assessment": paragraphs(data.get("assessment_summary")),
        "next_year": paragraphs(data.get("next_year_tasks")),
        "proposals": paragraphs(data.get("proposals_summary")),
        "closing": [
            f"Trên đây là báo cáo kết quả công tác truyền thông chính sách năm {year}"
            f" của {issuer}./."
        ],
        "annex_rows": rows,
        "annex_total": total,
        "missing_units": missing,
    }


def letter(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    """A công văn or a typed document: summary, addressees and body paragraphs."""
    return {
        "summary": str(data.get("summary") or data.get("doc_title") or ""),
        "addressees": [str(a) for a in data.get("addressees") or []],
        "body": paragraphs(data.get("body")),
    }


REFUSAL_GROUNDS = {  # ps_decide.json refusal_ground → Luật Báo chí 2016, Điều 38 khoản 2
    "secret": "thông tin thuộc bí mật nhà nước, bí mật đời tư, bí mật khác theo quy định "
    "của pháp luật (điểm a khoản 2 Điều 38 Luật Báo chí)",
    "investigation": "vụ án đang được điều tra hoặc chưa xét xử (điểm b khoản 2 Điều 38 "
    "Luật Báo chí)",
    "inspection": "vụ việc đang được thanh tra, kiểm tra, giải quyết khiếu nại, tố cáo, chưa "
    "có kết luận (điểm c khoản 2 Điều 38 Luật Báo chí)",
    "draft": "văn bản chính sách, đề án đang trong quá trình soạn thảo, chưa được phép công "
    "bố (điểm d khoản 2 Điều 38 Luật Báo chí)",
}


def authorisation(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    """P1: the Chủ tịch authorises a Phó Chủ tịch to speak on this one case (Nghị định
    09/2017/NĐ-CP Điều 2 khoản 2: no further delegation)."""
    deputy = data.get("authorised_deputy_name") or data.get("authorised_deputy") or "…"
    case = str(data.get("case_title") or "")
    scope = str(data.get("authorisation_scope") or "").strip()
    return {
        "summary": f"Ủy quyền phát ngôn, cung cấp thông tin cho báo chí: {case}",
        "body": [
            "Căn cứ Nghị định số 09/2017/NĐ-CP ngày 09/02/2017 của Chính phủ quy định chi tiết "
            "việc phát ngôn và cung cấp thông tin cho báo chí của các cơ quan hành chính nhà "
            "nước;",
            f"Chủ tịch {data.get('issuer_title') or 'Ủy ban nhân dân'} ủy quyền cho ông (bà) "
            f"{deputy}, Phó Chủ tịch, phát ngôn, cung cấp thông tin cho báo chí về vụ việc: "
            f"{case}" + (f" ({scope})" if scope else "") + ".",
            "Người được ủy quyền không được ủy quyền tiếp cho người khác; văn bản ủy quyền "
            "được đăng trên Cổng thông tin điện tử./.",
        ],
    }


def refusal(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    """P1: the written refusal to a press agency, with its ground in the Press Law."""
    agency = data.get("refusal_recipient") or data.get("press_agency") or "Cơ quan báo chí"
    ground = REFUSAL_GROUNDS.get(str(data.get("refusal_ground") or ""), "")
    case = str(data.get("case_title") or "")
    return {
        "summary": f"Trả lời đề nghị cung cấp thông tin về vụ việc: {case}",
        "addressees": [str(agency)],
        "body": [
            f"Ủy ban nhân dân nhận được đề nghị cung cấp thông tin của Quý cơ quan về vụ việc: "
            f"{case}.",
            "Ủy ban nhân dân không cung cấp thông tin về vụ việc này"
            + (f" vì đây là {ground}" if ground else "")
            + (f". Lý do: {data.get('refusal_reason')}" if data.get("refusal_reason") else "")
            + ".",
            "Ủy ban nhân dân trân trọng thông báo để Quý cơ quan biết./.",
        ],
    }


SHAPES: dict[str, Shape] = {
    "ar_report": annual_report,
    "ps_authorisation": authorisation,
    "ps_refusal": refusal,
}


def with_names(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    """Users the model names by username, by their full names: each `<x>_username` key
    adds `<x>_name`; `signer_username` gives `signed_by` when the model has none."""
    found = dict(data)
    for key, value in data.items():
        if isinstance(value, dict):  # a register's entry, e.g. P1's spokesperson
            value = value.get("username")
        if key.endswith("_username") and isinstance(value, str) and value:
            name = session.scalar(select(User.full_name).where(User.username == value))
            found[key.removesuffix("_username") + "_name"] = name or value
    if found.get("signer_name") and not found.get("signed_by"):
        found["signed_by"] = found["signer_name"]
    return found


def shape(session: Session, template_key: str, data: dict[str, Any]) -> dict[str, Any]:
    """The template's context: the data, and what its shaping function derives."""
    return {**data, **SHAPES.get(template_key, letter)(session, data)}
