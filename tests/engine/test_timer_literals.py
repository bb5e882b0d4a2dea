"""Standard BPMN values without quotes: `PT3S` in a timer (what Camunda Modeler and
every standard tool write) and `3WD` in a due date once deployed, then failed at start
(`NameError: name 'PT3S' is not defined`); now they are read as the values they are,
and a mistyped one is refused at deploy."""

from datetime import timedelta

import pytest

from engine.bpmn.literals import as_expression, is_literal
from engine.bpmn.validation import validate_bpmn
from engine.facade import Policyflow, read_forms
from tests.conftest import DATA, NOW
from tests.engine.test_validation import ROLE, model, timer

LITERALS = [
    "PT3S",
    "P3D",
    "P1Y2M10DT2H30M",
    "PT0.5S",
    "2024-11-20",
    "2024-11-20T08:00:00+07:00",
    "2024-11-20T01:00:00Z",
    "R3/PT10M",
    "R/PT1H",
    "R2/2024-11-20T08:00:00Z/P1D",
    "3WD",
]
EXPRESSIONS = ['"PT3S"', "'P%dD' % days", "deadline", "P", "PT", "3 + 4", "config['due']"]


@pytest.mark.parametrize("source", LITERALS)
def test_a_standard_value_is_read_as_text(source: str) -> None:
    assert is_literal(source) and as_expression(f"  {source} ") == repr(source)


@pytest.mark.parametrize("source", EXPRESSIONS)
def test_an_expression_stays_an_expression(source: str) -> None:
    assert as_expression(source) == source


@pytest.mark.parametrize(
    ("kind", "source"),
    [
        ("timeDuration", "PT3S"),
        ("timeDuration", "P2D"),
        ("timeDate", "2024-11-20T08:00:00+07:00"),
        ("timeCycle", "R3/PT10M"),
    ],
)
def test_unquoted_standard_timers_deploy_clean(kind: str, source: str) -> None:
    assert validate_bpmn(model(timer(kind, source)), {}, {ROLE}, set()) == []


@pytest.mark.parametrize(("kind", "source"), [("timeDuration", "P3X"), ("timeCycle", "R3/PT")])
def test_a_mistyped_unquoted_timer_is_refused_at_deploy(kind: str, source: str) -> None:
    [problem] = validate_bpmn(model(timer(kind, source)), {}, {ROLE}, set())
    assert (problem.element_id, problem.severity, problem.rule) == ("Wait", "error", "timer")


def due_model(due_in: str) -> str:
    xml = (DATA / "linear3.bpmn").read_text(encoding="utf-8")
    return xml.replace('value="&quot;2WD&quot;"', f'value="{due_in}"').replace(
        'id="linear3"', 'id="linear3_due"'
    )


@pytest.mark.parametrize("due_in", ["3WDX", "P3X"])
def test_a_mistyped_unquoted_due_date_is_refused_at_deploy(due_in: str) -> None:
    problems = validate_bpmn(
        due_model(due_in),
        read_forms(DATA / "forms"),
        {"chuyen_vien_vhtt", "truong_phong_vhtt", "lanh_dao_ubnd"},
        set(),
    )
    assert [(p.element_id, p.severity) for p in problems] == [("Draft", "error")], problems


def test_an_unquoted_working_day_due_date_runs(pf: Policyflow) -> None:
    pf.deploy(due_model("3WD"), read_forms(DATA / "forms"), now=NOW)
    started = pf.start("linear3_due", "cv_vhtt", now=NOW)
    [draft] = [t for t in pf.tasks("cv_vhtt") if t["instance_id"] == started["id"]]
    # 3 working days after Tuesday 1 Oct 2024 → end of Friday 4 Oct, local time.
    assert draft["due_at"].startswith("2024-10-04T16:59:59")


TIMED = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="D" targetNamespace="t">
  <bpmn:process id="standard_timer" name="Hẹn giờ chuẩn" isExecutable="true">
    <bpmn:laneSet id="LS"><bpmn:lane id="L" name="Chuyên viên">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="role" value="chuyen_vien_vhtt"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:flowNodeRef>S</bpmn:flowNodeRef><bpmn:flowNodeRef>Wait</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>Work</bpmn:flowNodeRef><bpmn:flowNodeRef>E</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="S"/>
    <bpmn:sequenceFlow id="F1" sourceRef="S" targetRef="Wait"/>
    <bpmn:intermediateCatchEvent id="Wait" name="Chờ 3 giây">
      <bpmn:timerEventDefinition id="WaitDef"><bpmn:timeDuration>PT3S</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="F2" sourceRef="Wait" targetRef="Work"/>
    <bpmn:userTask id="Work" name="Xử lý"/>
    <bpmn:sequenceFlow id="F3" sourceRef="Work" targetRef="E"/>
    <bpmn:endEvent id="E"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_an_unquoted_iso_timer_starts_waits_and_fires(
    pf: Policyflow, every_instance_replays: None
) -> None:
    pf.deploy(TIMED, {}, now=NOW)
    started = pf.start("standard_timer", "cv_vhtt", now=NOW)  # NameError: PT3S, before
    assert pf.tasks("cv_vhtt") == []
    assert pf.fire_due_timers(NOW + timedelta(seconds=2)) == {}
    assert list(pf.fire_due_timers(NOW + timedelta(seconds=4))) == [started["id"]]
    [work] = pf.tasks("cv_vhtt")
    assert pf.complete(work["id"], "cv_vhtt", {}, now=NOW)["status"] == "completed"
