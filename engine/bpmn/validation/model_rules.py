"""Rules on the process as the engine runs it: what SpiffWorkflow refuses, lanes and
roles, forms, sandboxed expressions, timers, called processes."""

from __future__ import annotations

import ast
import re

from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.errors import N_, BpmnRejected, Message
from engine.rules.due import WORKING_DAYS
from engine.rules.forms import check_schema
from engine.sandbox import check_code

from ..literals import as_expression, looks_like_literal
from ..model_info import Expression, ProcessInfo
from ..specs import parse_process
from . import _FLOW_KINDS, BPMN, Problem, _local

_SHAPES = _FLOW_KINDS | {"sequenceFlow", "process", "lane"}
_WHAT = {
    "condition": N_("Điều kiện"),
    "script": N_("Đoạn mã (script)"),
    "timer": N_("Biểu thức hẹn giờ"),
    "loop": N_("Biểu thức lặp"),
    "parameter": N_("Tham số"),
    "dueIn": N_("Thời hạn (dueIn)"),
    "unitFrom": N_("Đơn vị xử lý (unitFrom)"),
    "assigneeFrom": N_("Người được giao (assigneeFrom)"),
}


# -- what SpiffWorkflow refuses ------------------------------------------------------------


def _library_problems(xml: str | bytes, tree: etree._ElementTree) -> list[Problem]:
    try:
        parse_process(xml)
    except BpmnRejected as err:
        return [_unsupported(err.__cause__ or err, tree)]
    return []


def _library_problems_without_process(tree: etree._ElementTree) -> list[Problem]:
    """Without one executable process only the file-wide reading can be checked."""
    try:
        SpiffBpmnParser().add_bpmn_xml(tree, filename="model.bpmn")
    except (SpiffWorkflowException, etree.LxmlError, KeyError, ValueError) as err:
        return [_unsupported(err, tree)]
    return []


def _unsupported(err: BaseException, tree: etree._ElementTree) -> Problem:
    text = " ".join(str(err).split()) or err.__class__.__name__
    text = text.removeprefix("The BPMN could not be read: ")
    element_id = getattr(err, "id", None) or None
    tag = getattr(err, "tag", "") or ""
    data_store = re.fullmatch(r"Data Store with name (.*) has no implementation\.?", text)
    if data_store:
        name = data_store.group(1)
        element_id = _data_store_shape(tree, name)
        message = Message(
            N_(
                "Kho dữ liệu (dataStore) '{name}' không được hỗ trợ: "
                "công cụ không có kho dữ liệu ngoài; hãy bỏ kho dữ liệu khỏi mô hình."
            ),
            {"name": name},
        )
    elif element_id:
        message = Message(
            N_("Phần tử {tag} '{id}' không được công cụ hỗ trợ: {text}"),
            {"tag": tag, "id": element_id, "text": text},
        )
    else:
        message = Message(N_("Công cụ không đọc được mô hình: {text}"), {"text": text})
    line = getattr(err, "line_number", None)
    return Problem(
        element_id,
        message,
        "error",
        "unsupported-element",
        line if isinstance(line, int) else None,
        f"The BPMN could not be read: {text}",
    )


def _data_store_shape(tree: etree._ElementTree, name: str) -> str | None:
    """The first reference to the named data store (the shape on the diagram), or itself."""
    root = tree.getroot()
    for store in root.iter(f"{{{BPMN}}}dataStore"):
        if " ".join((store.get("name") or "").split()) == name:
            for ref in root.iter(f"{{{BPMN}}}dataStoreReference"):
                if ref.get("dataStoreRef") == store.get("id"):
                    return ref.get("id")
            return store.get("id")
    return None


# -- what the engine needs around the model ------------------------------------------------


def _role_problems(info: ProcessInfo, known_roles: set[str]) -> list[Problem]:
    problems = []
    for task in info.user_tasks():
        if not task.role:
            problems.append(
                Problem(
                    task.id,
                    Message(
                        N_("Công việc '{name}' không nằm trong làn (lane) nào có vai trò (role)."),
                        {"name": task.name},
                    ),
                    "error",
                    "lane-role",
                    legacy=f"{task.id}: user task '{task.name}' is in no lane with a role",
                )
            )
        elif task.role not in known_roles:
            problems.append(
                Problem(
                    task.id,
                    Message(
                        N_("Làn của công việc '{name}' có vai trò '{role}' không tồn tại."),
                        {"name": task.name, "role": task.role},
                    ),
                    "error",
                    "lane-role",
                    legacy=f"{task.id}: lane role '{task.role}' does not exist",
                )
            )
    return problems


def _form_problems(info: ProcessInfo, forms: dict[str, dict]) -> list[Problem]:
    users: dict[str, str] = {}
    for element in sorted(info.elements.values(), key=lambda e: e.id):
        if name := element.properties.get("formJsonSchemaFilename"):
            users.setdefault(name, element.id)
    problems = []
    for name in sorted(users):
        if name not in forms:
            message = Message(N_("Thiếu biểu mẫu '{name}'."), {"name": name})
            legacy = f"form '{name}' is missing"
        elif not isinstance(forms[name], dict):
            message = Message(
                N_("Biểu mẫu '{name}' không phải JSON Schema hợp lệ: phải là một đối tượng."),
                {"name": name},
            )
            legacy = f"form '{name}' is not a valid JSON Schema: not an object"
        elif (reason := check_schema(forms[name])) is not None:
            message = Message(
                N_("Biểu mẫu '{name}' không phải JSON Schema hợp lệ: {reason}"),
                {"name": name, "reason": reason},
            )
            legacy = f"form '{name}' is not a valid JSON Schema: {reason}"
        else:
            continue
        problems.append(Problem(users[name], message, "error", "form", legacy=legacy))
    return problems


