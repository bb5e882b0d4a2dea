"""Calendar ahead (issue 13 item 6) as people see it: a due date in a provisional year
carries a warning on the task page, in the inbox and in the CLI's task list."""

import pytest
from click.testing import CliRunner
from flask import Flask

from cli.main import main
from engine.facade import Policyflow
from tests.engine.test_calendar_ahead import due_in_2027
from tests.web_client import signed_in
from web import create_app


def test_web_and_cli_warn_of_a_provisional_due_date(
    deployed: Policyflow, monkeypatch: pytest.MonkeyPatch
) -> None:
    task_id = due_in_2027(deployed)
    app: Flask = create_app({"DATABASE_URL": deployed.url, "TESTING": True, "SECRET_KEY": "t"})
    client, token = signed_in(app, "cv_vhtt")
    assert "lịch năm 2027 là tạm tính" in client.get(f"/tasks/{task_id}").text
    assert "lịch năm 2027 là tạm tính" in client.get("/").text
    client.post("/lang/en", data={"csrf_token": token})
    assert "the 2027 calendar is provisional" in client.get(f"/tasks/{task_id}").text
    monkeypatch.setenv("DATABASE_URL", deployed.url)
    shown = CliRunner().invoke(main, ["tasks", "--as", "cv_vhtt"], catch_exceptions=False)
    assert shown.exit_code == 0, shown.output
    [line] = [row for row in shown.output.splitlines() if row.startswith(task_id)]
    assert "hạn 04/01/2027 23:59 (lịch năm 2027 là tạm tính)" in line
