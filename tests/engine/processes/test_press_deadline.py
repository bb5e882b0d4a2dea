"""P1 (press_statement.bpmn) against issue 14: one case deadline fixed at receipt, the
authorisation steps due and escalated like the rest, the Văn phòng's part (Kế hoạch mục
IV.3), documents numbered from the register, conditional decision fields, and no two
fields of the case titled alike.

The issue's example: a press question received Monday 04/11/2024 under the 5-working-day
rule must be answered by the end of Monday 11/11/2024. Before, each step's deadline
restarted when it opened (the decision, opened after late facts on 15/11, was due 22/11).
"""

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.errors import InvalidInput
from engine.facade import Policyflow
from engine.store.db import transaction
from engine.store.models import RegisterEntry
from tests.processes import (
    AUTHORISE,
    FACTS,
    LEADERS,
    OFFICE_BACK,
    OFFICE_OK,
    PROVIDE,
    PUBLISH,
    REFUSE,
    REGISTER,
    REQUEST_FACTS,
    S_APPROVE_OK,
    S_REVIEW_OK,
    STATEMENT,
    Case,
    at,
    notifications,
    press_start,
    utc,
)

pytestmark = pytest.mark.usefixtures("every_instance_replays")

RECEIVED = at("2024-11-04T02:00:00+00:00")  # Monday 04/11/2024, 09:00 local
ANSWER = at("2024-11-11T16:59:59+00:00")  # Monday 11/11/2024, end of day local
START = press_start(event_time="2024-11-04T09:00:00+07:00")
FACTS_BY = {**REQUEST_FACTS, "facts_deadline": "2024-11-07T17:00:00+07:00"}
PUBLISHED_AUTH = {
    "authorisation_published_at": "2024-11-04T15:00:00+07:00",
    "authorisation_url": "https://xuantruong.namdinh.gov.vn/uy-quyen/1",
}
FORMS = Path(__file__).resolve().parents[3] / "workflows" / "forms"


def due(case: Case, user: str, element: str) -> datetime:
    return utc(case.task(user, element)["due_at"])


def test_one_case_deadline_binds_every_step_even_after_late_facts(deployed: Policyflow) -> None:
    case = Case.start(deployed, "press_statement", "cv_vhtt", START, RECEIVED)
    case.act("cv_vhtt", "Register", REGISTER, RECEIVED)
    data = case.data()
    assert data["deadline_rule"] == "5WD"
    assert utc(data["answer_due_at"]) == ANSWER  # computed once, at receipt
    assert utc(data["escalate_at"]) == ANSWER - timedelta(hours=20)
    # Assign the unit by the end of the next working day (Tuesday 05/11).
    assert due(case, "ct_ubnd", "Request_facts") == at("2024-11-05T16:59:59+00:00")
    case.act("ct_ubnd", "Request_facts", FACTS_BY, RECEIVED + timedelta(hours=1))
    assert due(case, "tu_phap", "Provide_facts") == at("2024-11-07T10:00:00+00:00")

    late = at("2024-11-15T03:00:00+00:00")  # the facts come on Friday 15/11
    case.act("tu_phap", "Provide_facts", FACTS, late)
    decide = case.task("ct_ubnd", "Decide")
    assert utc(decide["due_at"]) == ANSWER  # still 11/11 (overdue), not 22/11
    assert utc(decide["due_at"]) < late
    case.act("ct_ubnd", "Decide", {**PROVIDE, "statement_form": "written_release"}, late)
    steps = [  # draft, review and the Văn phòng's check one working day before (Fri 08/11)
        ("cv_vhtt", "Draft", STATEMENT, at("2024-11-08T16:59:59+00:00")),
        ("tp_vhtt", "Review", S_REVIEW_OK, at("2024-11-08T16:59:59+00:00")),
        ("vp_ubnd", "Office_check", OFFICE_OK, at("2024-11-08T16:59:59+00:00")),
        ("ct_ubnd", "Approve", S_APPROVE_OK, ANSWER),
        ("tt_vhtttt", "Publish", PUBLISH, ANSWER),
    ]
    for user, element, form, expected in steps:
        assert due(case, user, element) == expected <= ANSWER, element
        case.act(user, element, form, late)
    assert case.status() == "completed"
    assert utc(case.data()["case_record"]["answer_due_at"]) == ANSWER
    case.assert_audited()


