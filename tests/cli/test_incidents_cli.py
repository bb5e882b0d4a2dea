"""`policyflow incidents`: list, fix the data, retry, from a shell."""

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner

from cli.main import main
from engine.facade import Policyflow
from tests.conftest import NOW, deploy_test_model

pytestmark = pytest.mark.usefixtures("every_instance_replays")


def invoke(db_url: str, monkeypatch: pytest.MonkeyPatch, *args: str, code: int = 0) -> str:
    monkeypatch.setenv("DATABASE_URL", db_url)
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def test_list_fix_and_retry(db_url: str, pf: Policyflow, monkeypatch: pytest.MonkeyPatch) -> None:
    deploy_test_model(pf, "incident_timer.bpmn")
    instance = pf.start("incident_timer", "cv_vhtt", {"amount": "abc"}, now=NOW)["id"]
    pf.fire_due_timers(NOW + timedelta(hours=2))
    out = invoke(db_url, monkeypatch, "incidents")
    assert "Compute" in out and "invalid literal" in out and "1 lần" in out
    [incident] = json.loads(invoke(db_url, monkeypatch, "incidents", "--json"))
    assert incident["instance_id"] == instance
    denied = invoke(db_url, monkeypatch, "incidents", "--as", "cv_vhtt", code=2)
    assert "Lỗi:" in denied
    failed = invoke(db_url, monkeypatch, "incidents", "retry", str(incident["id"]), code=2)
    assert "Tính phí" in failed
    invoke(db_url, monkeypatch, "incidents", "fix", str(instance), '{"amount": "3"}')
    out = invoke(db_url, monkeypatch, "incidents", "retry", str(incident["id"]), "--as", "admin")
    assert "đã chạy lại" in out
    assert "Không có sự cố nào" in invoke(db_url, monkeypatch, "incidents")
    assert pf.show(instance)["data"]["fee"] == 6
    assert "Compute" in invoke(db_url, monkeypatch, "incidents", "--all")
