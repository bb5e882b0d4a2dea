"""`policyflow org units [--at DATE] [--kind K]`: the units in force on a date."""

import json

import pytest
from click.testing import CliRunner

from cli.main import main


@pytest.fixture
def run(db_url: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DATABASE_URL", db_url)

    def invoke(*args: str) -> str:
        result = CliRunner().invoke(main, ["org", "units", *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.stdout

    return invoke


@pytest.mark.parametrize(
    ("at", "count"), [("2024-08-15", 20), ("15/10/2024", 14), ("2025-10-15", 4)]
)
def test_org_units_lists_the_communes_in_force(run, at: str, count: int) -> None:
    found = json.loads(run("--at", at, "--kind", "commune", "--json"))
    assert len(found["items"]) == count and {u["kind"] for u in found["items"]} == {"commune"}


def test_org_units_prints_code_name_kind_and_dates(run) -> None:
    shown = run("--at", "2024-08-15", "--kind", "commune")
    [line] = [row for row in shown.splitlines() if row.startswith("xa-xuan-bac\t")]
    assert "Xã Xuân Bắc\tcommune\t2024-01-01 → 2024-08-31" in line and "kế thừa:" in line
    assert "20 đơn vị có hiệu lực ngày 15/08/2024." in shown
    assert "Thị trấn" in run("--kind", "commune")  # today by the engine's clock
