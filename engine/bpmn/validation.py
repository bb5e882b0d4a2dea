"""Everything wrong with a BPMN file, each problem tied to the element it is about.

The modeler page and the deploy API show these on the diagram: an error blocks deploy,
a warning does not. `validate_bpmn` never raises for bad input; it reports.
"""

from __future__ import annotations

import ast
import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

import SpiffWorkflow
from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.due import WORKING_DAYS
from engine.errors import BpmnRejected
from engine.forms import check_schema
from engine.sandbox import check_code

from .model_info import FLOW_NODES, NS, ProcessInfo, executable_processes, read_process
from .specs import RESERVED_IDS, parse_process
from .xml_safety import BpmnXmlError, parse_bpmn_xml

Severity = Literal["error", "warning"]
BPMN = NS["bpmn"]
_SCHEMA_DIR = Path(SpiffWorkflow.__file__).parent / "bpmn" / "parser" / "schema"
_MAX_SCHEMA_ERRORS = 20
_FLOW_KINDS = frozenset(FLOW_NODES) | {"adHocSubProcess"}
_SHAPES = _FLOW_KINDS | {"sequenceFlow", "process", "lane"}
_ID_NAMESPACES = frozenset({BPMN, "http://www.omg.org/spec/BPMN/20100524/DI"})
_SCOPES = ("subProcess", "transaction")
_CHOREOGRAPHY = ("choreography", "choreographyTask", "subChoreography", "callChoreography")
_CONVERSATION = ("conversation", "subConversation", "callConversation")
_WHAT = {
    "condition": "Điều kiện",
    "script": "Đoạn mã (script)",
    "timer": "Biểu thức hẹn giờ",
    "loop": "Biểu thức lặp",
    "parameter": "Tham số",
    "dueIn": "Thời hạn (dueIn)",
    "unitFrom": "Đơn vị xử lý (unitFrom)",
}


@dataclass(frozen=True)
class Problem:
    element_id: str | None
    message: str  # Vietnamese, one sentence a process owner can act on
    severity: Severity
    rule: str  # xml, schema, duplicate-id, lane-role, form, expression, timer, …
    line: int | None = None
    # The pre-issue-5 English text of the rules that existed then; deploy keeps it in
    # BpmnRejected.field_errors["bpmn"] so API clients matching on it keep working.
    legacy: str | None = field(default=None, compare=False, repr=False)

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        del data["legacy"]
        return data

    def as_text(self) -> str:
        return f"{self.element_id}: {self.message}" if self.element_id else self.message


def validate_bpmn(
    xml: str | bytes,
    forms: dict[str, dict],
    known_roles: set[str],
    deployed_processes: set[str],
) -> list[Problem]:
    """Every problem with `xml`; empty when the engine can deploy and run it as is."""
    try:
        tree = parse_bpmn_xml(xml)
    except BpmnXmlError as err:
        return [_xml_problem(str(err))]
    problems = _schema_problems(tree) + _duplicate_ids(tree) + _foreign_elements(tree)
    processes = executable_processes(tree)
    if len(processes) != 1:
        problems.append(_executable_count(tree, len(processes)))
        problems += _library_problems_without_process(tree)
        return problems
    info = read_process(processes[0])
    if reserved := sorted(RESERVED_IDS & set(info.elements)):
        problems += [
            Problem(
                rid,
                f"Mã phần tử '{rid}' được công cụ dành riêng; hãy đổi sang mã khác.",
                "error",
                "reserved-id",
                legacy=f"Element id {rid} is reserved by the engine; rename it.",
            )
            for rid in reserved
        ]
    elif not any(p.rule == "duplicate-id" for p in problems):
        problems += _library_problems(xml, tree)
    problems += _role_problems(info, known_roles)
    problems += _form_problems(info, forms)
    problems += _expression_problems(info, processes[0])
    problems += _timer_problems(processes[0])
    problems += _called_problems(processes[0], info, deployed_processes)
    problems += _unreachable(processes[0])
    return problems


# -- well-formed, safe XML --------------------------------------------------------------

