"""The BPMN code sandbox: an escape corpus, resource bombs, and real use.

Every escape payload runs twice through a real SpiffWorkflow workflow: once as
a script task and once as a gateway condition.  Each must fail with a
SandboxError and leave no trace on the host.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from engine.sandbox import SandboxError, check_code, make_script_engine

NOW = datetime(2024, 10, 1, 8, 0, tzinfo=UTC)
MARKER_PREFIX = "/tmp/pwned-"


def _services(name: str, params: dict[str, Any], data: dict[str, Any]) -> Any:
    if name == "allocate_document_number":
        return {"number": 5, "symbol": f"05/{params['doc_type']}-UBND"}
    if name == "notify":
        return {"sent": 2}
    raise LookupError(f"unknown operation {name}")


ENGINE = make_script_engine(clock=lambda: NOW, services=_services)
ENV = ENGINE.environment


def evaluate(expression: str, **data: Any) -> Any:
    return ENV.evaluate(expression, data)


def execute(script: str, **data: Any) -> dict[str, Any]:
    ENV.execute(script, data)
    return data


# --------------------------------------------------------------------- workflows

_NS = (
    'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"'
)

GATE_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {ns} id="Defs" targetNamespace="http://policyflow.test">
  <bpmn:process id="gate" isExecutable="true">
    <bpmn:startEvent id="Begin"/>
    <bpmn:sequenceFlow id="F1" sourceRef="Begin" targetRef="Script"/>
    <bpmn:scriptTask id="Script" name="Script"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="F2" sourceRef="Script" targetRef="Gate"/>
    <bpmn:exclusiveGateway id="Gate" default="F_no"/>
    <bpmn:sequenceFlow id="F_yes" sourceRef="Gate" targetRef="Yes">
      <bpmn:conditionExpression>{condition}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="F_no" sourceRef="Gate" targetRef="No"/>
    <bpmn:endEvent id="Yes"/>
    <bpmn:endEvent id="No"/>
  </bpmn:process>
</bpmn:definitions>
"""

FULL_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {ns} id="Defs" targetNamespace="http://policyflow.test">
  <bpmn:process id="full" isExecutable="true">
    <bpmn:startEvent id="Begin"/>
    <bpmn:sequenceFlow id="F1" sourceRef="Begin" targetRef="Prepare"/>
    <bpmn:scriptTask id="Prepare" name="Prepare">
      <bpmn:script>opened = now()
due = after(opened, "P7D")
reminder = before("2024-10-10", "P3D")
codes = [unit["code"] for unit in reporting_units if unit["code"].startswith("X")]
summary = ", ".join(sorted(u["name"].upper() for u in reporting_units))
counts = {{}}
for unit in reporting_units:
    counts[unit["code"]] = counts.get(unit["code"], 0) + 1
def helper(n):
    return n * 2
doubled = helper(len(codes))</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="F2" sourceRef="Prepare" targetRef="Number"/>
    <bpmn:serviceTask id="Number" name="Number">
      <bpmn:extensionElements>
        <spiffworkflow:preScript>kind = "QĐ"</spiffworkflow:preScript>
        <spiffworkflow:serviceTaskOperator id="allocate_document_number" resultVariable="doc">
          <spiffworkflow:parameters>
            <spiffworkflow:parameter id="doc_type" type="str" value="kind"/>
          </spiffworkflow:parameters>
        </spiffworkflow:serviceTaskOperator>
        <spiffworkflow:postScript>symbol = doc["symbol"]</spiffworkflow:postScript>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="F3" sourceRef="Number" targetRef="Gate"/>
    <bpmn:exclusiveGateway id="Gate" default="F_no"/>
    <bpmn:sequenceFlow id="F_yes" sourceRef="Gate" targetRef="Approved">
      <bpmn:conditionExpression>
        review_decision == "approve" and doc["number"] &gt; 0
      </bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="F_no" sourceRef="Gate" targetRef="Rejected"/>
    <bpmn:endEvent id="Approved"/>
    <bpmn:endEvent id="Rejected"/>
  </bpmn:process>
