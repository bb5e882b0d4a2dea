"""README's shell examples run (issue 18 item 12): every `.venv/bin/policyflow …` line of
README's ```sh blocks is executed, in order, against a database migrated, seeded and
deployed like `make run` leaves it (a temporary one). Placeholders are filled the way a
reader would: TASK_ID with the reading user's open task of the instance just started, and
`'{...}'` with that task's form data. Each must succeed (exit 0)."""

import json
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import main
from engine.facade import Policyflow
from tests.processes import UNIT_FIGURES

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCK = re.compile(r"```sh\n(.*?)```", re.S)
PREFIX = ".venv/bin/policyflow "


def examples() -> list[list[str]]:
    found = []
    for block in BLOCK.findall(README.read_text(encoding="utf-8")):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith(PREFIX):
                found.append(shlex.split(line[len(PREFIX) :]))
    return found


def test_the_readme_has_examples() -> None:
    commands = [args[0] for args in examples()]
    assert {"processes", "start", "tasks", "complete", "history", "fire-timers"} <= set(commands)


def test_every_readme_example_runs(deployed: Policyflow, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", deployed.url)
    runner = CliRunner()
    started: int | None = None
    for args in examples():
        if "TASK_ID" in args:
            user = args[args.index("--as") + 1]
            [task] = [t for t in deployed.tasks(user) if t["instance_id"] == started][:1]
            args = [task["id"] if a == "TASK_ID" else a for a in args]
        if "{...}" in args:
            args = [json.dumps(UNIT_FIGURES) if a == "{...}" else a for a in args]
        result = runner.invoke(main, [*args, "--json"] if args[0] == "start" else args)
        assert result.exit_code == 0, (args, result.output)
        if args[0] == "start":
            started = json.loads(result.stdout)["id"]
    assert started is not None


def test_no_progress_bar_when_not_a_terminal(
    deployed: Policyflow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Piped into a log (make, CI), `deploy` of several files prints no tqdm bar."""
    monkeypatch.setenv("DATABASE_URL", deployed.url)
    root = README.parent / "workflows"
    files = [str(root / "document_approval.bpmn"), str(root / "press_statement.bpmn")]
    result = CliRunner().invoke(main, ["deploy", *files, "--as", "chu_quy_trinh"])
    assert result.exit_code == 0, result.output
    assert "Triển khai" not in result.stderr and "\r" not in result.stderr
