"""The district as it changed: who reports, who may start and who acts depend on the date.

Three generations (data/org/xuan-truong.yaml): the 20 communes of 2024 until 31/8/2024,
14 from 1/9/2024 (NQ 1104/NQ-UBTVQH15), from 1/7/2025 no district and four communes of
tỉnh Ninh Bình (NQ 1674/NQ-UBTVQH15), each with three offices. Settings change on dates.
"""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.access.org import OrgTree, get_user
from engine.access.org_import import import_org, read_org_file
from engine.access.visibility import FULL, INVOLVED, instance_filter, view_of
from engine.errors import InvalidInput, PermissionDenied
from engine.facade import Policyflow
from engine.store.models import Instance, OrgUnit, WorkItem
from tests.processes import AR_START, CRISIS_START, ensure_unit_officers

GEN1 = datetime(2024, 8, 15, 2, 0, tzinfo=UTC)
GEN2 = datetime(2024, 10, 15, 2, 0, tzinfo=UTC)
GEN3 = datetime(2025, 10, 15, 2, 0, tzinfo=UTC)
MERGED = {"xa-xuan-bac", "xa-xuan-trung", "xa-xuan-phuong"}  # → xã Trà Lũ on 1/9/2024
DEPARTMENTS = {"phong-vhtt", "van-phong", "cong-an", "phong-tu-phap", "phong-tckh", "ttvhtttt"}
XUAN_TRUONG_OFFICES = {f"nb-xa-xuan-truong-{o}" for o in ("vp", "kt", "vhxh")}


def unit_tasks(pf: Policyflow, instance_id: int) -> list[str]:
    with pf.transaction() as s:
        rows = s.execute(
            select(OrgUnit.code)
            .join(WorkItem, WorkItem.unit_id == OrgUnit.id)
            .where(WorkItem.instance_id == instance_id, WorkItem.element_id == "Unit_draft")
        )
        return sorted(code for (code,) in rows)


def test_p3_asks_the_units_in_force_on_its_date(deployed: Policyflow) -> None:
    ensure_unit_officers(deployed, GEN1.date())
    first = deployed.start("annual_report", "cv_vhtt", AR_START, now=GEN1)["id"]
    second = deployed.start("annual_report", "cv_vhtt", AR_START, now=GEN2)["id"]
    third = deployed.start("annual_report", "cv_vhtt", {**AR_START, "year": 2025}, now=GEN3)
    gen1, gen2, gen3 = (
        unit_tasks(deployed, first),
        unit_tasks(deployed, second),
        unit_tasks(deployed, third["id"]),
    )
    assert len(gen1) == 26 and set(gen1) >= MERGED and "xa-tra-lu" not in gen1
    assert len(gen2) == 20 and not MERGED & set(gen2) and "xa-tra-lu" in gen2
    assert set(gen1) & set(gen2) >= DEPARTMENTS
    # 2025: cv_vhtt serves xã Xuân Trường (Ninh Bình); its three offices report to it.
    assert gen3 == sorted(XUAN_TRUONG_OFFICES)


def test_a_district_process_is_refused_once_the_district_is_gone(deployed: Policyflow) -> None:
    people = [
        {
            "username": "cv_cu",
            "full_name": "Cán bộ huyện cũ",
            "holdings": [
                {
                    "role": "chuyen_vien_vhtt",
                    "unit": "phong-vhtt",
                    "from": "2024-01-01",
                    "to": "2025-06-30",
                }
            ],
        }
    ]
    with deployed.transaction() as s:
        import_org(s, {"units": [], "people": people}, "admin", GEN2, "demo")
    with pytest.raises(PermissionDenied) as refused:
        deployed.start("annual_report", "cv_cu", AR_START, now=GEN3)
    message = str(refused.value)
    assert "15/10/2025" in message and "Phòng Văn hóa và Thông tin" in message
    assert "Xã Xuân Trường" in message  # the successor is named
    assert deployed.start("annual_report", "cv_cu", AR_START, now=GEN2)["status"] == "running"


def test_a_form_refuses_a_merged_commune_and_names_its_successor(deployed: Policyflow) -> None:
    with pytest.raises(InvalidInput) as refused:
        deployed.start(
            "crisis_team", "cv_vhtt", {**CRISIS_START, "affected_commune": "xa-xuan-bac"}, now=GEN2
        )
    [problem] = refused.value.field_errors["affected_commune"]
    assert "Xã Xuân Bắc" in str(problem) and "Xã Trà Lũ (xa-tra-lu)" in str(problem)
    started = deployed.start(
        "crisis_team", "cv_vhtt", {**CRISIS_START, "affected_commune": "xa-xuan-bac"}, now=GEN1
    )
    assert started["status"] == "running"


def test_holdings_follow_the_dates(deployed: Policyflow) -> None:
    """Đặng Văn Bắc serves Xuân Bắc, then Trà Lũ, then xã Xuân Hưng (Ninh Bình)."""
    with deployed.transaction() as s:
        tree = OrgTree.load(s)
        units = {
            when: {tree.by_id[h.unit_id].code for h in get_user(s, "xa_xuanbac", when.date()).roles}
            for when in (GEN1, GEN2, GEN3)
        }
    assert units == {
        GEN1: {"xa-xuan-bac"},
        GEN2: {"xa-tra-lu"},
        GEN3: {"nb-xa-xuan-hung-vhxh"},
    }


@pytest.mark.parametrize(
    ("started", "hours"),
    [(datetime(2026, 6, 30, 2, 0, tzinfo=UTC), 12), (datetime(2026, 7, 1, 2, 0, tzinfo=UTC), 24)],
)
def test_an_instance_keeps_the_rules_in_force_at_its_start(
    pf: Policyflow, started: datetime, hours: int
) -> None:
    """The deadline for publishing an authorisation: 12 h until 30/6/2026, 24 h from the
    decree of 1/7/2026 (data/rules/settings.yaml), fixed at the instance's start."""
    with pf.transaction() as s:
        config = pf.runtime.settings(s, started.date())
    assert config["p1_authorisation_publish_due"] == f"PT{hours}H"
    assert config["p1_initial_info_due"] == "PT24H"


def test_an_org_file_with_a_bad_reference_is_refused_whole(tmp_path: Path) -> None:
    bad = tmp_path / "org.yaml"
    bad.write_text(
        "units:\n  - {code: a, name: A, kind: commune, valid_from: 2024-01-01, successors: [b]}\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput) as refused:
        read_org_file(bad)
    assert "unknown unit 'b'" in str(refused.value.field_errors)


def test_a_units_records_pass_to_its_successor(deployed: Policyflow) -> None:
    """In 2026 the district is gone: its 2024 report is seen whole by the officers and the
    auditor of xã Xuân Trường (the former district seat), not by another commune's."""
    p3 = deployed.start("annual_report", "cv_vhtt", AR_START, now=GEN2)["id"]
    later = date(2026, 3, 2)
    with deployed.transaction() as s:
        tree = OrgTree.load(s)
        instance = s.get(Instance, p3)
        assert instance is not None
        seen = {
            name: view_of(tree, get_user(s, name, later), instance)
            for name in ("cv_vhtt", "kiem_toan", "xa_xuanbac")
        }
        visible = s.scalars(
            select(Instance.id).where(instance_filter(tree, get_user(s, "kiem_toan", later)))  # type: ignore[arg-type]
        ).all()
    assert seen == {"cv_vhtt": FULL, "kiem_toan": FULL, "xa_xuanbac": INVOLVED}
    assert p3 in visible
