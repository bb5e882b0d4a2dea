"""Hand-over at a merger (issue 13, item 3): a P3 started before the communes' merger of
1/9/2024 has report tasks of xã Xuân Bắc, Xuân Trung and Xuân Phương still open when
those communes end; the transition moves them to xã Trà Lũ, audited per instance, its
holders are told, one of them completes the task, and the instance still replays.
"""

from datetime import date

import pytest
from sqlalchemy import event, select

from engine.facade import Policyflow, get_engine
from engine.store.db import transaction
from engine.store.models import OrgUnit, RoleAssignment, User, WorkItem
from tests.processes import AR_START, UNIT_FIGURES, Case, at, inbox, notifications

pytestmark = pytest.mark.usefixtures("every_instance_replays")

STARTED = at("2024-08-20T08:00:00+00:00")
MERGER = date(2024, 9, 1)
MERGED = {"xa-xuan-bac", "xa-xuan-trung", "xa-xuan-phuong"}


def unit_tasks(pf: Policyflow, instance_id: int) -> dict[str, str]:
    """{task id: unit code} of the instance's open tasks."""
    return {t["id"]: t["unit"] for t in pf.show(instance_id)["open_tasks"]}


def test_open_work_of_merged_communes_moves_to_the_successor(deployed: Policyflow) -> None:
    case = Case.start(deployed, "annual_report", "cv_vhtt", AR_START, STARTED)
    before = unit_tasks(deployed, case.id)
    merged = {task: unit for task, unit in before.items() if unit in MERGED}
    assert set(merged.values()) == MERGED
    # On the suite's date (1/10/2024) Xuân Bắc's officer holds the role in Trà Lũ only: the
    # task left on the ended commune reaches nobody.
    assert inbox(deployed, "xa_xuanbac", case.id) == []
    events = len(deployed.history(case.id))

    [planned] = deployed.org.transition(MERGER, dry_run=True)
    assert planned["instance_id"] == case.id and planned["applied"] is False
    to_tra_lu = {
        (m["task_id"], m["from_unit"]) for m in planned["moves"] if m["to_unit"] == "xa-tra-lu"
    }
    assert to_tra_lu == set(merged.items())
    ended = {m["from_unit"] for m in planned["moves"]}  # other communes merged that day too
    assert {unit for unit in before.values() if unit in ended} == ended
    assert all(m["to_unit"] for m in planned["moves"])
    assert planned["instance_unit"] is None  # started in the district, still in force
    assert unit_tasks(deployed, case.id) == before  # the dry run wrote nothing
    assert len(deployed.history(case.id)) == events

    moved_at = at("2024-08-31T17:05:00+00:00")  # 00:05 local on 1/9
    [applied] = deployed.org.transition(MERGER, dry_run=False, now=moved_at)
    assert applied["applied"] is True
    after = unit_tasks(deployed, case.id)
    assert {after[task] for task in merged} == {"xa-tra-lu"}
    moved = {m["task_id"] for m in planned["moves"]}
    assert {t: u for t, u in after.items() if t not in moved} == {
        t: u for t, u in before.items() if t not in moved
    }  # units in force keep their tasks
    assert deployed.org.transition(MERGER, dry_run=False, now=moved_at) == []  # done once

    # (b) One audited event of the instance, naming each move.
    [event] = [e for e in deployed.history(case.id) if e["command"] == "org_transition"]
    assert event["actor"] == "system"
    assert event["payload"]["on"] == "2024-09-01"
    assert event["payload"]["instance_unit"] is None
    recorded = {
        (m["task_id"], m["element_id"], m["from"], m["to"]) for m in event["payload"]["moves"]
    }
    assert recorded == {
        (m["task_id"], "Unit_draft", m["from_unit"], m["to_unit"]) for m in planned["moves"]
    }
    # The successor's holders are told (Xuân Bắc's officer holds don_vi in Trà Lũ).
    told = [(user, text) for user, text in notifications(deployed, case.id) if "Trà Lũ" in text]
    assert any(user == "xa_xuanbac" for user, _ in told), told

    # The holder in Trà Lũ completes the former Xuân Bắc task; the log still replays.
    bac = next(task for task, unit in merged.items() if unit == "xa-xuan-bac")
    assert bac in {t["id"] for t in inbox(deployed, "xa_xuanbac", case.id)}
    deployed.complete(bac, "xa_xuanbac", UNIT_FIGURES, now=at("2024-09-02T02:00:00+00:00"))
    assert bac not in unit_tasks(deployed, case.id)
    verdict = deployed.audit.verify(case.id)
    assert verdict["verified"], verdict