_XML_MESSAGES = [
    (
        r"The BPMN file is ([\d,]+) bytes; the limit is ([\d,]+) bytes",
        "Tệp BPMN dài {0} byte, vượt giới hạn {1} byte.",
    ),
    (r"The BPMN file is empty", "Tệp BPMN trống."),
    (
        r"The BPMN file is not valid UTF-8 text \(line (\d+)\)",
        "Tệp BPMN không phải văn bản UTF-8 hợp lệ (dòng {0}).",
    ),
    (
        r"DOCTYPE and ENTITY declarations are not allowed in BPMN files(?: \(line (\d+)\))?",
        "Tệp BPMN không được chứa khai báo DOCTYPE hay ENTITY (dòng {0}).",
    ),
    (
        r"The BPMN file is not well-formed XML \(line (\d+), column (\d+)\): (.*)",
        "Tệp BPMN không phải XML hợp lệ (dòng {0}, cột {1}): {2}",
    ),
    (
        r"The BPMN file is not well-formed XML: (.*)",
        "Tệp BPMN không phải XML hợp lệ: {0}",
    ),
    (
        r"The root element must be .* \(found '(.*)', line (\d+)\)",
        "Phần tử gốc phải là bpmn:definitions của BPMN 2.0 (gặp '{0}', dòng {1}).",
    ),
    (
        r"Entity references are not allowed \(line (\d+)\)",
        "Tệp BPMN không được dùng tham chiếu thực thể (entity) (dòng {0}).",
    ),
    (
        r"XInclude is not allowed in BPMN files \(line (\d+)\)",
        "Tệp BPMN không được dùng XInclude (dòng {0}).",
    ),
]


def _xml_problem(text: str) -> Problem:
    line = re.search(r"\(line (\d+)", text)
    for pattern, template in _XML_MESSAGES:
        if match := re.fullmatch(pattern, text, re.DOTALL):
            message = template.format(*(g or "?" for g in match.groups()))
            message = message.replace(" (dòng ?)", "")
            break
    else:
        message = f"Tệp BPMN không đọc được: {text}"
    return Problem(None, message, "error", "xml", int(line.group(1)) if line else None, text)


