"""The consolidated annual report (P3, issue 15) for 26 reporting units: how long the
background job takes to make it — the context shaped from the units' reports (annex rows,
totals, sections), the shipped template rendered with docxtpl into a deterministic .docx,
its SHA-256 — and how long LibreOffice takes to make the PDF. Prints the figures and the
machine:

    .venv/bin/python bench/documents.py        # BENCH_ROUNDS (20) renders, 3 PDFs

No database: the letterhead is given (what engine/documents/letterhead.py reads from the
register and the org data), the plan's task list is left empty.
"""

import os
import platform
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.machine import cpu_model  # noqa: E402
from engine.documents import pdf, shapes  # noqa: E402
from engine.documents.letterhead import recipients, signature  # noqa: E402
from engine.documents.render import render, sha256  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "20"))
UNITS = 26
TEMPLATE = (ROOT / "workflows" / "templates" / "ar_report.docx").read_bytes()
FIGURES = {
    "training_courses": 2, "trainees": 45, "comm_staff": 3, "spokespersons": 1,
    "press_conferences": 1, "press_requests_received": 4, "press_requests_answered": 4,
    "unexpected_events": 1, "unexpected_events_on_time": 1, "news_portal": 24,
    "news_media_centre": 12, "news_loudspeaker": 96, "draft_policies": 2,
    "fake_news_detected": 1, "fake_news_handled": 1, "budget_spent": 12_500_000,
}  # fmt: skip
HEAD = {
    "issuer_parent": "ỦY BAN NHÂN DÂN",
    "issuer_name": "HUYỆN XUÂN TRƯỜNG",
    "issuer_title": "UBND huyện Xuân Trường",
    "number": "215/BC-UBND",
    "place_date": "Xuân Trường, ngày 25 tháng 11 năm 2024",
    "date_text": "25/11/2024",
    "date": "2024-11-25",
    "recipients": recipients("Sở Thông tin và Truyền thông tỉnh Nam Định\nThường trực Huyện ủy"),
    **signature("pho_chu_tich", "Trần Văn Phó"),
}


def data() -> dict:
    reports = [
        {"code": f"u{i}", "name": f"Đơn vị số {i}", "status": "late" if i % 9 == 0 else "on_time",
         **FIGURES}
        for i in range(1, UNITS + 1)
    ]  # fmt: skip
    return {
        "year": 2024,
        "outline_ref": "150/KH-UBND",
        "doc_title": "Báo cáo kết quả công tác truyền thông chính sách năm 2024",
        "unit_reports": reports,
        "results_summary": "Các cơ quan, đơn vị triển khai đầy đủ nhiệm vụ.",
        "assessment_summary": "Hoàn thành kế hoạch.",
        "next_year_tasks": "Tiếp tục triển khai.",
        "proposals_summary": "Hỗ trợ kinh phí cấp xã.",
        **HEAD,
    }


def one_render() -> tuple[float, bytes]:
    start = time.perf_counter()
    shapes.plan_task_lines = lambda session, year: []  # no database here
    context = {**shapes.shape(None, "ar_report", data()), **HEAD}  # type: ignore[arg-type]
    content = render(TEMPLATE, context, date(2024, 11, 25))
    sha256(content)
    return time.perf_counter() - start, content


def main() -> None:
    print(
        f"machine: {platform.node()} | {cpu_model()} | {os.cpu_count()} cores | "
        f"Python {platform.python_version()}"
    )
    one_render()  # warm-up: imports, Jinja's compiled template cache
    renders = [one_render() for _ in range(ROUNDS)]
    times = [t for t, _ in renders]
    content = renders[-1][1]
    assert all(c == content for _, c in renders), "rendering is not deterministic"
    print(
        f"annual report, {UNITS} units: .docx rendered in {statistics.median(times) * 1000:.0f} ms "
        f"(median of {ROUNDS}; min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}), "
        f"{len(content) / 1024:.0f} KiB, identical bytes every time"
    )
    if pdf.soffice() is None:
        print("PDF: LibreOffice (soffice) not installed")
        return
    pdfs, size = [], 0
    for _ in range(3):
        start = time.perf_counter()
        made = pdf.to_pdf(content)
        pdfs.append(time.perf_counter() - start)
        assert made.content is not None, made.error
        size = len(made.content)
    print(
        f"PDF through LibreOffice headless: {statistics.median(pdfs):.2f} s (median of 3, "
        f"a fresh profile each; min {min(pdfs):.2f} s), {size / 1024:.0f} KiB"
    )


if __name__ == "__main__":
    main()
