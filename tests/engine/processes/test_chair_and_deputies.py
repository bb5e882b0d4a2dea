"""The Chủ tịch and the Phó Chủ tịch (issue 13, item 4): the chairman's own decision is
his alone, an authorisation names a deputy by account and the later spokesperson tasks go
to that deputy, and a signing form takes the signer from the signing user.

ct_ubnd holds chu_tich and pct_ubnd holds pho_chu_tich; both are part of lanh_dao_ubnd, so
lanes named for the group stay open to both (tests/processes.py LEADERS).
"""

import pytest

from engine.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from engine.facade import Policyflow
from tests.conftest import NOW
from tests.processes import (
    AUTHORISE,
    DRAFT,
    FACTS,
    FORMAT_OK,
    PROVIDE,
    REGISTER,
    REQUEST_FACTS,
    REVIEW_OK,
    S_APPROVE_OK,
    S_REVIEW_OK,
    STATEMENT,
    Case,
    inbox,
    press_start,
    start_document,
)

PUBLISHED = {
    "authorisation_published_at": "2024-10-01T18:00:00+07:00",
    "authorisation_url": "https://xuantruong.namdinh.gov.vn/uy-quyen/15",
}


def _authorising(pf: Policyflow) -> Case:
    case = Case.start(pf, "press_statement", "cv_vhtt", press_start())
    case.act("cv_vhtt", "Register", {**REGISTER, "chairman_available": "unavailable"})
    assert case.open() == ["Authorise"]
    return case


def test_only_the_chairman_authorises_a_deputy(deployed: Policyflow) -> None:
    case = _authorising(deployed)
    authorise = case.task("ct_ubnd", "Authorise")
    assert authorise["role"] == "chu_tich"
    assert inbox(deployed, "pct_ubnd", case.id) == []  # not the deputy's decision
    with pytest.raises((PermissionDenied, NotFound)):
        deployed.complete(authorise["id"], "pct_ubnd", AUTHORISE, now=NOW)
    with pytest.raises((PermissionDenied, NotFound)):
        deployed.claim(authorise["id"], "pct_ubnd", now=NOW)
    case.act("ct_ubnd", "Authorise", AUTHORISE)
    assert case.open() == ["Publish_auth"]
    assert case.data()["authorised_deputy"] == "pct_ubnd"


def test_the_authorisation_names_a_deputy_from_the_holders(deployed: Policyflow) -> None:
    case = _authorising(deployed)
    authorise = case.task("ct_ubnd", "Authorise")
    served = deployed.task(authorise["id"], "ct_ubnd")["form_schema"]
    assert served is not None
    field = served["properties"]["authorised_deputy"]
    assert field["format"] == "user"
    assert field["oneOf"] == [{"const": "pct_ubnd", "title": "Phạm Văn Đức (Phó Chủ tịch UBND)"}]
    # A free-text name, the chairman himself or a department head: not a deputy in force.
    for typed in ("Phạm Văn Đức, Phó Chủ tịch UBND huyện", "ct_ubnd", "tp_vhtt"):
        with pytest.raises(InvalidInput) as err:
            deployed.complete(
                authorise["id"], "ct_ubnd", {**AUTHORISE, "authorised_deputy": typed}, now=NOW
            )
        assert list(err.value.field_errors) == ["authorised_deputy"]
    assert case.open() == ["Authorise"]  # nothing changed


def test_the_authorised_deputy_receives_the_spokesperson_tasks(deployed: Policyflow) -> None:
    case = _authorising(deployed)
    case.act("ct_ubnd", "Authorise", AUTHORISE)
    case.act("tt_vhtttt", "Publish_auth", PUBLISHED)
    request = case.task("pct_ubnd", "Request_facts")
    assert request["claimed_by"] == "pct_ubnd"  # routed to the named deputy
    with pytest.raises(Conflict):  # the chairman (another leader) cannot take it
        deployed.claim(request["id"], "ct_ubnd", now=NOW)
    with pytest.raises(Conflict):
        deployed.complete(request["id"], "ct_ubnd", REQUEST_FACTS, now=NOW)
    case.act("pct_ubnd", "Request_facts", REQUEST_FACTS)
    case.act("tu_phap", "Provide_facts", FACTS)
    decide = case.task("pct_ubnd", "Decide")
    assert decide["claimed_by"] == "pct_ubnd"
    case.act("pct_ubnd", "Decide", {**PROVIDE, "spokesperson_name": "Vũ Quang Hưng"})
    assert case.data()["spokesperson_name"] == "Phạm Văn Đức"  # who decided, not who was typed
    case.act("cv_vhtt", "Draft", STATEMENT)
    case.act("tp_vhtt", "Review", S_REVIEW_OK)
    approve = case.task("pct_ubnd", "Approve")
    assert approve["claimed_by"] == "pct_ubnd"
    with pytest.raises(Conflict):
        deployed.complete(approve["id"], "ct_ubnd", S_APPROVE_OK, now=NOW)
    case.act("pct_ubnd", "Approve", S_APPROVE_OK)
    assert case.open() == ["Publish"]
    case.assert_audited()


def test_a_typed_signer_is_ignored_for_the_signing_user(deployed: Policyflow) -> None:
    case = start_document(deployed)
    case.act("cv_vhtt", "Draft", DRAFT)
    case.act("tp_vhtt", "Review", REVIEW_OK)
    case.act("vp_ubnd", "Format", FORMAT_OK)
    case.act(
        "pct_ubnd",
        "Sign",
        {"sign_decision": "sign", "signed_by": "Người khác", "signer_position": "chu_tich"},
    )
    data = case.data()
    assert data["signed_by"] == "Phạm Văn Đức"
    assert data["signer_position"] == "pho_chu_tich"
