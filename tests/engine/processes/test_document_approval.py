"""Document approval (trình ký, document_approval.bpmn) end to end: numbering, every
return to drafting, who may act, the local year, a 400-round revision loop.

Each test plays the people of the district (tests/processes.py drives the instances):
it finds the task in the right person's inbox, submits form data that satisfies the
task's JSON Schema, moves the clock with `now=` and fires timers with
`fire_due_timers`. After a full run the audit chain must be intact and its actors must
be exactly the people who acted.
"""

import time
from datetime import UTC, datetime, timedelta

import pytest

from engine.errors import InvalidInput, NotFound, PermissionDenied
from engine.facade import Policyflow
from tests.conftest import NOW
from tests.processes import (
    DISPATCH,
    DRAFT,
    FORMAT_BACK,
    FORMAT_OK,
    REVIEW_BACK,
    REVIEW_OK,
    SIGN_BACK,
    SIGN_OK,
    Case,
    approve_document,
    at,
    find_task,
    inbox,
    start_document,
    utc,
)

# Each instance a test leaves must re-execute exactly from its audit log (issue 6).
pytestmark = pytest.mark.usefixtures("every_instance_replays")


def test_document_approval_happy_path_numbers_each_document(deployed: Policyflow) -> None:
    case = start_document(deployed, "QĐ")
    assert case.open() == ["Draft"]
    case.act("cv_vhtt", "Draft", DRAFT)
    assert case.open() == ["Review"]
    case.act("tp_vhtt", "Review", REVIEW_OK)
    assert case.open() == ["Format"]
    case.act("vp_ubnd", "Format", FORMAT_OK)
    assert case.open() == ["Sign"]
    case.act("ct_ubnd", "Sign", SIGN_OK)
    assert case.open() == ["Dispatch"]
    dispatch = case.task("van_thu", "Dispatch")
    # "1WD" from Tuesday 1 Oct 15:00 local: the end of Wednesday 2 Oct, local time.
    assert utc(dispatch["due_at"]) == at("2024-10-02T16:59:59+00:00")
    assert dispatch["role"] == "van_thu" and dispatch["form"] == "da_dispatch.json"
    assert case.data()["doc_number_result"]["symbol"] == "01/QĐ-UBND"
    done = case.act("van_thu", "Dispatch", DISPATCH)
    assert done["status"] == "completed" and done["open_tasks"] == []
    data = case.data()
    assert data["doc_number"] == "01/QĐ-UBND"
    assert data["signed_by"] == "Vũ Quang Hưng" and data["signer_position"] == "chu_tich"
    assert data["revision_count"] == 0 and data["revision_history"] == []
    case.assert_audited()

    second = start_document(deployed, "KH", NOW + timedelta(days=1))
    approve_document(second, NOW + timedelta(days=1))
    assert second.status() == "completed"
    assert second.data()["doc_number"] == "02/KH-UBND"  # one register per issuer and year
    second.assert_audited()

    next_year = datetime(2025, 1, 6, 2, 0, tzinfo=UTC)
    third = start_document(deployed, "CV", next_year)
    approve_document(third, next_year)
    # numbers restart each year; a công văn has no type code: issuer, then drafting unit
    assert third.data()["doc_number"] == "01/UBND-VHTT"


def test_document_approval_every_return_goes_back_to_drafting(deployed: Policyflow) -> None:
    case = start_document(deployed, "KH")
    t = NOW
    case.act("cv_vhtt", "Draft", DRAFT, t)
    case.act("tp_vhtt", "Review", REVIEW_BACK, t)
    assert case.open() == ["Draft"]
    assert case.data()["revision_count"] == 1

    t += timedelta(hours=1)
    case.act("cv_vhtt", "Draft", {**DRAFT, "draft_explanation": "Đã bổ sung căn cứ"}, t)
    case.act("tp_vhtt", "Review", REVIEW_OK, t)
    case.act("vp_ubnd", "Format", FORMAT_BACK, t)
    assert case.open() == ["Draft"]
    assert case.data()["revision_count"] == 2

    t += timedelta(hours=1)
    case.act("cv_vhtt", "Draft", DRAFT, t)
    case.act("tp_vhtt", "Review", REVIEW_OK, t)
    case.act("vp_ubnd", "Format", FORMAT_OK, t)
    case.act("pct_ubnd", "Sign", SIGN_BACK, t)
    assert case.open() == ["Draft"]
    data = case.data()
    assert data["revision_count"] == 3
    assert data["sign_comments"] == "Làm rõ kinh phí"

    t += timedelta(hours=1)
    approve_document(case, t)
    data = case.data()
    assert case.status() == "completed"
    assert data["revision_count"] == 3
    history = data["revision_history"]
    assert [h["returned_by"] for h in history] == ["review", "format", "sign"]
    assert [h["round"] for h in history] == [1, 2, 3]
    assert [utc(h["at"]) for h in history] == [
        NOW,
        NOW + timedelta(hours=1),
        NOW + timedelta(hours=2),
    ]
    assert data["doc_number"] == "01/KH-UBND"
    case.assert_audited()


