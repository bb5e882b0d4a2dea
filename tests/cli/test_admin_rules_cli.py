"""`policyflow settings list|set`, `policyflow calendar set|confirm`, `policyflow org
add|rename|end` (issue 19): the administrator's rules, calendar and units from a shell,
checked as everywhere (exit 2 and one line on a bad value), audited."""

import json
import os
from datetime import date, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from cli.main import main
from engine.facade import Policyflow
from engine.store.models import AuditEvent
from tests.reference_restore import restore_reference_data as restore_reference_data

TODAY = date.fromisoformat(os.environ["POLICYFLOW_CLOCK_DATE"])
LATER = (TODAY + timedelta(days=30)).isoformat()


@pytest.fixture
def run(db_url: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    runner = CliRunner()

    def invoke(*args: str, code: int = 0):
        result = runner.invoke(main, list(args), catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result

    return invoke


def admin_events(pf: Policyflow) -> list[tuple[str, str, dict]]:
    with pf.transaction() as s:
        query = select(AuditEvent).where(AuditEvent.instance_id.is_(None))
        return [(e.actor, e.command, e.payload) for e in s.scalars(query.order_by(AuditEvent.seq))]


def test_settings_from_the_shell(pf: Policyflow, run) -> None:
    listed = json.loads(run("settings", "list", "--json").output)
    keys = {s["key"]: s for s in listed["items"]}
    assert keys["p1_initial_info_due"]["in_force"] == "PT24H"
    bad = run("settings", "set", "p1_initial_info_due", "3 ngày", "--from", LATER, code=2)
    assert "p1_initial_info_due" in bad.output and "value" in bad.output
    assert admin_events(pf) == []
    done = run(
        "settings", "set", "reminder_offsets", "P2D, PT4H", "--from", LATER,
        "--reason", "Quy chế mới", "--as", "admin", "--json",
    )  # fmt: skip
    assert json.loads(done.output)["after"]["value"] == ["P2D", "PT4H"]
    refused = run("settings", "set", "p1_initial_info_due", "PT1H", "--from", LATER,
                  "--as", "cv_vhtt", code=2)  # fmt: skip
    assert "quản trị" in refused.output
    assert [(a, c, p["reason"]) for a, c, p in admin_events(pf)] == [
        ("admin", "setting_set", "Quy chế mới")
    ]


def test_calendar_and_units_from_the_shell(pf: Policyflow, run) -> None:
    shown = run("calendar", "set", "2024-10-02", "--holiday", "Nghỉ thử", "--dry-run")
    assert "Chạy thử" in shown.output
    run("calendar", "set", "2024-10-02", "--holiday", "Nghỉ thử", "--reason", "Thử")
    assert run("calendar", "add-working-days", "2024-10-01", "1").output.startswith("Thứ Năm")
    run("calendar", "set", "2024-10-02", "--workday", code=2)  # a weekday works already
    run("calendar", "set", "2024-10-02", "--ordinary", "--workday", code=2)
    run("calendar", "set", "2024-10-02", "--ordinary")
    run("calendar", "confirm", "2024", code=2)  # confirmed already
    run("org", "add", "phong-thu", "--name", "Phòng Thử", "--kind", "department",
        "--parent", "huyen-xuan-truong", "--from", "2024-10-01")  # fmt: skip
    run("org", "rename", "phong-thu", "Phòng Thử nghiệm", "--reason", "Đổi tên")
    run("org", "end", "phong-thu", "--last-day", "2024-12-31", "--successor", "xa-xuan-bac",
        code=2)  # fmt: skip
    run("org", "end", "phong-thu", "--last-day", "2024-12-31", "--successor", "phong-vhtt")
    later = pf.rules.units("admin", date(2025, 1, 2))["units"]
    assert "phong-thu" not in {u["code"] for u in later}
    commands = [c for _, c, _ in admin_events(pf)]
    assert commands == [
        "calendar_set", "calendar_set", "unit_add", "unit_rename", "unit_end",
    ]  # fmt: skip
    assert run("audit", "verify-chain").exit_code == 0
