"""Issue 19 items 3, 4, 6: an administrator's org units, rules and working calendar
(`pf.rules`) — each change checked, audited (who, what, before, after, why) and seen by
the commands that follow it, never by what was computed before."""

from datetime import UTC, date, datetime
from uuid import UUID

import pytest
from sqlalchemy import func, select

from engine.commands.runner import InstanceRun
from engine.errors import Conflict, InvalidInput, PermissionDenied
from engine.facade import Policyflow
from engine.store.models import AuditEvent, Instance, SettingValue, WorkItem
from tests.api.test_api import DOC_START
from tests.conftest import NOW, deploy_test_model
from tests.reference_restore import restore_reference_data as restore_reference_data

BEFORE = datetime(2024, 9, 2, 2, 0, tzinfo=UTC)  # when the administrator makes the change


def copied_config(pf: Policyflow, instance_id: int) -> dict:
    """The settings the instance copied at its start (its data's `config`)."""
    with pf.transaction() as s:
        instance = s.get(Instance, instance_id)
        assert instance is not None
        task_id = s.scalar(select(WorkItem.id).where(WorkItem.instance_id == instance_id))
        run = InstanceRun(s, pf.runtime, instance, pf.runtime.org_tree(s), NOW, "")
        return dict(run.workflow().get_task_from_id(UUID(task_id)).data["config"])


def admin_events(pf: Policyflow) -> list[AuditEvent]:
    with pf.transaction() as s:
        query = select(AuditEvent).where(AuditEvent.instance_id.is_(None))
        rows = list(s.scalars(query.order_by(AuditEvent.seq)))
        s.expunge_all()
        return rows


def test_a_future_setting_applies_only_to_instances_started_after_it(
    deployed: Policyflow,
) -> None:
    pf = deployed
    change = pf.rules.set_setting(
        "admin", "doc_dispatch_due", "3WD", date(2024, 10, 15), "Quy chế mới", now=BEFORE
    )
    assert change["before"] == {
        "key": "doc_dispatch_due",
        "valid_from": "2024-01-01",
        "value": "1WD",
    }
    early = pf.start("document_approval", "cv_vhtt", DOC_START, now=NOW)
    late_at = datetime(2024, 10, 16, 2, 0, tzinfo=UTC)
    late = pf.start("document_approval", "cv_vhtt", DOC_START, now=late_at)
    assert copied_config(pf, early["id"])["doc_dispatch_due"] == "1WD"
    assert copied_config(pf, late["id"])["doc_dispatch_due"] == "3WD"
    listed = {s["key"]: s for s in pf.rules.settings("admin", date(2024, 10, 1))["items"]}
    entry = listed["doc_dispatch_due"]
    assert entry["in_force"] == "1WD" and entry["kind"] == "deadline"
    assert [h["value"] for h in entry["history"]] == ["1WD", "3WD"]
    later = {s["key"]: s for s in pf.rules.settings("admin", date(2024, 10, 15))["items"]}
    assert later["doc_dispatch_due"]["in_force"] == "3WD"
    event = admin_events(pf)[-1]
    assert (event.actor, event.command) == ("admin", "setting_set")
    assert event.payload["after"]["value"] == "3WD" and event.payload["reason"] == "Quy chế mới"


def test_a_bad_value_is_refused_naming_the_setting_and_nothing_is_stored(pf: Policyflow) -> None:
    with pf.transaction() as s:
        stored = s.scalar(select(func.count()).select_from(SettingValue))
    events = len(admin_events(pf))
    for key, value in (
        ("p1_initial_info_due", "3 ngày"),
        ("p1_citizen_issue_due", "30 ngày"),
        ("reminder_offsets", ["P1D", "2 giờ"]),
        ("doc_dispatch_due", 5),
    ):
        with pytest.raises(InvalidInput) as raised:
            pf.rules.set_setting("admin", key, value, date(2024, 12, 1), now=BEFORE)
        assert key in str(raised.value) and list(raised.value.field_errors) == ["value"]
    with pytest.raises(InvalidInput):  # a date already past
        pf.rules.set_setting("admin", "p1_initial_info_due", "PT48H", date(2024, 9, 1), now=BEFORE)
    with pytest.raises(PermissionDenied):
        pf.rules.set_setting("cv_vhtt", "p1_initial_info_due", "PT48H", date(2024, 12, 1))
    with pf.transaction() as s:
        assert s.scalar(select(func.count()).select_from(SettingValue)) == stored
    assert len(admin_events(pf)) == events
    # A list of durations typed as text is read as the list it stands for.
    assert pf.rules.value_from_text("durations", "P1D, PT2H") == ["P1D", "PT2H"]
    pf.rules.set_setting("admin", "reminder_offsets", ["P2D"], date(2024, 12, 1), now=BEFORE)
    with pytest.raises(Conflict):  # one value per first day
        pf.rules.set_setting("admin", "reminder_offsets", ["P3D"], date(2024, 12, 1), now=BEFORE)


def due_of(pf: Policyflow, instance_id: int) -> datetime:
    with pf.transaction() as s:
        due = s.scalar(select(WorkItem.due_at).where(WorkItem.instance_id == instance_id))
    assert due is not None
    return due


