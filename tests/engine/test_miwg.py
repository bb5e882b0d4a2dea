"""The BPMN MIWG reference models: the validator gives each a verdict and never crashes.

The models (OMG BPMN Model Interchange Working Group, CC BY 3.0) are read from the shared
conformance folder next to the repository (tests/miwg.py finds them); they are not part of
this project. tests/browser/test_browser_miwg.py takes them through the browser modeler.
"""

from __future__ import annotations

import pytest

from engine.bpmn.validation import Problem, validate_bpmn
from tests.miwg import ABSENT, FILES, MIWG, read_text

RULES = {
    "xml",
    "schema",
    "duplicate-id",
    "no-executable-process",
    "several-executable-processes",
    "reserved-id",
    "lane-role",
    "form",
    "expression",
    "timer",
    "called-process",
    "unreachable",
    "unsupported-element",
}

pytestmark = pytest.mark.skipif(not FILES, reason=ABSENT)


def verdict(name: str) -> list[Problem]:
    return validate_bpmn(read_text(name), {}, set(), set())


def errors(name: str) -> set[tuple[str, str | None]]:
    return {(p.rule, p.element_id) for p in verdict(name) if p.severity == "error"}


@pytest.mark.parametrize("name", FILES or ["absent"])
def test_every_model_gets_a_verdict(name: str) -> None:
    problems = verdict(name)
    for problem in problems:
        assert problem.rule in RULES and problem.severity in ("error", "warning")
        assert problem.message.strip()
        assert set(problem.as_dict()) == {"element_id", "message", "severity", "rule", "line"}
        if problem.rule == "unsupported-element":
            assert problem.element_id, problem
    # The raw bytes (some not UTF-8) get a verdict as well, never an exception.
    assert isinstance(validate_bpmn((MIWG / name).read_bytes(), {}, set(), set()), list)


@pytest.mark.parametrize(
    ("name", "process"),
    [
        ("A.1.0.bpmn", "WFP-6-"),
        ("A.2.0.bpmn", "WFP-6-"),
        ("A.3.0.bpmn", "WFP-6-"),
        ("A.4.1.bpmn", "sid-34746A54-1D7D-46CA-B219-0C4CEAE51170"),
        ("C.8.0.bpmn", "VacationRequestProcess"),
    ],
)
def test_pure_diagrams_are_not_executable(name: str, process: str) -> None:
    if name not in FILES:
        pytest.skip(f"{name} is absent")
    assert errors(name) == {("no-executable-process", process)}


@pytest.mark.parametrize("name", ["B.1.0.bpmn", "B.2.0.bpmn", "C.4.0.bpmn"])
def test_data_stores_are_named_as_unsupported(name: str) -> None:
    if name not in FILES:
        pytest.skip(f"{name} is absent")
    problems = verdict(name)
    assert {p.rule for p in problems if p.severity == "error"} == {
        "no-executable-process",
        "unsupported-element",
    }
    store = next(p for p in problems if p.rule == "unsupported-element")
    assert "Kho dữ liệu (dataStore)" in store.message


def test_c_1_1_is_executable_but_uses_xpath_and_a_data_store() -> None:
    if "C.1.1.bpmn" not in FILES:
        pytest.skip("C.1.1.bpmn is absent")
    problems = verdict("C.1.1.bpmn")
    found = errors("C.1.1.bpmn")
    assert ("no-executable-process", None) not in found
    assert ("expression", "invoiceApproved") in found  # an XPath condition on that flow
    store = [p for p in problems if p.rule == "unsupported-element"]
    assert len(store) == 1 and "Financial Accounting System" in store[0].message
