"""`policyflow org import` and `policyflow org transition`: what an operator reads, and
nothing written by a dry run or a malformed file."""

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import select

from cli.main import main
from engine.facade import Policyflow
from engine.seed import ORG_FILE
from engine.store.db import transaction
from engine.store.models import User
from tests.processes import AR_START, Case, at


@pytest.fixture
def run(db_url: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True):
        result = runner.invoke(main, list(args), catch_exceptions=False)
        assert (result.exit_code == 0) == ok, result.output
        return result

    return invoke


def test_transition_dry_run_lists_the_moves_and_writes_nothing(deployed: Policyflow, run) -> None:
    case = Case.start(deployed, "annual_report", "cv_vhtt", AR_START, at("2024-08-20T08:00:00Z"))
    events = len(deployed.history(case.id))
    out = run("org", "transition", "2024-09-01", "--dry-run").stdout
    assert f"Hồ sơ {case.id} (annual_report)" in out
    bac = next(t for t in deployed.show(case.id)["open_tasks"] if t["unit"] == "xa-xuan-bac")
    assert f"  Unit_draft {bac['id']}: xa-xuan-bac -> xa-tra-lu" in out.splitlines()
    assert out.rstrip().splitlines()[-1].startswith("Sẽ chuyển ")
    assert len(deployed.history(case.id)) == events

    out = run("org", "transition", "01/09/2024").stdout
    assert out.rstrip().splitlines()[-1].startswith("Đã chuyển ")
    assert any(e["command"] == "org_transition" for e in deployed.history(case.id))
    assert run("org", "transition", "2024-09-01").stdout.strip() == "Đã chuyển 0 việc của 0 hồ sơ."


def users_named(pf: Policyflow, username: str) -> list[str]:
    with transaction(pf.url) as s:
        return list(s.scalars(select(User.username).where(User.username == username)))


@pytest.fixture
def seed_org_back(pf: Policyflow) -> Iterator[None]:
    """Org units outlive a test (only runtime tables are emptied): the seed's file again."""
    yield
    pf.org.import_file(ORG_FILE)


@pytest.mark.usefixtures("seed_org_back")
def test_import_dry_run_prints_the_changes(pf: Policyflow, run, tmp_path: Path) -> None:
    data = yaml.safe_load(ORG_FILE.read_text(encoding="utf-8"))
    data["units"][0]["name"] = "Tỉnh Nam Định (sửa)"
    data["people"].append({"username": "cb_moi", "full_name": "Cán bộ mới"})
    edited = tmp_path / "org.yaml"
    edited.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    code = data["units"][0]["code"]

    out = run("org", "import", str(edited), "--dry-run").stdout.splitlines()
    assert any(line.startswith(f"~ unit {code}: name: ") for line in out), out
    assert "+ user cb_moi (Cán bộ mới)" in out
    assert out[-1] == "Chạy thử, không ghi gì: people 1, units 1."
    assert not users_named(pf, "cb_moi")  # nothing written

    out = run("org", "import", str(edited)).stdout.splitlines()
    assert out[-2] == "Đã nhập: people 1, units 1."
    assert out[-1].startswith("Mật khẩu dùng một lần cho người dùng mới: ")
    assert users_named(pf, "cb_moi") == ["cb_moi"]
    assert run("org", "import", str(edited)).stdout.strip() == "Đã nhập: không có thay đổi."


def test_a_malformed_org_file_is_refused_clearly(pf: Policyflow, run, tmp_path: Path) -> None:
    data = yaml.safe_load(ORG_FILE.read_text(encoding="utf-8"))
    data["units"][1]["parent"] = "khong-co"
    data["units"][2]["kind"] = "village"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    before = pf.org.units()
    result = run("org", "import", str(bad), ok=False)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr.startswith("Lỗi: Tệp tổ chức không hợp lệ ở: ")
    assert "units.2.kind" in result.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text("units: [\n", encoding="utf-8")
    result = run("org", "import", str(broken), ok=False)
    assert result.stderr.startswith(f"Lỗi: Không đọc được tệp {broken}")
    assert pf.org.units() == before
