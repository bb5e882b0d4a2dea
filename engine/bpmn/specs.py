"""Parsing deployed BPMN into SpiffWorkflow specs, once per content hash."""

import hashlib
import json
import threading
from dataclasses import dataclass

from lxml import etree
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask as SubWorkflowTaskMixin
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.errors import BpmnRejected

from . import library_hooks  # noqa: F401  (clock and ids from the command)
from .literals import as_expression
from .model_info import ProcessInfo, executable_processes, read_process
from .xml_safety import BpmnXmlError, parse_bpmn_xml

# SpiffWorkflow names its own internal task specs so; an element with such an id breaks it.
RESERVED_IDS = frozenset({"Start", "End", "Root"})


@dataclass(frozen=True)
class ParsedProcess:
    info: ProcessInfo
    spec: BpmnProcessSpec
    # Embedded subprocess specs SpiffWorkflow keeps apart from the main spec.
    embedded: dict[str, BpmnProcessSpec]


def content_hash(bpmn_xml: str, forms: dict[str, dict]) -> str:
    """SHA-256 over the BPMN text and its forms: the identity of a deployable version."""
    digest = hashlib.sha256(bpmn_xml.encode("utf-8"))
    digest.update(json.dumps(forms, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()


def parse_process(bpmn_xml: str | bytes) -> ParsedProcess:
    """Parse untrusted BPMN text into the one executable process it must hold."""
    try:
        tree = parse_bpmn_xml(bpmn_xml)
    except BpmnXmlError as err:
        raise BpmnRejected(str(err)) from err
    processes = executable_processes(tree)
    if len(processes) != 1:
        raise BpmnRejected(
            f'The file must hold exactly one executable process (isExecutable="true"); '
            f"it holds {len(processes)}."
        )
    info = read_process(processes[0])
    if reserved := sorted(RESERVED_IDS & set(info.elements)):
        raise BpmnRejected(
            f"Element id {', '.join(reserved)} is reserved by the engine; rename it."
        )
    parser = SpiffBpmnParser()
    try:
        parser.add_bpmn_xml(tree, filename=f"{info.key}.bpmn")
        spec = parser.get_spec(info.key)
        embedded = _embedded_specs(parser, spec, info.called_processes)
    except (SpiffWorkflowException, etree.LxmlError, KeyError, ValueError) as err:
        raise BpmnRejected(f"The BPMN could not be read: {_first_line(err)}") from err
    for each in (spec, *embedded.values()):
        _quote_timer_literals(each)
    return ParsedProcess(info=info, spec=spec, embedded=embedded)


def _quote_timer_literals(spec: BpmnProcessSpec) -> None:
    """`PT3S` in a timer is the duration it says, not a Python name (engine.bpmn.literals)."""
    for task_spec in spec.task_specs.values():
        definition = getattr(task_spec, "event_definition", None)
        if isinstance(definition, TimerEventDefinition) and isinstance(definition.expression, str):
            definition.expression = as_expression(definition.expression)


def _embedded_specs(
    parser: SpiffBpmnParser, spec: BpmnProcessSpec, called: frozenset[str]
) -> dict[str, BpmnProcessSpec]:
    """Specs of the embedded subprocesses; called processes come from their own deploys."""
    found: dict[str, BpmnProcessSpec] = {}
    pending = [spec]
    while pending:
        for task_spec in pending.pop().task_specs.values():
            name = getattr(task_spec, "spec", None)
            if not isinstance(task_spec, SubWorkflowTaskMixin) or not isinstance(name, str):
                continue
            if name not in called | found.keys():
                found[name] = parser.get_spec(name)
                pending.append(found[name])
    return found


def _first_line(err: Exception) -> str:
    return (str(err).strip().splitlines() or [err.__class__.__name__])[0]


class SpecCache:
    """Parsed processes by content hash: parsing costs milliseconds, a lookup nothing."""

    def __init__(self) -> None:
        self._parsed: dict[str, ParsedProcess] = {}
        self._lock = threading.Lock()

    def get(self, digest: str, bpmn_xml: str) -> ParsedProcess:
        parsed = self._parsed.get(digest)
        if parsed is None:
            parsed = parse_process(bpmn_xml)
            with self._lock:
                self._parsed[digest] = parsed
        return parsed


SPECS = SpecCache()
