"""BPMN validation: one problem per rule, tied to its element; bad input never deploys."""

from __future__ import annotations

import pytest

from engine.bpmn.validation import Problem, validate_bpmn
from engine.errors import BpmnRejected
from engine.facade import Policyflow, read_forms
from tests.conftest import DATA, NOW, WORKFLOWS

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
LINEAR = (DATA / "linear3.bpmn").read_text(encoding="utf-8")
FORMS = read_forms(DATA / "forms")
ROLE = "chuyen_vien_vhtt"  # a seeded role


def model(body: str, executable: str = "true", key: str = "mini", extra: str = "") -> str:
    """A small process: `body` holds its flow nodes; Begin/Finish are free to use."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN_NS}" xmlns:spiffworkflow="{SPIFF_NS}" id="Defs"
    targetNamespace="http://policyflow.test">
  <bpmn:process id="{key}" name="Quy trình nhỏ" isExecutable="{executable}">
{body}
  </bpmn:process>{extra}
</bpmn:definitions>
"""


def straight(middle: str = '<bpmn:task id="Work" name="Làm"/>', target: str = "Work") -> str:
    """Begin → `middle` (whose first node is `target`, last is Work) → Finish."""
    return f"""    <bpmn:startEvent id="Begin"/>
    <bpmn:sequenceFlow id="F1" sourceRef="Begin" targetRef="{target}"/>
    {middle}
    <bpmn:sequenceFlow id="F9" sourceRef="Work" targetRef="Finish"/>
    <bpmn:endEvent id="Finish"/>"""


def user_task_in_lane(role: str | None) -> str:
    lane = (
        f"""<bpmn:laneSet id="Lanes"><bpmn:lane id="Lane1" name="Làn">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="role" value="{role}"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:flowNodeRef>Begin</bpmn:flowNodeRef><bpmn:flowNodeRef>Work</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>Finish</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>"""
        if role
        else ""
    )
    return lane + straight('<bpmn:userTask id="Work" name="Xử lý"/>')


def timer(kind: str, source: str) -> str:
    return straight(
        f"""<bpmn:intermediateCatchEvent id="Wait" name="Chờ">
      <bpmn:timerEventDefinition id="WaitDef"><bpmn:{kind}>{source}</bpmn:{kind}>
      </bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="F2" sourceRef="Wait" targetRef="Work"/>
    <bpmn:task id="Work"/>""",
        target="Wait",
    )


def check(xml: str, forms: dict | None = None, deployed: set[str] | None = None) -> list[Problem]:
    return validate_bpmn(xml, forms or {}, {ROLE}, deployed or set())


def one(problems: list[Problem], rule: str) -> Problem:
    found = [p for p in problems if p.rule == rule]
    assert len(found) == 1, problems
    assert found[0].message and found[0].as_dict()["rule"] == rule
    return found[0]


def test_a_clean_model_has_no_problem(pf: Policyflow) -> None:
    assert check(model(straight())) == []
    verdict = pf.validate(LINEAR, FORMS)
    assert verdict == {"executable": True, "errors": [], "warnings": []}
    assert pf.processes() == []  # validating writes nothing