# -- XML Schema ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _schema() -> etree.XMLSchema:
    """BPMN 2.0 XSD as shipped in SpiffWorkflow; its imports are local files, no network."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(_SCHEMA_DIR / "BPMN20.xsd"), parser))


def _schema_problems(tree: etree._ElementTree) -> list[Problem]:
    schema = _schema()
    if schema.validate(tree):
        return []
    by_line: dict[int, etree._Element] = {}
    for element in tree.getroot().iter(etree.Element):
        by_line.setdefault(element.sourceline, element)
    problems = []
    for error in list(schema.error_log)[:_MAX_SCHEMA_ERRORS]:
        if "xs:ID" in error.message and "Duplicate" in error.message:
            continue  # the duplicate-id rule names it better
        text = re.sub(r"\{http://www\.omg\.org/spec/BPMN/20100524/MODEL\}", "bpmn:", error.message)
        problems.append(
            Problem(
                _id_at(by_line.get(error.line)),
                f"Không đúng lược đồ BPMN 2.0 (dòng {error.line}): {text}",
                "error",
                "schema",
                error.line,
            )
        )
    return problems


def _id_at(element: etree._Element | None) -> str | None:
    while element is not None and element.get("id") is None:
        element = element.getparent()
    return element.get("id") if element is not None else None


def _duplicate_ids(tree: etree._ElementTree) -> list[Problem]:
    """Ids of BPMN and diagram elements (extension elements' own `id`s are not element ids)."""
    lines: dict[str, list[int]] = defaultdict(list)
    for element in tree.getroot().iter(etree.Element):
        if etree.QName(element).namespace not in _ID_NAMESPACES:
            continue
        if (eid := element.get("id")) is not None:
            lines[eid].append(element.sourceline)
    return [
        Problem(
            eid,
            f"Mã phần tử '{eid}' bị trùng ({len(at)} lần, dòng {', '.join(map(str, at))}); "
            "mỗi phần tử cần một mã riêng.",
            "error",
            "duplicate-id",
            at[1],
        )
        for eid, at in lines.items()
        if len(at) > 1
    ]


def _foreign_elements(tree: etree._ElementTree) -> list[Problem]:
    """Diagram kinds the engine cannot run: choreographies (error), conversations (ignored)."""
    problems = []
    for kinds, severity, note in (
        (_CHOREOGRAPHY, "error", "công cụ không chạy được sơ đồ phối hợp (choreography)"),
        (_CONVERSATION, "warning", "công cụ bỏ qua sơ đồ hội thoại (conversation)"),
    ):
        for node in tree.getroot().iter(*(f"{{{BPMN}}}{kind}" for kind in kinds)):
            kind = etree.QName(node).localname
            problems.append(
                Problem(
                    node.get("id"),
                    f"Phần tử {kind} '{node.get('name') or node.get('id')}' không được hỗ trợ: "
                    f"{note}.",
                    severity,  # type: ignore[arg-type]
                    "unsupported-element",
                    node.sourceline,
                )
            )
    return problems


def _executable_count(tree: etree._ElementTree, count: int) -> Problem:
    legacy = (
        'The file must hold exactly one executable process (isExecutable="true"); '
        f"it holds {count}."
    )
    if count == 0:
        first = tree.getroot().find("bpmn:process", NS)
        return Problem(
            first.get("id") if first is not None else None,
            "Tệp không có quy trình nào được đánh dấu thực thi được "
            '(isExecutable="true"); cần đúng một quy trình như vậy.',
            "error",
            "no-executable-process",
            legacy=legacy,
        )
    return Problem(
        None,
        f'Tệp có {count} quy trình thực thi được (isExecutable="true"); chỉ được có đúng một.',
        "error",
        "several-executable-processes",
        legacy=legacy,
    )


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
        message = (
            f"Kho dữ liệu (dataStore) '{name}' không được hỗ trợ: "
            "công cụ không có kho dữ liệu ngoài; hãy bỏ kho dữ liệu khỏi mô hình."
        )
    elif element_id:
        message = f"Phần tử {tag} '{element_id}' không được công cụ hỗ trợ: {text}"
    else:
        message = f"Công cụ không đọc được mô hình: {text}"
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
                    f"Công việc '{task.name}' không nằm trong làn (lane) nào có vai trò (role).",
                    "error",
                    "lane-role",
                    legacy=f"{task.id}: user task '{task.name}' is in no lane with a role",
                )
            )
        elif task.role not in known_roles:
            problems.append(
                Problem(
                    task.id,
                    f"Làn của công việc '{task.name}' có vai trò '{task.role}' không tồn tại.",
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
            message, legacy = f"Thiếu biểu mẫu '{name}'.", f"form '{name}' is missing"
        elif not isinstance(forms[name], dict):
            message = f"Biểu mẫu '{name}' không phải JSON Schema hợp lệ: phải là một đối tượng."
            legacy = f"form '{name}' is not a valid JSON Schema: not an object"
        elif (reason := check_schema(forms[name])) is not None:
            message = f"Biểu mẫu '{name}' không phải JSON Schema hợp lệ: {reason}"
            legacy = f"form '{name}' is not a valid JSON Schema: {reason}"
        else:
            continue
        problems.append(Problem(users[name], message, "error", "form", legacy=legacy))
    return problems


def _expression_problems(info: ProcessInfo, process: etree._Element) -> list[Problem]:
    index = {node.get("id"): node for node in process.iter(etree.Element) if node.get("id")}
    problems = []
    for expr in info.expressions:
        if (reason := check_code(expr.source, expr.mode)) is not None:
            what = _WHAT.get(expr.what, expr.what)
            problems.append(
                Problem(
                    _shape_id(index.get(expr.element_id)) or expr.element_id,
                    f"{what} '{_short(expr.source)}' không chạy được trong hộp cát: {reason}",
                    "error",
                    "expression",
                    legacy=f"{expr.element_id}: {expr.what} '{expr.source[:60]}': {reason}",
                )
            )
    return problems


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
            source = (node.text or "").strip()
            if kind not in ("timeDuration", "timeDate", "timeCycle") or not source:
                continue
            if check_code(source, "eval") is not None:
                continue  # the expression rule reports it
            try:
                value = ast.literal_eval(source)
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                continue  # computed at run time: compiling is all that can be checked
            if problem := _timer_literal(owner, kind, value, node.sourceline):
                problems.append(problem)
    return problems


def _timer_literal(owner: str | None, kind: str, value: object, line: int) -> Problem | None:
    text = value.strip() if isinstance(value, str) else None
    if text and WORKING_DAYS.match(text):
        return Problem(
            owner,
            f"Hẹn giờ '{text}' tính theo ngày làm việc: bộ hẹn giờ của SpiffWorkflow chưa hiểu "
            "cú pháp này (chỉ thời hạn dueIn của công việc hiểu); hãy kiểm tra khi chạy thử.",
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
        "timeDuration": '"P3D" hoặc "PT4H"',
        "timeDate": '"2024-11-20T08:00:00+07:00"',
        "timeCycle": '"R3/PT1H"',
    }[kind]
    return Problem(
        owner,
        f"Hẹn giờ {value!r} không phải giá trị ISO 8601 hợp lệ cho {kind} "
        f'(ví dụ {example}) hay số ngày làm việc ("10WD").',
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
                    f"Quy trình được gọi '{called}' chưa được triển khai; hãy triển khai nó trước.",
                    "error",
                    "called-process",
                    node.sourceline,
                    f"called process '{called}' is not deployed",
                )
            )
    return problems


# -- reachability ---------------------------------------------------------------------------


def _unreachable(process: etree._Element) -> list[Problem]:
    """Flow nodes no start event leads to (sequence flows, boundary events, link events)."""
    found: list[etree._Element] = []
    _visit_scope(process, found)
    return [
        Problem(
            node.get("id"),
            f"Phần tử '{node.get('name') or node.get('id')}' không thể tới được từ sự kiện "
            "bắt đầu nào; nó sẽ không bao giờ chạy.",
            "warning",
            "unreachable",
            node.sourceline,
        )
        for node in found
    ]


def _visit_scope(container: etree._Element, found: list[etree._Element]) -> None:
    nodes = [c for c in container if _local(c) in _FLOW_KINDS and c.get("id")]
    ids = {n.get("id") for n in nodes}
    successors: dict[str, list[str]] = defaultdict(list)
    incoming: Counter[str] = Counter()
    for flow in container.findall("bpmn:sequenceFlow", NS):
        successors[flow.get("sourceRef")].append(flow.get("targetRef"))
        incoming[flow.get("targetRef")] += 1
    catches: dict[str, list[str]] = defaultdict(list)
    for node in nodes:
        if _local(node) == "boundaryEvent":
            successors[node.get("attachedToRef")].append(node.get("id"))
            incoming[node.get("id")] += 1
        link = node.find("bpmn:linkEventDefinition", NS)
        if link is not None and _local(node) == "intermediateCatchEvent":
            catches[link.get("name") or ""].append(node.get("id"))
    for node in nodes:
        link = node.find("bpmn:linkEventDefinition", NS)
        if link is not None and _local(node) == "intermediateThrowEvent":
            successors[node.get("id")] += catches.get(link.get("name") or "", [])
    exempt = {n.get("id") for n in nodes if _exempt(n)}
    roots = [n.get("id") for n in nodes if _local(n) == "startEvent" and n.get("id") not in exempt]
    if not roots:  # a scope without start event starts at every node nothing leads to
        roots = [i for i in ids - exempt if not incoming[i]]
    reached: set[str] = set()
    pending = list(roots)
    while pending:
        current = pending.pop()
        if current in reached or current not in ids:
            continue
        reached.add(current)
        pending += successors.get(current, [])
    for node in nodes:
        nid = node.get("id")
        if nid in exempt:
            continue
        if nid not in reached:
            found.append(node)
        elif _local(node) in _SCOPES:
            _visit_scope(node, found)


def _exempt(node: etree._Element) -> bool:
    """Event subprocesses start on their event; compensation handlers on compensation."""
    return node.get("triggeredByEvent") == "true" or node.get("isForCompensation") == "true"


def _local(node: etree._Element) -> str:
    if not isinstance(node.tag, str):
        return ""
    qname = etree.QName(node)
    return qname.localname if qname.namespace == BPMN else ""