def test_a_claim_the_claimant_cannot_keep_is_released(deployed: Policyflow) -> None:
    # An officer of xã Xuân Trung until the merger, with no role in Trà Lũ after it.
    with transaction(deployed.url) as s:
        unit = s.scalar(select(OrgUnit).where(OrgUnit.code == "xa-xuan-trung"))
        assert unit is not None
        user = User(username="cb_xuantrung", full_name="Cán bộ Xuân Trung", password_hash="x")
        user.roles = [
            RoleAssignment(
                role_key="don_vi",
                unit_id=unit.id,
                valid_from=date(2024, 1, 1),
                valid_to=date(2024, 8, 31),
            )
        ]
        s.add(user)
    case = Case.start(deployed, "annual_report", "cv_vhtt", AR_START, STARTED)
    tasks = unit_tasks(deployed, case.id)
    bac = next(t for t, u in tasks.items() if u == "xa-xuan-bac")
    trung = next(t for t, u in tasks.items() if u == "xa-xuan-trung")
    deployed.claim(bac, "xa_xuanbac", now=at("2024-08-21T02:00:00+00:00"))
    deployed.claim(trung, "cb_xuantrung", now=at("2024-08-21T02:00:00+00:00"))

    [entry] = deployed.org.transition(MERGER, dry_run=True)
    released = {m["task_id"]: m["released"] for m in entry["moves"]}
    # Xuân Bắc's officer holds don_vi in Trà Lũ from 1/9/2024: the claim stays theirs.
    assert released[bac] is None
    assert released[trung] == "cb_xuantrung"
    deployed.org.transition(MERGER, dry_run=False, now=at("2024-08-31T17:05:00+00:00"))
    with transaction(deployed.url) as s:
        claims = dict(
            s.execute(
                select(WorkItem.id, User.username)
                .outerjoin(User, User.id == WorkItem.claimed_by)
                .where(WorkItem.id.in_([bac, trung]))
            ).all()
        )
    assert claims == {bac: "xa_xuanbac", trung: None}
    # The released task is back in Trà Lũ's shared inbox.
    assert trung in {t["id"] for t in inbox(deployed, "xa_xuanbac", case.id)}


def test_the_plan_binds_no_parameter_per_instance(deployed: Policyflow) -> None:
    """The hand-over's plan selects the instances in SQL: listing their ids bound one
    parameter each, and a district with more live instances than a statement may bind
    (65,535 on PostgreSQL) could not plan at all."""
    bound: list[int] = []

    def count(conn, cursor, statement, params, context, executemany) -> None:
        bound.append(len(params or ()))

    def largest_statement() -> int:
        bound.clear()
        event.listen(get_engine(deployed.url), "before_cursor_execute", count)
        try:
            deployed.org.transition(MERGER, dry_run=True)
        finally:
            event.remove(get_engine(deployed.url), "before_cursor_execute", count)
        return max(bound)

    Case.start(deployed, "annual_report", "cv_vhtt", AR_START, STARTED)
    one = largest_statement()
    for _ in range(3):
        Case.start(deployed, "annual_report", "cv_vhtt", AR_START, STARTED)
    assert largest_statement() == one