@pytest.mark.parametrize(
    ("xml", "line"),
    [("not xml at all", 1), (LINEAR[: len(LINEAR) // 2], None), ("", None)],
    ids=["not-xml", "truncated", "empty"],
)
def test_xml_that_does_not_parse(xml: str, line: int | None) -> None:
    problem = one(check(xml), "xml")
    assert (problem.element_id, problem.severity) == (None, "error")
    assert problem.message.startswith("Tệp BPMN")
    if line:
        assert problem.line == line and "dòng 1, cột" in problem.message


def test_schema_errors_name_the_element() -> None:
    body = straight('<bpmn:exclusiveGateway id="Work" gatewayDirection="Sideways"/>')
    problem = one(check(model(body)), "schema")
    assert (problem.element_id, problem.severity) == ("Work", "error")
    assert "lược đồ BPMN 2.0" in problem.message and problem.line


def test_duplicate_ids_are_named() -> None:
    body = straight('<bpmn:task id="Work"/><bpmn:task id="Work"/>')
    problem = one(check(model(body)), "duplicate-id")
    assert (problem.element_id, problem.severity) == ("Work", "error")
    assert "'Work' bị trùng" in problem.message


def test_extension_ids_are_not_element_ids() -> None:
    operator = """<bpmn:serviceTask id="Work"><bpmn:extensionElements>
      <spiffworkflow:serviceTaskOperator id="op"/></bpmn:extensionElements></bpmn:serviceTask>
      <bpmn:serviceTask id="Other"><bpmn:extensionElements>
      <spiffworkflow:serviceTaskOperator id="op"/></bpmn:extensionElements></bpmn:serviceTask>"""
    body = straight(operator, target="Other").replace(
        "</bpmn:serviceTask>\n",
        '</bpmn:serviceTask><bpmn:sequenceFlow id="F2" sourceRef="Other" targetRef="Work"/>\n',
        1,
    )
    assert [p for p in check(model(body)) if p.rule == "duplicate-id"] == []


def test_no_executable_process() -> None:
    problem = one(check(model(straight(), executable="false")), "no-executable-process")
    assert (problem.element_id, problem.severity) == ("mini", "error")
    assert 'isExecutable="true"' in problem.message


def test_two_executable_processes() -> None:
    second = f"""
  <bpmn:process id="other" isExecutable="true">{straight()}</bpmn:process>"""
    problem = one(check(model(straight(), extra=second)), "several-executable-processes")
    assert problem.severity == "error"


def test_reserved_ids() -> None:
    body = straight().replace('"Begin"', '"Start"')
    problem = one(check(model(body)), "reserved-id")
    assert (problem.element_id, problem.severity) == ("Start", "error")


@pytest.mark.parametrize(("role", "words"), [(None, "không nằm trong làn"), ("ghost", "ghost")])
def test_user_task_needs_a_known_lane_role(role: str | None, words: str) -> None:
    problem = one(check(model(user_task_in_lane(role))), "lane-role")
    assert (problem.element_id, problem.severity) == ("Work", "error")
    assert words in problem.message


@pytest.mark.parametrize(
    ("forms", "words"),
    [({}, "Thiếu biểu mẫu"), ({"f.json": {"type": "no-such-type"}}, "không phải JSON Schema")],
    ids=["missing", "invalid"],
)
def test_forms_must_exist_and_be_json_schema(forms: dict, words: str) -> None:
    task = """<bpmn:userTask id="Work"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="formJsonSchemaFilename" value="f.json"/>
      </spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>"""
    lanes = user_task_in_lane(ROLE).split("</bpmn:laneSet>")[0] + "</bpmn:laneSet>"
    problem = one(check(model(lanes + straight(task)), forms), "form")
    assert (problem.element_id, problem.severity) == ("Work", "error")
    assert words in problem.message and "'f.json'" in problem.message


@pytest.mark.parametrize(
    "source",
    ["__import__('os').system('id')", "().__class__.__base__.__subclasses__()", "x ="],
)
def test_scripts_must_compile_in_the_sandbox(source: str) -> None:
    task = f"<bpmn:scriptTask id='Work'><bpmn:script>{source}</bpmn:script></bpmn:scriptTask>"
    problem = one(check(model(straight(task))), "expression")
    assert (problem.element_id, problem.severity) == ("Work", "error")
    assert "hộp cát" in problem.message


@pytest.mark.parametrize(
    ("kind", "source"),
    [
        ("timeDuration", '"P3D"'),
        ("timeDuration", '"PT1H30M"'),
        ("timeDate", '"2024-11-20T08:00:00+07:00"'),
        ("timeCycle", '"R3/PT1H"'),
        ("timeDuration", "deadline"),  # computed at run time: compiling is enough
        ("timeDuration", '"P" + str(days) + "D"'),
    ],
)
def test_good_timers(kind: str, source: str) -> None:
    assert check(model(timer(kind, source))) == []


@pytest.mark.parametrize(
    ("kind", "source"),
    [
        ("timeDuration", '"3 days"'),
        ("timeDuration", '"P3X"'),
        ("timeDate", '"20th of November"'),
        ("timeCycle", '"PT1H"'),
        ("timeCycle", '"R3/soon"'),
        ("timeDuration", "3"),
    ],
)
def test_bad_timer_literals(kind: str, source: str) -> None:
    problem = one(check(model(timer(kind, source))), "timer")
    assert (problem.element_id, problem.severity) == ("Wait", "error")
    assert "ISO 8601" in problem.message


def test_working_day_timer_is_accepted_with_a_warning() -> None:
    problem = one(check(model(timer("timeDuration", '"10WD"'))), "timer")
    assert (problem.element_id, problem.severity) == ("Wait", "warning")


def test_timer_that_does_not_compile_is_an_expression_error() -> None:
    problem = one(check(model(timer("timeDuration", "__import__('os')"))), "expression")
    assert problem.element_id == "Wait"


def test_called_process_must_be_deployed() -> None:
    call = '<bpmn:callActivity id="Work" name="Gọi" calledElement="{}"/>'
    problem = one(check(model(straight(call.format("nowhere")))), "called-process")
    assert (problem.element_id, problem.severity) == ("Work", "error")
    assert "'nowhere'" in problem.message
    assert check(model(straight(call.format("nowhere"))), deployed={"nowhere"}) == []
    assert check(model(straight(call.format("mini")))) == []  # calling itself


def test_unreachable_elements_are_warnings() -> None:
    extra = """<bpmn:task id="Work"/>
    <bpmn:task id="Orphan" name="Bị bỏ quên"/>
    <bpmn:boundaryEvent id="Late" attachedToRef="Work">
      <bpmn:timerEventDefinition id="LateDef"><bpmn:timeDuration>"P1D"</bpmn:timeDuration>
      </bpmn:timerEventDefinition></bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="F5" sourceRef="Late" targetRef="Remind"/>
    <bpmn:task id="Remind"/>
    <bpmn:sequenceFlow id="F6" sourceRef="Remind" targetRef="Finish"/>
    <bpmn:subProcess id="OnMessage" triggeredByEvent="true">
      <bpmn:startEvent id="Heard" isInterrupting="false">
        <bpmn:messageEventDefinition id="HeardDef"/></bpmn:startEvent>
      <bpmn:sequenceFlow id="F7" sourceRef="Heard" targetRef="Note"/>
      <bpmn:task id="Note"/>
      <bpmn:sequenceFlow id="F8" sourceRef="Note" targetRef="Noted"/>
      <bpmn:endEvent id="Noted"/>
    </bpmn:subProcess>"""
    problems = check(model(straight(extra)))
    problem = one(problems, "unreachable")
    assert (problem.element_id, problem.severity) == ("Orphan", "warning")
    assert "Bị bỏ quên" in problem.message
    assert [p for p in problems if p.severity == "error"] == []


def test_unreachable_inside_a_subprocess() -> None:
    sub = """<bpmn:subProcess id="Work">
      <bpmn:startEvent id="SubBegin"/>
      <bpmn:sequenceFlow id="S1" sourceRef="SubBegin" targetRef="SubEnd"/>
      <bpmn:endEvent id="SubEnd"/>
      <bpmn:task id="Lost"/>
    </bpmn:subProcess>"""
    assert one(check(model(straight(sub))), "unreachable").element_id == "Lost"


@pytest.mark.parametrize(
    ("middle", "element_id", "words"),
    [
        ('<bpmn:complexGateway id="Work"/>', "Work", "complexGateway"),
        (
            '<bpmn:task id="Work"/><bpmn:dataStoreReference id="DSR" dataStoreRef="DS"/>',
            "DSR",
            "Kho dữ liệu",
        ),
    ],
    ids=["complex-gateway", "data-store"],
)
def test_unsupported_elements_are_named(middle: str, element_id: str, words: str) -> None:
    extra = '\n  <bpmn:dataStore id="DS" name="Sổ cái"/>' if "dataStore" in middle else ""
    problem = one(check(model(straight(middle), extra=extra)), "unsupported-element")
    assert (problem.element_id, problem.severity) == (element_id, "error")
    assert words in problem.message


def test_choreography_is_an_error_and_conversation_a_warning() -> None:
    extra = """
  <bpmn:choreography id="Chor" name="Phối hợp"/>
  <bpmn:collaboration id="Collab"><bpmn:conversation id="Talk"/></bpmn:collaboration>"""
    problems = [p for p in check(model(straight(), extra=extra)) if p.rule != "schema"]
    by_id = {p.element_id: p for p in problems if p.rule == "unsupported-element"}
    assert by_id["Chor"].severity == "error" and "choreography" in by_id["Chor"].message
    assert by_id["Talk"].severity == "warning"


# -- end to end through deploy --------------------------------------------------------------

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    f'<bpmn:definitions xmlns:bpmn="{BPMN_NS}">&lol3;</bpmn:definitions>'
)
XXE = (
    '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    f'<bpmn:definitions xmlns:bpmn="{BPMN_NS}">&x;</bpmn:definitions>'
)
ESCAPE = LINEAR.replace(
    '<bpmn:sequenceFlow id="F4"',
    '<bpmn:scriptTask id="Evil"><bpmn:script>__import__("os").system("id")'
    '</bpmn:script></bpmn:scriptTask><bpmn:sequenceFlow id="F4"',
)


@pytest.mark.parametrize(
    ("xml", "rule", "element_id"),
    [
        ("not xml at all", "xml", None),
        (LINEAR[: len(LINEAR) // 2], "xml", None),
        (XXE, "xml", None),
        (BILLION_LAUGHS, "xml", None),
        (
            LINEAR.replace('isExecutable="true"', 'isExecutable="false"'),
            "no-executable-process",
            "linear3",
        ),
        (ESCAPE, "expression", "Evil"),
        (LINEAR.replace('value="lanh_dao_ubnd"', 'value="no_such_role"'), "lane-role", "Approve"),
        (LINEAR.replace('id="F4"', 'id="F3"'), "duplicate-id", "F3"),
    ],
    ids=[
        "not-xml",
        "truncated",
        "xxe",
        "billion-laughs",
        "no-executable",
        "script-escape",
        "unknown-role",
        "duplicate-id",
    ],
)
def test_deploy_refuses_with_structured_problems(
    pf: Policyflow, xml: str, rule: str, element_id: str | None
) -> None:
    before = pf.processes()
    with pytest.raises(BpmnRejected) as caught:
        pf.deploy(xml, FORMS, now=NOW)
    err = caught.value
    assert pf.processes() == before  # nothing deployed
    assert str(err).startswith("1 lỗi") or "lỗi, chưa triển khai" in str(err)
    assert err.field_errors["bpmn"] and all(isinstance(t, str) for t in err.field_errors["bpmn"])
    errors = [p for p in err.problems if p["severity"] == "error"]
    assert any(p["rule"] == rule and p["element_id"] == element_id for p in errors), errors
    verdict = pf.validate(xml, FORMS)
    assert verdict["executable"] is False
    assert {(p["rule"], p["element_id"]) for p in verdict["errors"]} == {
        (p["rule"], p["element_id"]) for p in errors
    }


def test_deploy_succeeds_with_warnings_only(pf: Policyflow) -> None:
    orphan = LINEAR.replace(
        '<bpmn:endEvent id="EndEvent"/>',
        '<bpmn:endEvent id="EndEvent"/><bpmn:task id="Orphan" name="Thừa"/>',
    )
    verdict = pf.validate(orphan, FORMS)
    assert verdict["executable"] is True and verdict["errors"] == []
    assert [(w["rule"], w["element_id"]) for w in verdict["warnings"]] == [
        ("unreachable", "Orphan")
    ]
    assert pf.deploy(orphan, FORMS, now=NOW)["created"] is True


def test_shipped_workflows_have_no_errors(deployed: Policyflow) -> None:
    forms = read_forms(WORKFLOWS / "forms")
    for path in sorted(WORKFLOWS.glob("*.bpmn")):
        verdict = deployed.validate(path.read_text(encoding="utf-8"), forms)
        assert verdict["errors"] == [], path.name
        assert verdict["executable"] is True
        for warning in verdict["warnings"]:
            print(path.name, warning["rule"], warning["element_id"], warning["message"])
