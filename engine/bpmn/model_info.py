"""What the engine reads from a BPMN model beyond what SpiffWorkflow keeps.

Lanes → role keys, the start form, per-element properties (form, dueIn, unitFrom,
assigneeFrom) and every expression, so that deploy can check them all before anything runs.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field

from lxml import etree

from .literals import as_expression

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
FLOW_NODES = (
    "userTask",
    "manualTask",
    "task",
    "scriptTask",
    "serviceTask",
    "sendTask",
    "receiveTask",
    "businessRuleTask",
    "callActivity",
    "subProcess",
    "transaction",
    "startEvent",
    "endEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "boundaryEvent",
    "exclusiveGateway",
    "parallelGateway",
    "inclusiveGateway",
    "eventBasedGateway",
    "complexGateway",
)


@dataclass(frozen=True)
class ElementInfo:
    id: str
    kind: str  # the BPMN tag without namespace: userTask, startEvent, …
    name: str
    role: str | None
    properties: dict[str, str]


@dataclass(frozen=True)
class Expression:
    element_id: str
    what: str  # condition | script | timer | dueIn | unitFrom | assigneeFrom | parameter | loop
    source: str
    mode: str  # "eval" | "exec"


@dataclass(frozen=True)
class ProcessInfo:
    key: str
    name: str
    elements: dict[str, ElementInfo]
    expressions: list[Expression] = field(default_factory=list)
    called_processes: frozenset[str] = frozenset()

    @property
    def start_form(self) -> str | None:
        for element in self.elements.values():
            if element.kind == "startEvent" and element.properties.get("formJsonSchemaFilename"):
                return element.properties["formJsonSchemaFilename"]
        return None

    @property
    def forms(self) -> set[str]:
        return {
            e.properties["formJsonSchemaFilename"]
            for e in self.elements.values()
            if e.properties.get("formJsonSchemaFilename")
        }

    @property
    def roles(self) -> set[str]:
        return {e.role for e in self.elements.values() if e.role}

    def user_tasks(self) -> list[ElementInfo]:
        return [e for e in self.elements.values() if e.kind in ("userTask", "manualTask")]


def executable_processes(tree: etree._ElementTree) -> list[etree._Element]:
    root = tree.getroot()
    return [p for p in root.findall("bpmn:process", NS) if p.get("isExecutable", "false") == "true"]


def read_process(process: etree._Element) -> ProcessInfo:
    roles = _lane_roles(process)
    elements: dict[str, ElementInfo] = {}
    for node in process.iter(*(f"{{{NS['bpmn']}}}{tag}" for tag in FLOW_NODES)):
        elements[node.get("id")] = ElementInfo(
            id=node.get("id"),
            kind=etree.QName(node).localname,
            name=(node.get("name") or node.get("id") or "").strip(),
            role=_role_of(node, roles),
            properties=_properties(node),
        )
    called = frozenset(
        n.get("calledElement")
        for n in process.iter(f"{{{NS['bpmn']}}}callActivity")
        if n.get("calledElement")
    )
    return ProcessInfo(
        key=process.get("id"),
        name=(process.get("name") or process.get("id")).strip(),
        elements=elements,
        expressions=list(_expressions(process)),
        called_processes=called,
    )


def _lane_roles(process: etree._Element) -> dict[str, str | None]:
    """Element id → role key of its innermost lane (nested lane sets are visited last)."""
    roles: dict[str, str | None] = {}
    for lane in process.iter(f"{{{NS['bpmn']}}}lane"):
        role = _properties(lane).get("role")
        for ref in lane.findall("bpmn:flowNodeRef", NS):
            if ref.text:
                roles[ref.text.strip()] = role
    return roles


def _role_of(node: etree._Element, roles: dict[str, str | None]) -> str | None:
    """The lane's role; an element inside a subprocess without a lane takes the subprocess's."""
    while node is not None:
        role = roles.get(node.get("id"))
        if role:
            return role
        node = node.getparent()
        if node is None or etree.QName(node).localname not in ("subProcess", "transaction"):
            return None
    return None


def _properties(node: etree._Element) -> dict[str, str]:
    props = {
        p.get("name"): p.get("value", "")
        for p in node.findall(
            "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS
        )
    }
    instructions = node.find("bpmn:extensionElements/spiffworkflow:instructionsForEndUser", NS)
    if instructions is not None and instructions.text:
        props["instructions"] = instructions.text.strip()
    return props


def _expressions(process: etree._Element) -> Iterator[Expression]:
    def owner(node: etree._Element) -> str:
        while node is not None and node.get("id") is None:
            node = node.getparent()
        return node.get("id") if node is not None else "?"

    simple = {
        "conditionExpression": ("condition", "eval"),
        "timeDuration": ("timer", "eval"),
        "timeDate": ("timer", "eval"),
        "timeCycle": ("timer", "eval"),
        "loopCardinality": ("loop", "eval"),
        "completionCondition": ("loop", "eval"),
        "script": ("script", "exec"),
    }
    for tag, (what, mode) in simple.items():
        for node in process.iter(f"{{{NS['bpmn']}}}{tag}"):
            if node.text and node.text.strip():
                source = node.text.strip()
                yield Expression(owner(node), what, _read(what, source), mode)
    for tag in ("preScript", "postScript"):
        for node in process.iter(f"{{{NS['spiffworkflow']}}}{tag}"):
            if node.text and node.text.strip():
                yield Expression(owner(node), "script", node.text.strip(), "exec")
    for node in process.iter(f"{{{NS['spiffworkflow']}}}parameter"):
        if node.get("value"):
            yield Expression(owner(node), "parameter", node.get("value"), "eval")
    for node in process.iter(f"{{{NS['spiffworkflow']}}}property"):
        if node.get("name") in ("dueIn", "unitFrom", "assigneeFrom") and node.get("value"):
            name = node.get("name")
            yield Expression(owner(node), name, _read(name, node.get("value")), "eval")


def _read(what: str, source: str) -> str:
    """The expression the engine will evaluate: a timer's or due date's standard literal
    quoted (engine.bpmn.literals), anything else as written."""
    return as_expression(source) if what in ("timer", "dueIn") else source