def test_document_approval_only_the_lane_role_may_act(deployed: Policyflow) -> None:
    case = start_document(deployed)
    draft = case.task("cv_vhtt", "Draft")
    assert inbox(deployed, "tp_vhtt", case.id) == []
    with pytest.raises(PermissionDenied):
        deployed.complete(draft["id"], "tp_vhtt", DRAFT, now=NOW)
    with pytest.raises(NotFound):  # a commune officer does not even see district work
        deployed.complete(draft["id"], "xa_xuanbac", DRAFT, now=NOW)
    with pytest.raises(PermissionDenied):  # only chuyen_vien_vhtt starts it
        deployed.start("document_approval", "vp_ubnd", {"doc_type": "QĐ", "doc_title": "x"})
    case.act("cv_vhtt", "Draft", DRAFT)
    review = case.task("tp_vhtt", "Review")
    for outsider in ("cv_vhtt", "van_thu", "ct_ubnd"):
        with pytest.raises(PermissionDenied):
            deployed.complete(review["id"], outsider, REVIEW_OK, now=NOW)
    with pytest.raises(InvalidInput) as err:  # a return needs its comments (if/then rule)
        deployed.complete(review["id"], "tp_vhtt", {"review_decision": "return"}, now=NOW)
    assert set(err.value.field_errors) == {"review_comments"}
    case.act("tp_vhtt", "Review", REVIEW_OK)
    case.act("vp_ubnd", "Format", FORMAT_OK)
    sign = case.task("ct_ubnd", "Sign")
    assert sign["id"] == case.task("pct_ubnd", "Sign")["id"]  # either leader may sign
    with pytest.raises(PermissionDenied):
        deployed.complete(sign["id"], "vp_ubnd", SIGN_OK, now=NOW)
    case.act("ct_ubnd", "Sign", SIGN_OK)
    dispatch = case.task("van_thu", "Dispatch")
    assert dispatch["due_at"] is not None
    with pytest.raises(PermissionDenied):
        deployed.complete(dispatch["id"], "cv_vhtt", DISPATCH, now=NOW)
    case.act("van_thu", "Dispatch", DISPATCH)
    assert case.status() == "completed"
    case.assert_audited()


def test_document_numbers_follow_the_local_year(deployed: Policyflow) -> None:
    first = start_document(deployed, "QĐ")
    approve_document(first)
    assert first.data()["doc_number"] == "01/QĐ-UBND"
    new_year = at("2024-12-31T18:00:00+00:00")  # 01:00 on 1 January 2025, local time
    second = start_document(deployed, "QĐ", new_year)
    approve_document(second, new_year)
    assert second.data()["doc_number_result"]["year"] == 2025
    assert second.data()["doc_number"] == "01/QĐ-UBND"


REVISION_ROUNDS = 400


def test_document_approval_survives_a_400_round_revision_loop(deployed: Policyflow) -> None:
    """Past SpiffWorkflow's depth-1000 trap: the engine prunes the finished history."""
    started = time.perf_counter()
    pf = deployed
    data = {"doc_type": "QĐ", "doc_title": "x"}
    instance = pf.start("document_approval", "cv_vhtt", data, now=NOW)["id"]
    draft_id = pf.show(instance)["open_tasks"][0]["id"]
    # Each round uses the open tasks `complete` returns (no inbox query: keeps it fast);
    # now and then the inbox must agree with them.
    for n in range(REVISION_ROUNDS):
        t = NOW + timedelta(minutes=n)
        if n % 100 == 0:
            assert find_task(pf, instance, "cv_vhtt", "Draft")["id"] == draft_id
        after_draft = pf.complete(draft_id, "cv_vhtt", DRAFT, now=t)
        [review] = after_draft["open_tasks"]
        assert review["element_id"] == "Review", (n, after_draft)
        decision = REVIEW_OK if n == REVISION_ROUNDS - 1 else REVIEW_BACK
        after_review = pf.complete(review["id"], "tp_vhtt", decision, now=t)
        [nxt] = after_review["open_tasks"]
        expected = "Format" if n == REVISION_ROUNDS - 1 else "Draft"
        assert nxt["element_id"] == expected, (n, after_review)
        draft_id = nxt["id"]
    assert pf.tasks("cv_vhtt") == []  # the inbox agrees with the engine's answer
    case = Case(pf, instance, "cv_vhtt")
    t = NOW + timedelta(minutes=REVISION_ROUNDS)
    case.act("vp_ubnd", "Format", FORMAT_OK, t)
    case.act("ct_ubnd", "Sign", SIGN_OK, t)
    done = case.act("van_thu", "Dispatch", DISPATCH, t)
    assert done["status"] == "completed"
    data = case.data()
    assert data["revision_count"] == REVISION_ROUNDS - 1
    assert len(data["revision_history"]) == REVISION_ROUNDS - 1
    assert data["revision_history"][-1]["round"] == REVISION_ROUNDS - 1
    assert data["doc_number"] == "01/QĐ-UBND"
    events = pf.history(instance)
    assert [e["actor"] for e in events[1:]] == ["cv_vhtt", "tp_vhtt"] * REVISION_ROUNDS + [
        "vp_ubnd",
        "ct_ubnd",
        "van_thu",
    ]
    assert pf.audit.verify_chain(instance) == []
    print(f"\n400-round loop on {pf.url.split(':')[0]}: {time.perf_counter() - started:.1f} s")


@pytest.mark.parametrize("step", ["start", "Draft"])
def test_form_data_never_replaces_the_engine_settings(deployed: Policyflow, step: str) -> None:
    """A user's `"config": {}` once replaced the copied settings and every signing step
    was then a 500 (KeyError 'doc_dispatch_due'): now it is refused, nothing written."""
    start = {"doc_type": "QĐ", "doc_title": "Văn bản thử", "config": {}}
    if step == "start":
        with pytest.raises(InvalidInput) as raised:
            deployed.start("document_approval", "cv_vhtt", start, now=NOW)
        assert list(raised.value.field_errors) == ["config"]
        assert deployed.instances("admin")["total"] == 0
        return
    case = start_document(deployed)
    with pytest.raises(InvalidInput) as raised:
        case.act("cv_vhtt", "Draft", {**DRAFT, "config": {}})
    assert list(raised.value.field_errors) == ["config"]
    approve_document(case)  # the settings are intact: the case runs to the end
    assert deployed.show(case.id)["status"] == "completed"
