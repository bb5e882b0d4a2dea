"""What changed between two versions of a process model: elements added, removed,
changed (type, name, attributes, spiffworkflow properties such as a lane's role, a form,
dueIn, conditions, timer expressions, scripts) and, apart, moved on the diagram.

Both models are parsed safely (engine.bpmn.xml_safety) and compared by element id.
"""

from typing import Any, Literal

from lxml import etree

from engine.bpmn.xml_safety import parse_bpmn_xml
from engine.results import ElementChange, FieldChange, VersionDiff

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
TIMERS = ("timeDuration", "timeDate", "timeCycle")


def _local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _text(el: etree._Element | None) -> str:
    return " ".join("".join(el.itertext()).split()) if el is not None else ""


def _describe(el: etree._Element) -> dict[str, str]:
    """What of one element matters: type, name, attributes, properties, expressions."""
    found: dict[str, str] = {"type": _local(el.tag), "name": el.get("name", "")}
    for attr, value in el.attrib.items():
        name = _local(attr)
        if name not in ("id", "name"):
            found[name] = value
    for prop in el.iterfind(
        f"{{{BPMN}}}extensionElements/{{{SPIFF}}}properties/{{{SPIFF}}}property"
    ):
        found[prop.get("name", "")] = prop.get("value", "")
    for ext in el.iterfind(f"{{{BPMN}}}extensionElements/*"):
        if _local(ext.tag) != "properties":
            found[_local(ext.tag)] = _text(ext)
    condition = el.find(f"{{{BPMN}}}conditionExpression")
    if condition is not None:
        found["condition"] = _text(condition)
    for timer in el.iterfind(f"{{{BPMN}}}timerEventDefinition"):
        for kind in TIMERS:
            expr = timer.find(f"{{{BPMN}}}{kind}")
            if expr is not None:
                found[kind] = _text(expr)
    for child in ("script", "documentation"):
        node = el.find(f"{{{BPMN}}}{child}")
        if node is not None:
            found[child] = _text(node)
    refs = [_text(r) for r in el.iterfind(f"{{{BPMN}}}flowNodeRef")]
    if refs:
        found["flowNodeRef"] = ", ".join(sorted(refs))
    return {k: v for k, v in found.items() if v != "" or k == "name"}


def _number(text: str) -> str:
    """A coordinate as a number: `30`, `30.0` and `30.000001` written by another tool are
    the same place (bpmn-js rounds what it writes)."""
    try:
        return f"{round(float(text), 2):g}"
    except ValueError:
        return text


def _elements(xml: str) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """{id: description} of the model's elements, and {id: layout} of its diagram."""
    root = parse_bpmn_xml(xml).getroot()
    model: dict[str, dict[str, str]] = {}
    layout: dict[str, str] = {}
    for el in root.iter():
        if not isinstance(el.tag, str) or not el.get("id"):
            continue
        namespace = etree.QName(el.tag).namespace
        if namespace == BPMN and _local(el.tag) not in ("definitions", "extensionElements"):
            model[el.get("id", "")] = _describe(el)
        elif namespace == BPMNDI and el.get("bpmnElement") and _local(el.tag) != "BPMNPlane":
            # A plane holds every shape of the diagram: its own layout is none (a shape
            # moved is that shape's change, not its collaboration's or process's).
            points = [
                ",".join(_number(p.get(a, "")) for a in ("x", "y", "width", "height"))
                for p in el.iter(f"{{{DC}}}Bounds", f"{{{DI}}}waypoint")
            ]
            layout[el.get("bpmnElement", "")] = " ".join(points)
    return model, layout


def diff(old_xml: str, new_xml: str) -> VersionDiff:
    """{added, removed, changed, layout_changed: [id…], details: [{id, name, type,
    status, changes: [{field, old, new}]}]} from the old model to the new."""
    old, old_layout = _elements(old_xml)
    new, new_layout = _elements(new_xml)
    added = sorted(set(new) - set(old))
    removed = sorted(set(old) - set(new))
    changed = sorted(i for i in set(old) & set(new) if old[i] != new[i])
    moved = sorted(
        i
        for i in set(old_layout) & set(new_layout)
        if old_layout[i] != new_layout[i] and i not in changed
    )
    details: list[ElementChange] = []
    kinds: list[tuple[Literal["added", "removed", "changed"], list[str]]] = [
        ("added", added),
        ("removed", removed),
        ("changed", changed),
    ]
    for status, ids in kinds:
        for i in ids:
            now, before = new.get(i, {}), old.get(i, {})
            shown = now or before
            changes: list[FieldChange] = [
                {"field": f, "old": before.get(f, ""), "new": now.get(f, "")}
                for f in sorted(set(before) | set(now))
                if before.get(f) != now.get(f) and status == "changed"
            ]
            details.append(
                {
                    "id": i,
                    "name": shown.get("name", ""),
                    "type": shown.get("type", ""),
                    "status": status,
                    "changes": changes,
                }
            )
    return {
        "added": added,
        "removed": removed,
        "changed": changed,
        "layout_changed": moved,
        "details": details,
    }
