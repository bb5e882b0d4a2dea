"""Deploying: versions by content hash, and bad BPMN rejected with nothing deployed."""

import json

import pytest

from engine.commands.deploy import NEW_PROCESS
from engine.errors import BpmnRejected, InvalidInput, NotFound, PermissionDenied
from engine.facade import Policyflow, read_forms
from tests.conftest import DATA, NOW, deploy_test_model
from tests.engine.test_engine_core import only_task

LINEAR = (DATA / "linear3.bpmn").read_text(encoding="utf-8")
FORMS = read_forms(DATA / "forms")


def rejected(pf: Policyflow, xml: str, forms: dict | None = None) -> BpmnRejected:
    with pytest.raises(BpmnRejected) as err:
        pf.deploy(xml, FORMS if forms is None else forms, now=NOW)
    assert pf.processes() == []  # nothing deployed
    return err.value


def test_same_content_is_the_same_version_and_a_change_is_a_new_one(pf: Policyflow) -> None:
    first = deploy_test_model(pf, "linear3.bpmn")
    again = deploy_test_model(pf, "linear3.bpmn")
    assert (first["version"], first["created"]) == (1, True)
    assert (again["version"], again["created"]) == (1, False)
    changed = pf.deploy(LINEAR.replace("Thẩm định", "Thẩm định nội dung"), FORMS, now=NOW)
    assert (changed["version"], changed["created"]) == (2, True)
    assert changed["content_hash"] != first["content_hash"]
    rollback = pf.deploy(LINEAR, FORMS, now=NOW)
    assert rollback["version"] == 3 and rollback["content_hash"] == first["content_hash"]


def test_running_instances_keep_their_version(pf: Policyflow) -> None:
    deploy_test_model(pf, "linear3.bpmn")
    old = pf.start("linear3", "cv_vhtt", now=NOW)["id"]
    pf.deploy(LINEAR.replace('name="Thẩm định"', 'name="Thẩm định v2"'), FORMS, now=NOW)
    new = pf.start("linear3", "cv_vhtt", now=NOW)["id"]
    for instance in (old, new):
        draft = only_task(pf, "cv_vhtt", instance)
        pf.complete(draft["id"], "cv_vhtt", {"title": "x", "pages": 1}, now=NOW)
    assert only_task(pf, "tp_vhtt", old)["name"] == "Thẩm định"
    assert only_task(pf, "tp_vhtt", new)["name"] == "Thẩm định v2"
    assert (pf.show(old)["version"], pf.show(new)["version"]) == (1, 2)


