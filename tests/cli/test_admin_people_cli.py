"""`policyflow users …` and `policyflow roles …`: the people administration from a shell."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import main
from engine.facade import Policyflow


@pytest.fixture
def run(db_url: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DATABASE_URL", db_url)

    def invoke(*args: str, code: int = 0) -> str:
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result.output

    return invoke


def test_add_grant_end_deactivate_from_the_shell(run, pf: Policyflow) -> None:
    added = json.loads(run("users", "add", "xa_cli", "--full-name", "Người CLI", "--json"))
    password = added["one_time_password"]
    assert pf.accounts.authenticate("xa_cli", password)["username"] == "xa_cli"
    granted = json.loads(
        run("roles", "grant", "xa_cli", "don_vi", "xa-xuan-ninh", "--from", "2025-01-01", "--json")
    )
    holding = granted["holding"]["id"]
    listed = run("users", "list", "--unit", "xa-xuan-ninh")
    assert "xa_cli" in listed and "don_vi@xa-xuan-ninh" in listed
    shown = run("roles", "end", str(holding), "--on", "2025-06-02")
    assert "kết thúc ngày 2025-06-01" in shown
    assert "Mật khẩu dùng một lần mới" in run("users", "reset-password", "xa_cli")
    assert "Đã mở khóa 'xa_cli'" in run("users", "unlock", "xa_cli")
    assert "Đã ngừng 'xa_cli'" in run("users", "deactivate", "xa_cli", "--reason", "nghỉ")
    assert "(ngừng)" in run("users", "list", "--inactive")
    commands = [e["command"] for e in pf.audit.admin_events("admin")["items"]]
    assert commands[:3] == ["user_deactivate", "user_unlock", "password_reset"]
    assert "role_release" not in commands and pf.audit.verify_log()["intact"]


def test_import_with_a_dry_run(run, tmp_path: Path, pf: Policyflow) -> None:
    csv = tmp_path / "people.csv"
    csv.write_text(
        "username,full_name,role,unit,from\nxa_csv2,Người CSV,don_vi,xa-xuan-ninh,2025-01-01\n",
        encoding="utf-8",
    )
    dry = run("users", "import", str(csv), "--dry-run")
    assert "+ user xa_csv2 (Người CSV)" in dry and "(thử)" in dry
    assert pf.people.search("admin", q="xa_csv2")["total"] == 0
    done = run("users", "import", str(csv))
    assert "xa_csv2: mật khẩu dùng một lần" in done
    assert pf.people.search("admin", q="xa_csv2")["total"] == 1


def test_non_admins_and_bad_input_exit_2(run) -> None:
    out = run("users", "list", "--as", "xa_xuanbac", code=2)
    assert "quản trị" in out
    run("roles", "grant", "admin", "no_role", "xa-xuan-ninh", "--from", "x", code=2)
    run("users", "deactivate", "no_such_user", code=2)
