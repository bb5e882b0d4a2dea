"""Words (issue 14 item 15): one spelling style ("hủy", "xóa"), the terms of the trade
("Bỏ nhận việc" for giving a task back, "Số vào sổ theo dõi", "cơ quan quản lý nhà nước
về báo chí", signature blocks "TM. Ủy ban nhân dân – Chủ tịch" / "KT. Chủ tịch – Phó
Chủ tịch", "Nhánh đã thực hiện", "Mã lệnh (script)"), and dates in messages as people
write them — `09:00 ngày 05/11/2024`, never ISO 8601."""

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine.background.reminders import OVERDUE, _message
from engine.sandbox.helpers import vn_datetime
from engine.store.models import WorkItem
from tests.conftest import ROOT, WORKFLOWS

TEMPLATES = ROOT / "web" / "templates"
SOURCES = [
    *WORKFLOWS.glob("*.bpmn"),
    *WORKFLOWS.glob("forms/*.json"),
    *TEMPLATES.rglob("*.html"),
    *(ROOT / "web" / "views").glob("*.py"),
    *(ROOT / "engine").rglob("*.py"),
    ROOT / "cli" / "commands.py",
]
BANNED = {
    "huỷ": "hủy",
    "Huỷ": "Hủy",
    "xoá": "xóa",
    "Xoá": "Xóa",
    "Số thụ lý": "Số vào sổ theo dõi",
    "số thụ lý": "số vào sổ theo dõi",
    "cơ quan quản lý báo chí": "cơ quan quản lý nhà nước về báo chí",
    "Luồng đã đi": "Nhánh đã thực hiện",
    "Kịch bản (script)": "Mã lệnh (script)",
}


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(Path(p).relative_to(ROOT)))
def test_no_banned_spelling_or_word(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    found = {word: better for word, better in BANNED.items() if word in text}
    assert not found, f"{path.name}: write {found}"


def test_giving_a_task_back_is_not_returning_it() -> None:
    """'Trả lại' is the reviewer's decision (return for revision); unclaiming is
    'Bỏ nhận việc' wherever the unclaim form is."""
    for name in ("inbox.html", "task.html"):
        html = (TEMPLATES / name).read_text(encoding="utf-8")
        forms = re.findall(r"tasks\.unclaim.*?</form>", html, re.S)
        assert forms and all('_("Bỏ nhận việc")' in f for f in forms), name


def test_signature_blocks_follow_decree_30() -> None:
    sign = json.loads((WORKFLOWS / "forms" / "da_sign.json").read_text(encoding="utf-8"))
    titles = [o["title"] for o in sign["properties"]["signer_position"]["oneOf"]]
    assert titles == ["TM. Ủy ban nhân dân – Chủ tịch", "KT. Chủ tịch – Phó Chủ tịch"]


def test_messages_write_dates_the_vietnamese_way() -> None:
    assert vn_datetime("2024-11-05T02:00:00+00:00") == "09:00 ngày 05/11/2024"
    assert vn_datetime("2024-11-05T09:00:00+07:00") == "09:00 ngày 05/11/2024"
    assert vn_datetime("2024-11-05") == "ngày 05/11/2024"
    item = WorkItem(name="Soạn thảo", due_at=datetime(2024, 11, 5, 2, 0, tzinfo=UTC))
    message = _message(item, OVERDUE)
    assert message.params["due"] == "09:00 ngày 05/11/2024"
    iso = re.compile(r"\d{4}-\d{2}-\d{2}")
    for path in WORKFLOWS.glob("*.bpmn"):  # a message built from a moment formats it
        for value in re.findall(
            r'<spiffworkflow:parameter id="message"[^>]*value="([^"]*)"',
            path.read_text(encoding="utf-8"),
        ):
            uses_moment = re.search(r"\b(after|before|now)\(", value)
            assert not uses_moment or "vn_datetime(" in value, f"{path.name}: {value}"
            assert not iso.search(value), f"{path.name}: {value}"
