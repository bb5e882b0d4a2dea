"""Org-unit form fields declare the kinds they take (`x-unit-kinds`): the shipped forms
do, a deploy accepts the keyword and refuses an unknown kind."""

import copy
import json

import pytest

from engine.errors import BpmnRejected
from engine.facade import Policyflow, read_forms
from engine.rules.forms import check_schema
from tests.conftest import NOW, WORKFLOWS


def test_the_shipped_forms_declare_their_kinds() -> None:
    forms = read_forms(WORKFLOWS / "forms")
    ct = forms["ct_start.json"]["properties"]
    assert ct["affected_commune"]["x-unit-kinds"] == ["commune"]
    assert ct["concerned_department"]["x-unit-kinds"] == ["department"]
    fact = forms["ps_request_facts.json"]["properties"]["fact_unit"]
    assert fact["x-unit-kinds"] == ["department", "commune"]
    assert all(check_schema(f) is None for f in forms.values())


@pytest.mark.parametrize(
    ("kinds", "reason"),
    [(["xa"], "unknown unit kind 'xa'"), ([], "non-empty list"), ("commune", "non-empty list")],
)
def test_an_unknown_kind_is_refused_at_deploy(pf: Policyflow, kinds: object, reason: str) -> None:
    forms = copy.deepcopy(read_forms(WORKFLOWS / "forms"))
    forms["ct_start.json"]["properties"]["affected_commune"]["x-unit-kinds"] = kinds
    xml = (WORKFLOWS / "crisis_team.bpmn").read_text(encoding="utf-8")
    with pytest.raises(BpmnRejected) as refused:
        pf.deploy(xml, forms, "chu_quy_trinh", now=NOW)
    assert reason in json.dumps(refused.value.field_errors, ensure_ascii=False)


def test_kinds_only_on_org_unit_fields() -> None:
    form = {"type": "object", "properties": {"x": {"type": "string", "x-unit-kinds": ["commune"]}}}
    assert "only applies to a field of format org-unit" in (check_schema(form) or "")
