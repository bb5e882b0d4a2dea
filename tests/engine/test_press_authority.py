"""Agencies as data with dates (issue 14 item 14): the press-management agency is the
setting `press_authority` (data/rules/settings.yaml), not text in forms and models. A
case started in 2024 reports to Sở Thông tin và Truyền thông tỉnh Nam Định; one started
after 1/3/2025 (Nghị định 43/2025/NĐ-CP) to Sở Văn hóa, Thể thao và Du lịch; from
1/7/2025 the agency of tỉnh Ninh Bình. A form field names the setting with
`x-default-setting`, an instruction with `{press_authority}`."""

import json
from datetime import UTC, date, datetime

import pytest

from engine.facade import Policyflow, read_forms
from engine.store.db import transaction
from tests.conftest import DATA, NOW, WORKFLOWS

NAM_DINH_TTTT = "Sở Thông tin và Truyền thông tỉnh Nam Định"
NAM_DINH_VHTTDL = "Sở Văn hóa, Thể thao và Du lịch tỉnh Nam Định"
NINH_BINH_VHTTDL = "Sở Văn hóa, Thể thao và Du lịch tỉnh Ninh Bình"


@pytest.mark.parametrize(
    ("started", "agency"),
    [
        (datetime(2024, 10, 1, 2, 0, tzinfo=UTC), NAM_DINH_TTTT),
        (datetime(2025, 2, 28, 9, 0, tzinfo=UTC), NAM_DINH_TTTT),  # 16:00 local, 28/2
        (datetime(2025, 3, 10, 2, 0, tzinfo=UTC), NAM_DINH_VHTTDL),
    ],
)
def test_a_case_reports_to_the_agency_in_force_when_it_started(
    pf: Policyflow, started: datetime, agency: str
) -> None:
    xml = (DATA / "press_escalate.bpmn").read_text(encoding="utf-8")
    pf.deploy(xml, read_forms(DATA / "press_forms"), now=NOW)  # its own form folder
    case = pf.start("press_escalate", "cv_vhtt", {}, now=started)
    [task] = [t for t in pf.inbox("cv_vhtt")["items"] if t["instance_id"] == case["id"]]
    detail = pf.task(task["id"], "cv_vhtt")  # read on the suite's clock (2/6/2025)
    props = detail["form_schema"]["properties"]
    assert props["escalated_to"]["default"] == agency
    assert props["sent_to"]["default"] == f"{agency}; Lưu: VT, VHTT"
    assert detail["instructions"] == (
        f"Báo cáo {agency} (cơ quan quản lý nhà nước về báo chí); {{unknown}} giữ nguyên."
    )


def test_the_setting_follows_the_merger_and_the_new_province(pf: Policyflow) -> None:
    with transaction(pf.url) as s:
        on = {d: pf.runtime.settings(s, d)["press_authority"] for d in (
            date(2024, 12, 31), date(2025, 3, 1), date(2025, 6, 30), date(2025, 7, 1)
        )}  # fmt: skip
    assert list(on.values()) == [NAM_DINH_TTTT, NAM_DINH_VHTTDL, NAM_DINH_VHTTDL, NINH_BINH_VHTTDL]


def test_no_shipped_form_or_model_names_the_agency_itself() -> None:
    for path in [*WORKFLOWS.glob("*.bpmn"), *WORKFLOWS.glob("forms/*.json")]:
        text = path.read_text(encoding="utf-8")
        for name in ("Sở Thông tin và Truyền thông", "Sở TT&amp;TT", "Sở TT&TT"):
            assert name not in text, f"{path.name} names '{name}': use {{press_authority}}"
    escalate = json.loads((WORKFLOWS / "forms" / "ps_escalate.json").read_text(encoding="utf-8"))
    assert escalate["properties"]["escalated_to"]["x-default-setting"] == "{press_authority}"
