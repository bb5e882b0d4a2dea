"""/api/v1/spokespersons (issue 16 item 4): the published register and a body's history
without a token, a designation with one (the Văn phòng or an administrator), every answer
checked against the OpenAPI document."""

from tests.api.test_api import Api
from tests.api.test_api import api as api  # the fixture
from tests.api.test_api import app as app  # the fixture

DESIGNATION = {
    "unit": "huyen-xuan-truong",
    "full_name": "Phạm Văn Đức",
    "position": "Phó Chủ tịch UBND huyện",
    "phone": "0228 3886 456",
    "email": "pct_ubnd@xuantruong.namdinh.gov.vn",
    "username": "pct_ubnd",
    "valid_from": "2024-10-10",
    "source": "Quyết định số 12/QĐ-UBND (thử nghiệm)",
    "verified": True,
    "reason": "Chủ tịch đi công tác",
}


def test_the_register_is_read_without_a_token(api: Api) -> None:
    res = api.get(None, "/spokespersons", at="2024-10-15")
    assert res.status_code == 200
    assert [e["full_name"] for e in res.json["entries"]] == ["Vũ Quang Hưng"]
    history = api.get(None, "/spokespersons/huyen-xuan-truong/history")
    assert history.status_code == 200 and len(history.json["entries"]) == 1
    assert api.get(None, "/spokespersons/no-such-unit/history").status_code == 404
    assert api.get(None, "/spokespersons", at="15/10/2024").status_code == 400


def test_a_designation_needs_the_van_phong_and_is_public_once_published(api: Api) -> None:
    assert api.post(None, "/spokespersons", DESIGNATION).status_code == 401
    assert api.post("cv_vhtt", "/spokespersons", DESIGNATION).status_code == 403
    assert api.post("vp_ubnd", "/spokespersons", {**DESIGNATION, "email": 5}).status_code == 400
    made = api.post("vp_ubnd", "/spokespersons", DESIGNATION)
    assert made.status_code == 201, made.json
    assert made.json["before"]["username"] == "ct_ubnd" and made.json["job"] > 0
    # Recorded, not yet published: the public register is unchanged until the job runs.
    public = api.get(None, "/spokespersons", at="2024-10-15").json["entries"]
    assert [e["full_name"] for e in public] == ["Vũ Quang Hưng"]
    late = {**DESIGNATION, "valid_from": "2025-07-01"}  # the district has ended by then
    assert api.post("admin", "/spokespersons", late).status_code == 409


def test_contacts_follow_the_patterns_the_document_states(api: Api) -> None:
    """The document said only "a string" for e-mail and phone while the server checked
    shapes: the fuzzer's schema-valid addresses were refused. Both now use the people
    patterns, and a value is judged as sent (a space around it is not trimmed away)."""
    schema = api.doc["components"]["schemas"]["SpokespersonNew"]["properties"]
    assert "pattern" in str(schema["email"]) and "pattern" in str(schema["phone"])
    for field, value in (("email", " a@xuantruong.vn"), ("email", "an\u0085@x.vn"),
                         ("phone", "0228-abc")):  # fmt: skip
        refused = api.post("vp_ubnd", "/spokespersons", {**DESIGNATION, field: value})
        assert refused.status_code == 400 and field in refused.json["error"]["field_errors"]
    blank = {**DESIGNATION, "email": "", "phone": ""}
    assert api.post("vp_ubnd", "/spokespersons", blank).status_code == 201