def test_a_facts_deadline_after_the_answer_deadline_is_refused(deployed: Policyflow) -> None:
    case = Case.start(deployed, "press_statement", "cv_vhtt", START, RECEIVED)
    case.act("cv_vhtt", "Register", REGISTER, RECEIVED)
    request = case.task("ct_ubnd", "Request_facts")
    too_late = {**REQUEST_FACTS, "facts_deadline": "2024-11-12T08:00:00+07:00"}
    with pytest.raises(InvalidInput) as err:
        deployed.complete(request["id"], "ct_ubnd", too_late, now=RECEIVED)
    assert list(err.value.field_errors) == ["facts_deadline"]
    message = str(err.value.field_errors["facts_deadline"][0])
    assert "thời hạn trả lời vụ việc" in message and "23:59 ngày 11/11/2024" in message
    assert case.open() == ["Request_facts"]  # nothing changed
    # The last moment of the answer deadline itself is accepted.
    case.act("ct_ubnd", "Request_facts", {**REQUEST_FACTS, "facts_deadline": ANSWER.isoformat()})
    assert case.open() == ["Provide_facts"]


def test_the_authorisation_steps_are_due_and_escalated(deployed: Policyflow) -> None:
    case = Case.start(deployed, "press_statement", "cv_vhtt", START, RECEIVED)
    unavailable = {**REGISTER, "chairman_available": "unavailable"}
    case.act("cv_vhtt", "Register", unavailable, RECEIVED)
    assert due(case, "ct_ubnd", "Authorise") == at("2024-11-05T16:59:59+00:00")
    # The chairman does not authorise: the warning before the answer deadline still comes.
    warn = ANSWER - timedelta(hours=20)
    assert [utc(t) for t in deployed.show(case.id)["waiting_timers"]] == [warn]
    assert list(deployed.fire_due_timers(warn + timedelta(seconds=1))) == [case.id]
    assert sorted(u for u, _ in notifications(deployed, case.id)) == LEADERS
    assert case.open() == ["Authorise"]  # non-interrupting: the work goes on
    signed = {**AUTHORISE, "authorisation_signed_at": "2024-11-11T20:00:00+07:00"}
    late = at("2024-11-11T13:00:00+00:00")
    case.act("ct_ubnd", "Authorise", signed, late)
    # 12 h after signing would be 12/11 08:00: capped by the answer deadline.
    assert due(case, "tt_vhtttt", "Publish_auth") == ANSWER
    case.act("tt_vhtttt", "Publish_auth", PUBLISHED_AUTH, late)
    assert due(case, "pct_ubnd", "Request_facts") == at("2024-11-05T16:59:59+00:00")


def test_an_early_authorisation_is_published_within_its_own_rule(deployed: Policyflow) -> None:
    case = Case.start(deployed, "press_statement", "cv_vhtt", START, RECEIVED)
    case.act("cv_vhtt", "Register", {**REGISTER, "chairman_available": "unavailable"}, RECEIVED)
    signed = {**AUTHORISE, "authorisation_signed_at": "2024-11-04T10:00:00+07:00"}
    case.act("ct_ubnd", "Authorise", signed, RECEIVED + timedelta(hours=1))
    assert due(case, "tt_vhtttt", "Publish_auth") == at("2024-11-04T15:00:00+00:00")  # 12 h