</bpmn:definitions>
"""


def _workflow(xml: str, process: str, data: dict[str, Any]) -> BpmnWorkflow:
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(xml.encode("utf-8"), filename=f"{process}.bpmn")
    workflow = BpmnWorkflow(parser.get_spec(process), script_engine=ENGINE)
    start = workflow.get_tasks(state=TaskState.READY)[0]
    start.data.update(data)
    return workflow


def run_gate(script: str = "pass", condition: str = "True", **data: Any) -> BpmnWorkflow:
    xml = GATE_BPMN.format(ns=_NS, script=escape(script), condition=escape(condition))
    workflow = _workflow(xml, "gate", data)
    workflow.do_engine_steps()
    return workflow


def completed_names(workflow: BpmnWorkflow) -> set[str]:
    return {task.task_spec.name for task in workflow.get_tasks(state=TaskState.COMPLETED)}


def sandbox_cause(error: BaseException) -> SandboxError | None:
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, SandboxError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


# ------------------------------------------------------------------ escape corpus

# "{marker}" is replaced by a fresh /tmp path that must never come into existence.
ESCAPES: dict[str, str] = {
    "import statement": "import os\nos.system('touch {marker}')",
    "from import": "from os import system\nsystem('touch {marker}')",
    "__import__": "__import__('os').system('touch {marker}')",
    "subclasses walk": "().__class__.__base__.__subclasses__()",
    "class via data value": "review_decision.__class__.__mro__[1].__subclasses__()",
    "open for writing": "open('{marker}', 'w').write('x')",
    "open /etc/passwd": "open('/etc/passwd').read()",
    "getattr with built name": "getattr((), '__cla' + 'ss__')",
    "setattr": "setattr(review_decision, 'upper', 1)",
    "format attribute walk": "'{0.__class__.__base__}'.format(1)",
    "format_map walk": "'{x.__class__}'.format_map({'x': 1})",
    "unbound str.format": "str.format('{0.__class__}', 1)",
    "method of a type object": "list.append([], 1)",
    "generator frame walk": "[g.gi_frame.f_back.f_globals for g in [(x for x in [1])]]",
    "generator frame via walrus": "(g := (x for x in [1])) and g.gi_frame",
    "generator method at run time": "(x for x in [1]).send(None)",
    "lambda globals": "(lambda: 0).__globals__",
    "lambda code": "(lambda: 0).__code__.co_consts",
    "function globals": "def f():\n    pass\nx = f.__globals__['__builtins__']",
    "traceback frame": "try:\n    1 / 0\nexcept Exception as e:\n    x = e.__traceback__.tb_frame",
    "type() class factory": "type('X', (dict,), {})",
    "type().mro": "type(review_decision).mro()",
    "class definition": "class D(dict):\n    pass",
    "decorator": "def deco(f):\n    return f\n@deco\ndef g():\n    pass",
    "global statement": "def f():\n    global review_decision\n    review_decision = 1\nf()",
    "nonlocal statement": "def f():\n    x = 1\n    def g():\n        nonlocal x\n    g()\nf()",
    "with statement": "with open('{marker}', 'w') as fh:\n    fh.write('x')",
    "try keeps looping": "while True:\n    try:\n        while True:\n            pass\n"
    "    except Exception:\n        pass",
    "yield": "def f():\n    yield 1\nx = sorted(f())",
    "async def": "async def f():\n    pass",
    "async comprehension": "[x async for x in items]",
    "f-string attribute walk": "f'{review_decision.__class__.__mro__}'",
    "f-string width bomb": "f'{1:>1000000000}'",
    "walrus onto builtins": "(b := __builtins__)",
    "starred unpack bomb": "[*range(10**9)]",
    "starred repeat bomb": "[*'a' * 10**10]",
    "globals()": "globals()['__builtins__']",
    "locals()/vars()/dir()": "[locals(), vars(), dir()]",
    "eval": "eval('1 + 1')",
    "exec": "exec('import os')",
    "compile": "compile('1', 'x', 'eval')",
    "breakpoint/input/help": "[breakpoint(), input(), help()]",
    "object/super/memoryview": "[object(), super(), memoryview([])]",
    "string module trick": "__import__('string').Formatter().get_field('0.__class__', [1], {})",
    "dunder name": "__name__",
    "attribute assignment": "review_decision.upper = 1",
    "isinstance probing": "isinstance(1, review_decision)",
    "match class pattern": "match review_decision:\n    case str(x):\n        pass",
    "bytes constant": "b'x'",
}

BOMBS: dict[str, str] = {
    "while True": "while True:\n    pass",
    "huge range loop": "for i in range(10**9):\n    pass",
    "string repetition": "x = 'a' * 10**10",
    "list repetition": "x = [0] * 10**9",
    "power tower": "x = 10 ** 10 ** 10",
    "left shift": "x = 1 << 10**10",
    "nested comprehension": "x = [[0] * 1000 for a in range(1000) for b in range(1000)]",
    "append forever": "x = []\nwhile True:\n    x.append(1)",
    "extend doubling": "x = [1]\nwhile True:\n    x.extend(x)",
    "string doubling": "s = 'ab'\nwhile True:\n    s = s + s",
    "in-place doubling": "s = ['ab']\nwhile True:\n    s += s",
    "replace growth": "s = 'aa'\nwhile True:\n    s = s.replace('a', 'aa')",
    "ljust": "x = 'x'.ljust(10**10)",
    "percent width": "x = '%1000000000d' % 1",
    "round digits": "x = round(5, -10**9)",
    "sum of lists": "x = sum([[0] * 1000] * 1000, [])",
    "exponential recursion": "def f(n):\n    return [f(n - 1), f(n - 1)] if n else 0\nx = f(60)",
    "integer squaring": "x = 3\nwhile True:\n    x = x * x",
    "slice copies": "x = [0] * 1000000\ny = []\nwhile True:\n    y.append(x[:])",
    "shared repr": "x = str(['a' * 100000] * 10000)",
    "dict comprehension": "x = {i: [0] * 100000 for i in range(1000)}",
    "join of a generator": "x = ','.join(str(i) for i in range(10**6) for j in range(10))",
}


@pytest.fixture
def marker() -> Iterator[Path]:
    path = Path(f"{MARKER_PREFIX}{uuid.uuid4()}")
    yield path
    assert not path.exists(), f"sandbox escape: {path} was created"


def _blocked_in_workflow(**kwargs: str) -> SandboxError:
    with pytest.raises(WorkflowTaskException) as caught:
        run_gate(review_decision="approve", items=[1], **kwargs)
    cause = sandbox_cause(caught.value)
    assert cause is not None, f"not stopped by the sandbox: {caught.value!r}"
    assert str(cause) in str(caught.value), "the sandbox's reason must reach the user"
    return cause


@pytest.mark.parametrize("payload", list(ESCAPES.values()), ids=list(ESCAPES))
def test_escape_blocked_in_script_task(payload: str, marker: Path) -> None:
    _blocked_in_workflow(script=payload.replace("{marker}", str(marker)))


@pytest.mark.parametrize("payload", list(ESCAPES.values()), ids=list(ESCAPES))
def test_escape_blocked_as_condition(payload: str, marker: Path) -> None:
    _blocked_in_workflow(condition=payload.replace("{marker}", str(marker)))


@pytest.mark.parametrize("payload", list(ESCAPES.values()), ids=list(ESCAPES))
def test_escape_refused_at_deploy_or_run(payload: str, marker: Path) -> None:
    source = payload.replace("{marker}", str(marker))
    if check_code(source, "exec") is None:  # some only fail when run (stubs, type checks)
        with pytest.raises(SandboxError):
            execute(source, review_decision="approve", items=[1])


@pytest.mark.parametrize("payload", list(BOMBS.values()), ids=list(BOMBS))
def test_resource_bomb_stopped(payload: str) -> None:
    with pytest.raises(SandboxError, match="limit"):
        execute(payload)


@pytest.mark.parametrize("payload", list(BOMBS.values()), ids=list(BOMBS))
def test_resource_bomb_stopped_in_workflow(payload: str) -> None:
    cause = _blocked_in_workflow(script=payload)
    assert "limit" in str(cause)


def test_limits_message_names_the_limit() -> None:
    with pytest.raises(SandboxError, match=r"step limit"):
        execute("while True:\n    pass")
    with pytest.raises(SandboxError, match=r"10,000,000,000 characters.*memory limit"):
        evaluate("'a' * 10**10")


def test_budget_is_per_evaluation_and_per_thread() -> None:
    # ~600k steps each: fine alone; a budget shared by the threads would stop them.
    script = "total = 0\nfor i in range(100000):\n    total += 1"
    results: list[object] = []

    def work() -> None:
        try:
            results.append(execute(script)["total"])
        except Exception as error:  # collected for the assertion below
            results.append(error)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [100000] * 4


def test_a_stopped_evaluation_leaves_the_next_one_unaffected() -> None:
    with pytest.raises(SandboxError):
        execute("while True:\n    pass")
    assert evaluate("1 + 1") == 2


def test_policy_messages_name_the_offender() -> None:
    assert check_code("x.__class__", "eval") == "Line 1: the attribute '__class__' is not allowed"
    assert "'import' is not allowed" in str(check_code("a = 1\nimport os", "exec"))
    assert "Line 2" in str(check_code("a = 1\nimport os", "exec"))
    assert "Syntax error on line 1" in str(check_code("a ==", "eval"))
    assert check_code("review_decision == 'approve'", "eval") is None
    with pytest.raises(SandboxError, match="'open' is not available"):
        evaluate("open('/etc/passwd')")
    with pytest.raises(SandboxError, match="'gi_frame' is not allowed"):
        evaluate("(x for x in []).gi_frame")


def test_run_time_attribute_whitelist_backs_up_the_static_policy() -> None:
    with pytest.raises(SandboxError, match="'close' is not allowed on a generator"):
        evaluate("(x for x in []).close()")
    with pytest.raises(SandboxError, match="'bit_length' is not allowed on a int"):
        evaluate("(5).bit_length()")
    with pytest.raises(SandboxError, match="'upper' is not allowed on None"):
        evaluate("x.upper()", x=None)


# ------------------------------------------------------------------ normal use


def test_expressions_see_task_data() -> None:
    assert evaluate('review_decision == "approve"', review_decision="approve") is True
    assert evaluate('config["p1_initial_info_due"]', config={"p1_initial_info_due": "P3D"}) == "P3D"
    units = [{"code": "X1", "name": "Xã 1"}, {"code": "T2", "name": "Thị trấn"}]
    assert evaluate(
        '[u["code"] for u in reporting_units if u["code"].startswith("X")]', reporting_units=units
    ) == ["X1"]
    assert evaluate("any(u['code'] == 'T2' for u in units) and len(units) == 2", units=units)
    assert evaluate("data.get('missing', 'default').upper()", data={}) == "DEFAULT"
    assert evaluate("isinstance(x, (int, float)) and not isinstance(x, str)", x=3)
    assert evaluate("f'{n:03d}/{kind}-UBND'", n=5, kind="QĐ") == "005/QĐ-UBND"
    assert evaluate("'%s-%02d' % (a, b)", a="KH", b=7) == "KH-07"
    assert evaluate("sorted(d.items())[0][1] + max([1, 5, 3]) + sum(range(4))", d={"b": 1}) == 12
    assert evaluate("' a,b '.strip().split(',')") == ["a", "b"]
    assert evaluate("{**d, 'k': [*xs, 3]}", d={"a": 1}, xs=[1, 2]) == {"a": 1, "k": [1, 2, 3]}


def test_date_helpers() -> None:
    assert evaluate("now()") == "2024-10-01T08:00:00+00:00"
    assert evaluate("after(now(), 'PT12H')") == "2024-10-01T20:00:00+00:00"
    assert evaluate("after('2024-01-31', 'P1M')") == "2024-02-29"
    assert evaluate("before('2024-10-10', 'P7D')") == "2024-10-03"
    assert evaluate("after('2024-10-01T08:00:00Z', 'P1DT2H')") == "2024-10-02T10:00:00+00:00"
    with pytest.raises(ValueError, match="not an ISO 8601 duration"):
        evaluate("after(now(), '7 days')")


def test_scripts_keep_spiff_semantics() -> None:
    data = execute(
        "total = 0\n"
        "for item in items:\n"
        "    total += item['qty']\n"
        "items.append({'qty': 0})\n"
        "def double(n):\n"
        "    return n * 2\n"
        "doubled = double(total)\n"
        "names = [n.lower() for n in ['A', 'B']]\n"
        "del tmp\n",
        items=[{"qty": 2}, {"qty": 3}],
        tmp=1,
    )
    assert data == {
        "items": [{"qty": 2}, {"qty": 3}, {"qty": 0}],
        "total": 5,
        "doubled": 10,
        "item": {"qty": 3},
        "names": ["a", "b"],
    }  # the function 'double' and the builtins do not leak into the data


def test_non_json_values_are_refused_and_dropped() -> None:
    data: dict[str, Any] = {"keep": 1}
    with pytest.raises(SandboxError, match="variable 'seen' holds a set"):
        ENV.execute("seen = set([1])\nok = [1]", data)
    assert data == {"keep": 1, "ok": [1]}  # the workflow stays serializable
    with pytest.raises(SandboxError, match=r"variable 'x\[0\]' holds a function"):
        execute("x = [lambda: 1]")
    with pytest.raises(SandboxError, match="holds a generator"):
        evaluate("(i for i in [1])")


def test_ordinary_errors_surface_as_in_spiff() -> None:
    with pytest.raises(NameError):
        evaluate("missing_name")
    with pytest.raises(ZeroDivisionError):
        execute("x = 1 / 0")
    with pytest.raises(KeyError):
        evaluate("d['nope']", d={})


def test_errors_reach_the_user_through_the_engine() -> None:
    with pytest.raises(WorkflowTaskException) as caught:
        run_gate(script="a = 1\nb = {}['k']")
    assert "line 2" in str(caught.value) and "KeyError" in str(caught.value)
    with pytest.raises(WorkflowTaskException) as caught:
        run_gate(condition="1 / 0")
    assert "ZeroDivisionError" in str(caught.value)


def test_full_workflow_with_script_service_and_gateway() -> None:
    units = [{"code": "X1", "name": "Xã 1"}, {"code": "T2", "name": "Thị trấn 2"}]
    for decision, end in (("approve", "Approved"), ("reject", "Rejected")):
        workflow = _workflow(
            FULL_BPMN.format(ns=_NS),
            "full",
            {"reporting_units": units, "review_decision": decision},
        )
        workflow.do_engine_steps()
        assert workflow.is_completed()
        names = completed_names(workflow)
        assert end in names and ({"Approved", "Rejected"} - {end}).isdisjoint(names)
        data = workflow.data
        assert data["opened"] == "2024-10-01T08:00:00+00:00"
        assert data["due"] == "2024-10-08T08:00:00+00:00"
        assert data["reminder"] == "2024-10-07"
        assert data["codes"] == ["X1"] and data["doubled"] == 2
        assert data["summary"] == "THỊ TRẤN 2, XÃ 1"
        assert data["counts"] == {"X1": 1, "T2": 1}
        assert data["doc"] == {"number": 5, "symbol": "05/QĐ-UBND"}
        assert data["symbol"] == "05/QĐ-UBND"
        assert "helper" not in data and "__builtins__" not in data


def test_service_errors_reach_the_user() -> None:
    xml = FULL_BPMN.format(ns=_NS).replace("allocate_document_number", "no_such_operation")
    workflow = _workflow(xml, "full", {"reporting_units": [], "review_decision": "approve"})
    with pytest.raises(WorkflowTaskException, match="'no_such_operation' failed: LookupError"):
        workflow.do_engine_steps()


def test_engine_is_cheap_on_the_hot_path() -> None:
    # Not a timing assertion: the compiled code is cached by source text.
    from engine.sandbox.compiler import _compile_cached

    evaluate('review_decision == "approve"', review_decision="x")
    before = _compile_cached.cache_info().hits
    for _ in range(10):
        evaluate('review_decision == "approve"', review_decision="x")
    assert _compile_cached.cache_info().hits == before + 10
