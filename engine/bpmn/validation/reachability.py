"""Flow nodes no start event leads to: they would never run (a warning)."""

from __future__ import annotations

from collections import Counter, defaultdict

from lxml import etree

from engine.errors import N_, Message

from ..model_info import NS
from . import _FLOW_KINDS, Problem, _local

_SCOPES = ("subProcess", "transaction")


# -- reachability ---------------------------------------------------------------------------


def _unreachable(process: etree._Element) -> list[Problem]:
    """Flow nodes no start event leads to (sequence flows, boundary events, link events)."""
    found: list[etree._Element] = []
    _visit_scope(process, found)
    return [
        Problem(
            node.get("id"),
            Message(
                N_(
                    "Phần tử '{name}' không thể tới được từ sự kiện bắt đầu nào; "
                    "nó sẽ không bao giờ chạy."
                ),
                {"name": node.get("name") or node.get("id")},
            ),
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