def test_a_holiday_moves_deadlines_computed_after_it_only(pf: Policyflow) -> None:
    """linear3's first task is due in 2WD: opened Tue 1/10/2024, due Thu 3/10; with Wed
    2/10 made a holiday, one opened after the edit is due Fri 4/10, and the one opened
    before keeps Thu 3/10 (the preview lists it, for information)."""
    deploy_test_model(pf, "linear3.bpmn")
    before = pf.start("linear3", "cv_vhtt", now=NOW)
    thursday = due_of(pf, before["id"])
    assert thursday.astimezone(UTC).date() == date(2024, 10, 3)
    preview = pf.rules.set_day("admin", date(2024, 10, 2), "holiday", "Nghỉ thử", dry_run=True)
    assert not preview["applied"] and [m["instance_id"] for m in preview["moves"]] == [before["id"]]
    assert preview["moves"][0]["due_in"] == "2WD"
    assert preview["moves"][0]["would_be"].startswith("2024-10-04")
    assert pf.org.add_working_days(date(2024, 10, 1), 2) == date(2024, 10, 3)  # dry run
    done = pf.rules.set_day("admin", date(2024, 10, 2), "holiday", "Nghỉ thử", "Thử nghiệm")
    assert done["applied"] and done["before"] is None
    after = pf.start("linear3", "cv_vhtt", now=NOW)
    assert due_of(pf, after["id"]).astimezone(UTC).date() == date(2024, 10, 4)
    assert due_of(pf, before["id"]) == thursday  # computed before the edit: it stays
    year = pf.rules.calendar("admin", 2024)
    assert {"date": "2024-10-02", "kind": "holiday", "name": "Nghỉ thử"} in year["days"]
    back = pf.rules.set_day("admin", date(2024, 10, 2), "ordinary", reason="Hủy")
    assert back["before"] == {"date": "2024-10-02", "kind": "holiday", "name": "Nghỉ thử"}
    assert pf.org.add_working_days(date(2024, 10, 1), 2) == date(2024, 10, 3)
    commands = [e.command for e in admin_events(pf)][-2:]
    assert commands == ["calendar_set", "calendar_set"]
    assert admin_events(pf)[-2].payload["after"]["kind"] == "holiday"


def test_calendar_days_and_years_are_checked(pf: Policyflow) -> None:
    with pytest.raises(Conflict):  # a weekday is a working day already
        pf.rules.set_day("admin", date(2024, 10, 2), "workday")
    with pytest.raises(InvalidInput):  # a holiday has a name
        pf.rules.set_day("admin", date(2024, 10, 2), "holiday", "  ")
    saturday = pf.rules.set_day("admin", date(2024, 10, 5), "workday", reason="Làm bù")
    assert saturday["applied"]
    assert pf.org.add_working_days(date(2024, 10, 4), 1) == date(2024, 10, 5)
    years = {y: pf.rules.calendar("admin", y)["state"] for y in (2024, 2027, 2099)}
    assert years[2024] == "confirmed" and years[2099] == "missing"
    if years[2027] == "provisional":
        change = pf.rules.confirm_year("admin", 2027, "Thông báo 2027", "Đã có thông báo")
        assert change["after"] == {"year": 2027, "confirmed": True, "source": "Thông báo 2027"}
        assert pf.rules.calendar("admin", 2027)["state"] == "confirmed"
    with pytest.raises(Conflict):
        pf.rules.confirm_year("admin", 2024)
    with pytest.raises(PermissionDenied):
        pf.rules.calendar("xa_xuanbac", 2024)


def test_ending_a_unit_names_its_successor_and_is_audited(pf: Policyflow) -> None:
    added = pf.rules.add_unit(
        "admin", "phong-thu", "Phòng Thử", "department", "huyen-xuan-truong", date(2024, 10, 1),
        reason="Quyết định thành lập",
    )  # fmt: skip
    assert added["after"] and added["after"]["parent"] == "huyen-xuan-truong"
    with pytest.raises(Conflict):
        pf.rules.add_unit("admin", "phong-thu", "X", "department", None, date(2024, 10, 1))
    renamed = pf.rules.rename_unit("admin", "phong-thu", "Phòng Thử nghiệm", "Đổi tên")
    assert renamed["before"] and renamed["before"]["name"] == "Phòng Thử"
    with pytest.raises(InvalidInput):  # Xuân Bắc ended on 31/8/2024
        pf.rules.end_unit("admin", "phong-thu", date(2024, 12, 31), "xa-xuan-bac")
    ended = pf.rules.end_unit(
        "admin", "phong-thu", date(2024, 12, 31), "phong-vhtt", "Sáp nhập vào Phòng VH&TT"
    )
    assert ended["before"] and ended["before"]["valid_to"] is None
    assert ended["after"] and ended["after"]["successor"] == "phong-vhtt"
    with pytest.raises(Conflict):
        pf.rules.end_unit("admin", "phong-thu", date(2025, 1, 31), None)
    on = {u["code"]: u for u in pf.rules.units("admin", date(2024, 12, 31))["units"]}
    assert on["phong-thu"]["name"] == "Phòng Thử nghiệm"
    assert on["phong-thu"]["depth"] == on["huyen-xuan-truong"]["depth"] + 1
    later = {u["code"] for u in pf.rules.units("admin", date(2025, 1, 2))["units"]}
    assert "phong-thu" not in later and "phong-vhtt" in later
    assert [u["code"] for u in pf.org.units(date(2025, 1, 2)) if u["code"] == "phong-thu"] == []
    events = admin_events(pf)[-3:]
    assert [e.command for e in events] == ["unit_add", "unit_rename", "unit_end"]
    assert events[-1].payload["reason"] == "Sáp nhập vào Phòng VH&TT"
    assert events[-1].payload["before"]["successor"] is None
    with pytest.raises(PermissionDenied):
        pf.rules.rename_unit("cv_vhtt", "phong-thu", "X")
    verdict = pf.audit.verify_log()
    assert verdict["intact"] and verdict["events"] >= 3, verdict
