"""The `policyflow` command: every command with --json, errors as one line."""

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from cli.main import main
from engine.errors import InvalidInput, PermissionDenied
from engine.facade import Policyflow
from tests.conftest import DATA, ROOT


@pytest.fixture
def run(db_url: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True):
        result = runner.invoke(main, list(args), catch_exceptions=False)
        assert (result.exit_code == 0) == ok, result.output
        return result

    return invoke


def as_json(result) -> object:
    return json.loads(result.stdout)


def test_cli_walks_an_instance_through(run) -> None:
    deployed = as_json(run("deploy", str(DATA / "linear3.bpmn"), "--json"))
    assert deployed[0]["key"] == "linear3"
    processes = as_json(run("processes", "--as", "cv_vhtt", "--json"))
    assert processes[0]["can_start"] is True and processes[0]["start_role"] == "chuyen_vien_vhtt"
    shown = as_json(run("start", "linear3", "--as", "cv_vhtt", "--json"))
    assert shown["status"] == "running" and shown["open_tasks"][0]["name"] == "Soạn thảo"
    tasks = as_json(run("tasks", "--as", "cv_vhtt", "--json"))
    task = tasks[0]
    assert {
        "id",
        "instance_id",
        "process_key",
        "name",
        "role",
        "unit",
        "due_at",
        "form_schema",
    } <= set(task)
    run("claim", task["id"], "--as", "cv_vhtt", "--json")
    bad = run("complete", task["id"], "--as", "cv_vhtt", "--data", '{"pages": 0}', ok=False)
    assert bad.exit_code == 2 and "Traceback" not in bad.output
    assert "title" in bad.stderr and "pages" in bad.stderr
    done = as_json(
        run(
            "complete",
            task["id"],
            "--as",
            "cv_vhtt",
            "--json",
            "--data",
            '{"title": "Kế hoạch", "pages": 2}',
        )
    )
    assert done["open_tasks"][0]["role"] == "truong_phong_vhtt"
    history = as_json(run("history", str(shown["id"]), "--json"))
    assert [e["command"] for e in history] == ["start", "claim", "complete"]
    fired = as_json(run("fire-timers", "--now", "2030-01-01T00:00:00+07:00", "--json"))
    assert fired == {}
    assert as_json(run("show", str(shown["id"]), "--json"))["data"]["pages"] == 2


@pytest.mark.parametrize(
    "args",
    [
        ("show", "999"),
        ("tasks", "--as", "nobody"),
        ("start", "nothing", "--as", "cv_vhtt"),
        ("start", "linear3", "--as", "cv_vhtt", "--data", "{not json"),
        ("fire-timers", "--now", "yesterday"),
        ("deploy", str(DATA / "forms" / "linear_draft.json")),
    ],
)
def test_cli_errors_are_one_clear_line(run, args: tuple[str, ...]) -> None:
    result = run(*args, ok=False)
    assert "Traceback" not in result.output
    assert result.output.strip()


def test_console_script_runs_without_a_traceback_on_a_dead_database(tmp_path) -> None:
    env = {**os.environ, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    script = os.path.join(os.path.dirname(sys.executable), "policyflow")
    if not os.path.exists(script):
        pytest.skip("console script not installed (make setup installs it)")
    result = subprocess.run(
        [script, "tasks", "--as", "cv_vhtt"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_admin_unlocks_an_account(run, db_url: str) -> None:
    pf = Policyflow(db_url)
    for _ in range(5):
        with pytest.raises(InvalidInput):
            pf.accounts.authenticate("ct_ubnd", "wrong", "203.0.113.7")
    [locked] = as_json(run("accounts", "lockouts", "--as", "admin", "--json"))
    assert locked["username"] == "ct_ubnd" and locked["address"] == "203.0.113.7"
    refused = run("accounts", "unlock", "ct_ubnd", "--as", "cv_vhtt", ok=False)
    assert refused.exit_code == 2 and "quản trị viên" in refused.stderr
    with pytest.raises(PermissionDenied):
        pf.accounts.authenticate("ct_ubnd", "demo", "203.0.113.7")
    done = as_json(run("accounts", "unlock", "ct_ubnd", "--as", "admin", "--json"))
    assert done == {"username": "ct_ubnd", "failures_forgotten": 5}
    assert pf.accounts.authenticate("ct_ubnd", "demo", "203.0.113.7")["username"] == "ct_ubnd"
    assert "Không có" in run("accounts", "lockouts", "--as", "admin").stdout