@pytest.mark.parametrize(
    ("xml", "reason"),
    [
        ("not xml at all", ""),
        (LINEAR[: len(LINEAR) // 2], ""),
        (
            '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">'
            "&x;</bpmn:definitions>",
            "",
        ),
        (LINEAR.replace('isExecutable="true"', 'isExecutable="false"'), "exactly one executable"),
        (LINEAR.replace('value="lanh_dao_ubnd"', 'value="no_such_role"'), "no_such_role"),
        (LINEAR.replace('id="Review"', 'id="Start"').replace('"Review"', '"Start"'), "reserved"),
        (
            LINEAR.replace(
                '<bpmn:sequenceFlow id="F4"',
                '<bpmn:scriptTask id="Evil"><bpmn:script>__import__("os").system("id")'
                '</bpmn:script></bpmn:scriptTask><bpmn:sequenceFlow id="F4"',
            ),
            "Evil",
        ),
        (
            LINEAR.replace("&quot;2WD&quot;", "().__class__.__base__.__subclasses__()"),
            "Draft",
        ),
    ],
    ids=[
        "not-xml",
        "truncated",
        "xxe",
        "no-executable",
        "unknown-role",
        "reserved-id",
        "script-escape",
        "due-escape",
    ],
)
def test_bad_bpmn_is_rejected_with_a_reason(pf: Policyflow, xml: str, reason: str) -> None:
    err = rejected(pf, xml)
    assert str(err)
    assert reason in str(err) + " ".join(err.field_errors.get("bpmn", []))


def test_missing_or_invalid_form_is_rejected(pf: Policyflow) -> None:
    assert "missing" in str(rejected(pf, LINEAR, forms={}))
    bad = {"linear_draft.json": {"type": "no-such-type"}}
    assert "not a valid JSON Schema" in str(rejected(pf, LINEAR, forms=bad))


def test_a_caller_needs_its_called_process(pf: Policyflow) -> None:
    caller = LINEAR.replace(
        '<bpmn:userTask id="Review" name="Thẩm định"/>',
        '<bpmn:callActivity id="Review" name="Trình ký" calledElement="nowhere"/>',
    )
    assert "nowhere" in str(rejected(pf, caller))


def test_a_roll_back_brings_back_that_versions_own_forms(pf: Policyflow) -> None:
    first = pf.deploy(LINEAR, FORMS, "chu_quy_trinh", now=NOW)
    stricter = json.loads(json.dumps(FORMS))
    stricter["linear_draft.json"]["title"] = "Dự thảo (mẫu mới)"
    assert pf.deploy(LINEAR, stricter, "chu_quy_trinh", now=NOW)["version"] == 2
    back = pf.versions.rollback("linear3", 1, "chu_quy_trinh", "Trở lại mẫu cũ", now=NOW)
    assert back == {"key": "linear3", "version": 3, "created": True}
    newest = pf.versions.list("linear3")[0]
    assert newest["content_hash"] == first["content_hash"]  # BPMN and forms as in version 1
    assert newest["comment"] == "Trở lại mẫu cũ"
    with pytest.raises(PermissionDenied):
        pf.versions.rollback("linear3", 2, "cv_vhtt", "không được")


def test_an_editor_keeps_the_process_id_it_edits(pf: Policyflow) -> None:
    """The modeler's guard: an edit of linear3 must still be linear3, and a process made
    from a blank diagram must not take the key of an existing one."""
    pf.deploy(LINEAR, FORMS, "chu_quy_trinh", now=NOW, expect_key=NEW_PROCESS)
    renamed = LINEAR.replace('id="linear3"', 'id="linear4"')
    with pytest.raises(InvalidInput, match="mã quy trình 'linear4', không phải 'linear3'"):
        pf.deploy(renamed, FORMS, "chu_quy_trinh", now=NOW, expect_key="linear3")
    with pytest.raises(InvalidInput, match="Đã có quy trình mã 'linear3'"):
        pf.deploy(LINEAR + " ", FORMS, "chu_quy_trinh", now=NOW, expect_key=NEW_PROCESS)
    assert [v["version"] for v in pf.versions.list("linear3")] == [1]
    assert pf.deploy(renamed, FORMS, "chu_quy_trinh", now=NOW, expect_key=NEW_PROCESS)["created"]


def test_the_forms_of_a_version_newest_or_chosen(pf: Policyflow) -> None:
    """`version_forms`: what the modeler shows and edits; for process owners only."""
    pf.deploy(LINEAR, FORMS, "chu_quy_trinh", now=NOW)
    renamed = json.loads(json.dumps(FORMS))
    renamed["linear_draft.json"]["title"] = "Dự thảo (mẫu mới)"
    pf.deploy(LINEAR, renamed, "chu_quy_trinh", now=NOW)
    assert pf.versions.forms("linear3") == renamed  # the newest by default
    assert pf.versions.forms("linear3", 2, "chu_quy_trinh") == renamed
    assert pf.versions.forms("linear3", 1, "admin") == FORMS
    assert pf.versions.forms("linear3", 1)["linear_draft.json"] != renamed["linear_draft.json"]
    with pytest.raises(PermissionDenied):
        pf.versions.forms("linear3", username="cv_vhtt")
    with pytest.raises(NotFound):
        pf.versions.forms("linear3", 3)
    with pytest.raises(NotFound):
        pf.versions.forms("no_such_process", username="chu_quy_trinh")
