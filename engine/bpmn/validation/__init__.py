"""Everything wrong with a BPMN file, each problem tied to the element it is about.

The modeler page and the deploy API show these on the diagram: an error blocks deploy,
a warning does not. `validate_bpmn` never raises for bad input; it reports.

The rules live in `xml_rules` (the file as XML), `model_rules` (the process as the engine
runs it) and `reachability` (elements no start event leads to).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from lxml import etree

from engine.errors import N_, Message
from engine.results import BpmnProblem

from ..model_info import FLOW_NODES, NS, executable_processes, read_process
from ..specs import RESERVED_IDS
from ..xml_safety import BpmnXmlError, parse_bpmn_xml

Severity = Literal["error", "warning"]
BPMN: str = NS["bpmn"]  # annotated: the rule modules import it back (a cycle)
_FLOW_KINDS: frozenset[str] = frozenset(FLOW_NODES) | {"adHocSubProcess"}


@dataclass(frozen=True)
class Problem:
    element_id: str | None
    message: str  # Vietnamese (a Message), one sentence a process owner can act on
    severity: Severity
    rule: str  # xml, schema, duplicate-id, lane-role, form, expression, timer, …
    line: int | None = None
    # The pre-issue-5 English text of the rules that existed then; deploy keeps it in
    # BpmnRejected.field_errors["bpmn"] so API clients matching on it keep working.
    legacy: str | None = field(default=None, compare=False, repr=False)

    def as_dict(self) -> BpmnProblem:
        return {
            "element_id": self.element_id,
            "message": self.message,
            "severity": self.severity,
            "rule": self.rule,
            "line": self.line,
        }

    def as_text(self) -> str:
        if not self.element_id:
            return self.message
        return Message("{id}: {message}", {"id": self.element_id, "message": self.message})


def _local(node: etree._Element) -> str:
    if not isinstance(node.tag, str):
        return ""
    qname = etree.QName(node)
    return qname.localname if qname.namespace == BPMN else ""


# The rule modules import Problem and the helpers above from this package.
from .model_rules import (  # noqa: E402
    _called_problems,
    _expression_problems,
    _form_problems,
    _library_problems,
    _library_problems_without_process,
    _role_problems,
    _timer_problems,
)
from .reachability import _unreachable  # noqa: E402
from .xml_rules import (  # noqa: E402
    _duplicate_ids,
    _executable_count,
    _foreign_elements,
    _schema_problems,
    _xml_problem,
)

__all__ = ["Problem", "Severity", "validate_bpmn"]


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
                Message(
                    N_("Mã phần tử '{id}' được công cụ dành riêng; hãy đổi sang mã khác."),
                    {"id": rid},
                ),
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
