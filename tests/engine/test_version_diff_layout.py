"""The version diff reports a shape as moved only when it moved: not the collaboration or
process a plane draws (its shapes are theirs), nor coordinates written differently."""

import re

from engine.bpmn.diff import diff
from tests.conftest import WORKFLOWS

XML = (WORKFLOWS / "document_approval.bpmn").read_text(encoding="utf-8")


def test_nothing_moved_reports_nothing() -> None:
    # bpmn-js writes 30 where another tool wrote 30.0: the same place.
    rewritten = re.sub(r'(\b[xy]|width|height)="(\d+)"', r'\1="\2.0"', XML)
    assert rewritten != XML
    found = diff(XML, rewritten)
    assert found["layout_changed"] == []
    assert found["added"] == found["removed"] == found["changed"] == []


def test_one_shape_moved_is_that_shape_alone() -> None:
    shape = re.search(
        r'<bpmndi:BPMNShape id="[^"]+" bpmnElement="([^"]+)"[^>]*>\s*<dc:Bounds x="(\d+)', XML
    )
    assert shape is not None
    element, x = shape[1], shape[2]
    start = shape.start()
    moved = XML[:start] + shape[0].replace(f'x="{x}', f'x="{int(x) + 40}') + XML[shape.end() :]
    found = diff(XML, moved)
    assert found["layout_changed"] == [element]
    assert not any(i.startswith("Collaboration") for i in found["layout_changed"])