def test_documents_are_numbered_from_the_register(deployed: Policyflow) -> None:
    case = Case.start(deployed, "press_statement", "cv_vhtt", START, RECEIVED)
    case.act("cv_vhtt", "Register", {**REGISTER, "chairman_available": "unavailable"}, RECEIVED)
    served = deployed.task(case.task("ct_ubnd", "Authorise")["id"], "ct_ubnd")["form_schema"]
    assert served is not None and "authorisation_number" not in served["properties"]
    case.act("ct_ubnd", "Authorise", AUTHORISE, RECEIVED)
    auth = case.data()["authorisation_number"]
    assert re.fullmatch(r"\d{2,}/GUQ-UBND", auth), auth  # giấy ủy quyền
    case.act("tt_vhtttt", "Publish_auth", PUBLISHED_AUTH, RECEIVED)
    case.act("pct_ubnd", "Request_facts", FACTS_BY, RECEIVED)
    case.act("tu_phap", "Provide_facts", FACTS, RECEIVED)
    case.act("pct_ubnd", "Decide", REFUSE, RECEIVED)
    refusal_form = deployed.task(case.task("pct_ubnd", "Refusal")["id"], "pct_ubnd")["form_schema"]
    assert refusal_form is not None and "refusal_letter_number" not in refusal_form["properties"]
    case.act("pct_ubnd", "Refusal", {"refusal_sent_at": "2024-11-05T09:00:00+07:00"}, RECEIVED)
    letter = case.data()["refusal_letter_number"]
    # A công văn: no type code, the issuing body then the drafting unit (Phụ lục III).
    assert re.fullmatch(r"\d{2,}/UBND-VHTT", letter), letter
    assert int(letter.split("/")[0]) == int(auth.split("/")[0]) + 1  # consecutive
    with transaction(deployed.url) as s:  # both kept in the register, with their titles
        entries = s.execute(
            select(RegisterEntry.symbol, RegisterEntry.doc_type, RegisterEntry.title)
            .where(RegisterEntry.instance_id == case.id)
            .order_by(RegisterEntry.number)
        ).all()
    title = START["case_title"]
    assert [tuple(e) for e in entries] == [
        (auth, "GUQ", f"Giấy ủy quyền phát ngôn: {title}"),
        (letter, "CV", f"Trả lời từ chối cung cấp thông tin: {title}"),
    ]
    assert case.status() == "completed"
    case.assert_audited()


def test_the_van_phong_checks_a_written_answer(deployed: Policyflow) -> None:
    case = Case.start(deployed, "press_statement", "cv_vhtt", START, RECEIVED)
    case.act("cv_vhtt", "Register", REGISTER, RECEIVED)
    case.act("ct_ubnd", "Request_facts", FACTS_BY, RECEIVED)
    case.act("tu_phap", "Provide_facts", FACTS, RECEIVED)
    case.act("ct_ubnd", "Decide", {**PROVIDE, "statement_form": "written_release"}, RECEIVED)
    case.act("cv_vhtt", "Draft", STATEMENT, RECEIVED)
    case.act("tp_vhtt", "Review", S_REVIEW_OK, RECEIVED)
    check = case.task("vp_ubnd", "Office_check")
    assert check["role"] == "van_phong"
    case.act("vp_ubnd", "Office_check", OFFICE_BACK, RECEIVED)
    assert case.open() == ["Draft"]  # back to the drafter
    case.act("cv_vhtt", "Draft", STATEMENT, RECEIVED)
    case.act("tp_vhtt", "Review", S_REVIEW_OK, RECEIVED)
    info = {**OFFICE_OK, "office_related_info": "Văn bản số 12/UBND-VP về vụ việc"}
    case.act("vp_ubnd", "Office_check", info, RECEIVED)
    assert case.open() == ["Approve"]