def _expression_problems(info: ProcessInfo, process: etree._Element) -> list[Problem]:
    index = {node.get("id"): node for node in process.iter(etree.Element) if node.get("id")}
    problems = []
    for expr in info.expressions:
        if expr.what == "dueIn" and looks_like_literal(expr.source):  # timers: below
            problems.append(_not_a_literal(_shape_id(index.get(expr.element_id)), expr))
        elif (reason := check_code(expr.source, expr.mode)) is not None:
            what = Message(_WHAT[expr.what]) if expr.what in _WHAT else expr.what
            problems.append(
                Problem(
                    _shape_id(index.get(expr.element_id)) or expr.element_id,
                    Message(
                        N_("{what} '{source}' không chạy được trong hộp cát: {reason}"),
                        {"what": what, "source": _short(expr.source), "reason": reason},
                    ),
                    "error",
                    "expression",
                    legacy=f"{expr.element_id}: {expr.what} '{expr.source[:60]}': {reason}",
                )
            )
    return problems


def _not_a_literal(shape: str | None, expr: Expression) -> Problem:
    """A due date that tries to be an ISO 8601 or working-day value and is not one (a
    quoted or valid one was read as text already: engine.bpmn.literals)."""
    what = Message(_WHAT[expr.what]) if expr.what in _WHAT else expr.what
    return Problem(
        shape or expr.element_id,
        Message(
            N_(
                "{what} '{source}' không phải giá trị hợp lệ: cần thời lượng ISO 8601 "
                "(PT24H, P3D), ngày giờ (2024-11-20T08:00:00+07:00), chu kỳ (R3/PT1H) hoặc "
                "số ngày làm việc (10WD)."
            ),
            {"what": what, "source": _short(expr.source)},
        ),
        "error",
        "expression",
    )


def _shape_id(node: etree._Element | None) -> str | None:
    """The id of the diagram element that holds `node` (an event definition has no shape)."""
    while node is not None and _local(node) not in _SHAPES:
        node = node.getparent()
    return node.get("id") if node is not None else None


def _short(source: str) -> str:
    flat = " ".join(source.split())
    return flat if len(flat) <= 60 else flat[:59] + "…"


def _timer_problems(process: etree._Element) -> list[Problem]:
    problems = []
    for definition in process.iter(f"{{{BPMN}}}timerEventDefinition"):
        owner = _shape_id(definition)
        for node in definition:
            kind = etree.QName(node).localname if isinstance(node.tag, str) else ""
            source = as_expression((node.text or "").strip())
            if kind not in ("timeDuration", "timeDate", "timeCycle") or not source:
                continue
            if check_code(source, "eval") is not None:
                continue  # the expression rule reports it
            try:
                value = ast.literal_eval(source)
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                if not looks_like_literal(source):
                    continue  # computed at run time: compiling is all that can be checked
                value = source  # "P3X": a mistyped literal, not a Python name
            if problem := _timer_literal(owner, kind, value, node.sourceline):
                problems.append(problem)
    return problems


def _timer_literal(owner: str | None, kind: str, value: object, line: int) -> Problem | None:
    text = value.strip() if isinstance(value, str) else None
    if text and WORKING_DAYS.match(text):
        return Problem(
            owner,
            Message(
                N_(
                    "Hẹn giờ '{text}' tính theo ngày làm việc: bộ hẹn giờ của SpiffWorkflow chưa "
                    "hiểu cú pháp này (chỉ thời hạn dueIn của công việc hiểu); hãy kiểm tra khi "
                    "chạy thử."
                ),
                {"text": text},
            ),
            "warning",
            "timer",
            line,
        )
    parse = {
        "timeDuration": TimerEventDefinition.parse_time_or_duration,
        "timeDate": TimerEventDefinition.get_datetime,
        "timeCycle": TimerEventDefinition.parse_iso_recurring_interval,
    }[kind]
    if text:
        try:
            parse(text)
            if kind != "timeCycle" or text.upper().startswith("R"):
                return None
        except Exception:  # the library raises bare Exception, AttributeError, ValueError…
            pass
    example = {
        "timeDuration": Message(N_('"P3D" hoặc "PT4H"')),
        "timeDate": '"2024-11-20T08:00:00+07:00"',
        "timeCycle": '"R3/PT1H"',
    }[kind]
    return Problem(
        owner,
        Message(
            N_(
                "Hẹn giờ {value} không phải giá trị ISO 8601 hợp lệ cho {kind} "
                '(ví dụ {example}) hay số ngày làm việc ("10WD").'
            ),
            {"value": repr(value), "kind": kind, "example": example},
        ),
        "error",
        "timer",
        line,
    )


def _called_problems(
    process: etree._Element, info: ProcessInfo, deployed: set[str]
) -> list[Problem]:
    problems = []
    for node in process.iter(f"{{{BPMN}}}callActivity"):
        called = node.get("calledElement")
        if called and called != info.key and called not in deployed:
            problems.append(
                Problem(
                    node.get("id"),
                    Message(
                        N_(
                            "Quy trình được gọi '{key}' chưa được triển khai; "
                            "hãy triển khai nó trước."
                        ),
                        {"key": called},
                    ),
                    "error",
                    "called-process",
                    node.sourceline,
                    f"called process '{called}' is not deployed",
                )
            )
    return problems
