"""bpmnlint for the modeler (web/static/lint/): the bundle `npm run build` makes, the route
that serves it (and nothing else), and the severity policy: the shipped models pass every
rule that blocks Deploy in the browser. The lint runs in node on the very bundle the
browser loads (web/static/lint/lint-files.mjs); tests/browser/test_browser_lint.py drives
it in the modeler."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from engine.facade import Policyflow
from tests.conftest import WORKFLOWS
from web import create_app
from web.views import vendor

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = vendor.BUILT / vendor.BPMNLINT
RECOMMENDED = ROOT / "node_modules" / "bpmnlint" / "config" / "recommended.js"
LINT_FILES = ROOT / "web" / "static" / "lint" / "lint-files.mjs"
# The recommended rules the shipped config downgrades to "warn" (web/static/lint/config.js
# says why for each): none, since the shipped models pass them all.
DOWNGRADED: set[str] = set()


def lint(*files: Path) -> dict:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is missing (it comes with npm, which `make setup` needs)")
    done = subprocess.run(
        [node, str(LINT_FILES), *map(str, files)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_bundle_is_built_by_npm_and_make() -> None:
    assert BUNDLE.exists(), "run `npm run build` (make setup does)"
    assert "pfLint" in BUNDLE.read_text(encoding="utf-8")
    package = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    pins = {**package["dependencies"], **package["devDependencies"]}
    assert re.fullmatch(r"\d+\.\d+\.\d+", pins["bpmnlint"]), "pin an exact version"
    assert re.fullmatch(r"\d+\.\d+\.\d+", pins["esbuild"]), "pin an exact version"
    build = package["scripts"]["build"]
    assert "web/static/lint/entry.js" in build and "node_modules/.policyflow/bpmnlint.js" in build
    # make setup builds it after npm ci (a rule on the installed modules and the sources).
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    rule = re.search(
        r"^\$\(LINT_BUNDLE\)[^:\n]*&?: \$\(NODE_STAMP\)[^\n]*(?:\\\n[^\n]*)*\n\tnpm run build",
        makefile,
        re.M,
    )
    assert rule, "the bundle's make rule"
    assert re.search(r"^setup:.*\$\(LINT_BUNDLE\)", makefile, re.M)
    assert "npm run build" in (ROOT / "Dockerfile").read_text(encoding="utf-8")


def test_only_the_bundle_is_served(pf: Policyflow) -> None:
    app = create_app({"DATABASE_URL": pf.url, "TESTING": True, "SECRET_KEY": "test"})
    client = app.test_client()
    served = client.get("/vendor/bpmnlint.js")  # public, like bpmn-js
    assert served.status_code == 200
    assert served.mimetype in {"text/javascript", "application/javascript"}
    assert b"pfLint" in served.data
    for url in (
        "/vendor/../package.json",
        "/vendor/%2e%2e/package.json",
        "/vendor/bpmnlint.js/../../package.json",
        "/vendor/bpmnlint.json",
        "/vendor/bpmnlint.js.map",
        "/vendor/.policyflow/bpmnlint.js",
        "/vendor/bpmn-js/../.policyflow/bpmnlint.js",
        "/vendor/bpmn-js/%2e%2e/%2e%2e/.policyflow/bpmnlint.js",
        "/vendor/entry.js",
        "/vendor/lint/entry.js",
    ):
        assert client.get(url).status_code == 404, url
    assert client.get("/modeler/press_statement").status_code == 302  # the page: signed in


def test_the_shipped_models_pass_every_blocking_rule() -> None:
    shipped = sorted(WORKFLOWS.glob("*.bpmn"))
    assert {p.stem for p in shipped} >= {"document_approval", "press_statement", "info_request"}
    found = lint(*shipped)
    # The static resolver covers every rule of the recommended config (a missing one would
    # have failed the run), at the recommended severity unless downgraded.
    source = RECOMMENDED.read_text(encoding="utf-8")
    recommended = dict(re.findall(r"'([a-z-]+)': '(error|warn)'", source))
    assert len(recommended) > 20
    expected = {
        rule: ("warn" if rule in DOWNGRADED else severity) for rule, severity in recommended.items()
    }
    assert found["rules"] == expected
    errors = [(Path(f).name, p) for f, problems in found["files"] for p in problems]
    assert [e for e in errors if e[1]["severity"] == "error"] == []


def test_a_violation_is_reported_by_rule_and_element_on_every_run() -> None:
    model = ROOT / "tests" / "data" / "linear3.bpmn"  # no diagram, unnamed start/end events
    found = lint(model, model)
    (_f1, first), (_f2, second) = found["files"]
    assert first == second  # rules with state (duplicate flows) start afresh each run
    assert {
        "element_id": "StartEvent",
        "message": "Element is missing label/name",
        "severity": "error",
        "rule": "bpmnlint/label-required",
    } in first
    rules = {p["rule"] for p in first}
    assert "bpmnlint/no-bpmndi" in rules
    # Flows given only by sourceRef/targetRef (no <incoming>/<outgoing>) are connected.
    assert not rules & {
        "bpmnlint/no-disconnected",
        "bpmnlint/no-implicit-start",
        "bpmnlint/no-implicit-end",
        "bpmnlint/no-duplicate-sequence-flows",
    }