def test_a_portal_post_does_not_wait_for_the_van_phong(deployed: Policyflow) -> None:
    case = Case.start(deployed, "press_statement", "cv_vhtt", START, RECEIVED)
    case.act("cv_vhtt", "Register", REGISTER, RECEIVED)
    case.act("ct_ubnd", "Request_facts", FACTS_BY, RECEIVED)
    case.act("tu_phap", "Provide_facts", FACTS, RECEIVED)
    case.act("ct_ubnd", "Decide", PROVIDE, RECEIVED)  # portal_post
    case.act("cv_vhtt", "Draft", STATEMENT, RECEIVED)
    case.act("tp_vhtt", "Review", S_REVIEW_OK, RECEIVED)
    assert case.open() == ["Approve"]


def test_the_decision_form_asks_what_the_choice_needs(deployed: Policyflow) -> None:
    case = Case.start(deployed, "press_statement", "cv_vhtt", START, RECEIVED)
    case.act("cv_vhtt", "Register", REGISTER, RECEIVED)
    case.act("ct_ubnd", "Request_facts", FACTS_BY, RECEIVED)
    case.act("tu_phap", "Provide_facts", FACTS, RECEIVED)
    decide = case.task("ct_ubnd", "Decide")
    served = deployed.task(decide["id"], "ct_ubnd")["form_schema"]
    assert served is not None
    # One condition on the choice: the refusal grounds when refusing, else the form.
    assert served["if"]["properties"]["provide_decision"] == {"const": "refuse"}
    assert served["then"]["required"] == ["refusal_ground", "refusal_reason"]
    assert served["else"]["required"] == ["statement_form"]
    refused = [
        ({"provide_decision": "refuse"}, {"refusal_ground", "refusal_reason"}),
        ({**REFUSE, "refusal_ground": None}, {"refusal_ground"}),
        ({"provide_decision": "provide"}, {"statement_form"}),
        ({"provide_decision": "provide", "refusal_ground": "secret"}, {"statement_form"}),
    ]
    for data, fields in refused:
        with pytest.raises(InvalidInput) as err:
            deployed.complete(decide["id"], "ct_ubnd", data, now=RECEIVED)
        assert set(err.value.field_errors) == fields, data
    assert case.open() == ["Decide"]
    case.act("ct_ubnd", "Decide", {"provide_decision": "provide", "statement_form": "interview"})
    assert case.open() == ["Draft"]


def test_a_refusal_with_its_grounds_passes(deployed: Policyflow) -> None:
    case = Case.start(deployed, "press_statement", "cv_vhtt", START, RECEIVED)
    case.act("cv_vhtt", "Register", REGISTER, RECEIVED)
    case.act("ct_ubnd", "Request_facts", FACTS_BY, RECEIVED)
    case.act("tu_phap", "Provide_facts", FACTS, RECEIVED)
    grounds = {k: v for k, v in REFUSE.items() if k != "spokesperson_name"}
    case.act("ct_ubnd", "Decide", grounds, RECEIVED)
    assert case.open() == ["Refusal"]
    assert case.data()["spokesperson_name"] == "Vũ Quang Hưng"  # from the account


def test_the_related_article_is_asked_only_for_a_false_report(deployed: Policyflow) -> None:
    with pytest.raises(InvalidInput) as err:
        deployed.start("press_statement", "cv_vhtt", press_start("false_report"), now=RECEIVED)
    assert set(err.value.field_errors) == {"article_ref"}
    for trigger in ("press_request", "unexpected_event", "periodic_update"):
        started = deployed.start("press_statement", "cv_vhtt", press_start(trigger), now=RECEIVED)
        assert started["status"] == "running"


def test_no_two_fields_of_a_press_case_share_a_title() -> None:
    """The case panel lists the data under the forms' titles: two fields called
    "Người phát ngôn" (the chairman's availability and the spokesperson's name) read as one."""
    seen: dict[str, str] = {}
    for path in sorted(FORMS.glob("ps_*.json")):
        for name, spec in json.loads(path.read_text(encoding="utf-8"))["properties"].items():
            title = spec["title"]
            assert seen.setdefault(title, name) == name, (title, seen[title], name, path.name)
    assert seen["Người phát ngôn"] == "spokesperson_name"
