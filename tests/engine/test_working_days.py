"""Working days ("10WD") on the seeded calendar, and `policyflow calendar`.

The official calendars for civil servants (PROCESSES.md "Working days"; engine/seed.py
CALENDAR_CORRECTIONS lists the notices). The start day is never counted.
"""

import json
from datetime import UTC, date, datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, select

from cli.main import main
from engine.facade import Policyflow
from engine.rules.calendar import WorkCalendar
from engine.rules.due import due_at
from engine.seed import seed_calendar
from engine.store.models import CalendarDay

D = date

CASES = [
    # Tết Giáp Thìn 2024: off Thu 8/2 – Wed 14/2.
    ("tet-2024-eve", D(2024, 2, 7), 1, D(2024, 2, 15)),
    ("tet-2024-3wd", D(2024, 2, 7), 3, D(2024, 2, 19)),
    ("tet-2024-before", D(2024, 2, 6), 1, D(2024, 2, 7)),
    ("tet-2024-start-on-holiday", D(2024, 2, 8), 1, D(2024, 2, 15)),
    # Tết Ất Tỵ 2025: off Sat 25/1 – Sun 2/2, no make-up Saturday afterwards.
    ("tet-2025-eve", D(2025, 1, 24), 1, D(2025, 2, 3)),
    ("tet-2025-2wd", D(2025, 1, 23), 2, D(2025, 2, 3)),
    ("tet-2025-8-2-is-a-rest-day", D(2025, 2, 7), 1, D(2025, 2, 10)),
    ("tet-2025-10wd", D(2025, 1, 20), 10, D(2025, 2, 10)),
    # Tết Bính Ngọ 2026: off Sat 14/2 – Sun 22/2.
    ("tet-2026-eve", D(2026, 2, 13), 1, D(2026, 2, 23)),
    # 30/4–1/5/2024: off Sat 27/4 – Wed 1/5, Saturday 4/5 worked.
    ("30-4-2024", D(2024, 4, 26), 1, D(2024, 5, 2)),
    ("30-4-2024-makeup-saturday", D(2024, 5, 3), 1, D(2024, 5, 4)),
    ("30-4-2024-through-makeup", D(2024, 5, 2), 2, D(2024, 5, 4)),
    ("30-4-2024-start-on-makeup", D(2024, 5, 4), 1, D(2024, 5, 6)),
    # 30/4–1/5/2025: off Wed 30/4 – Sun 4/5, Saturday 26/4 worked.
    ("30-4-2025-makeup-saturday", D(2025, 4, 25), 1, D(2025, 4, 26)),
    ("30-4-2025-after-makeup", D(2025, 4, 26), 1, D(2025, 4, 28)),
    ("30-4-2025", D(2025, 4, 29), 1, D(2025, 5, 5)),
    # 2/9: off Sat 31/8 – Tue 3/9/2024; Sat 30/8 – Tue 2/9/2025.
    ("2-9-2024", D(2024, 8, 30), 1, D(2024, 9, 4)),
    ("2-9-2025", D(2025, 8, 29), 1, D(2025, 9, 3)),
    # Giỗ Tổ Hùng Vương: 18/4/2024, 7/4/2025, Sun 26/4/2026 off on Mon 27/4.
    ("gio-to-2024", D(2024, 4, 17), 1, D(2024, 4, 19)),
    ("gio-to-2025", D(2025, 4, 4), 1, D(2025, 4, 8)),
    ("gio-to-2026-observed", D(2026, 4, 24), 1, D(2026, 4, 28)),
    # Tết Dương lịch 2026 (a correction): off 1/1 – 4/1, Saturday 10/1 worked.
    ("new-year-2026", D(2025, 12, 31), 1, D(2026, 1, 5)),
    ("new-year-2026-makeup-saturday", D(2026, 1, 9), 1, D(2026, 1, 10)),
    # Weekends, the start day, N = 0.
    ("weekend", D(2024, 11, 15), 1, D(2024, 11, 18)),
    ("weekend-3wd", D(2024, 11, 15), 3, D(2024, 11, 20)),
    ("start-on-saturday", D(2024, 11, 16), 1, D(2024, 11, 18)),
    ("start-not-counted", D(2024, 11, 18), 1, D(2024, 11, 19)),
    ("ends-where-a-rest-day-would-be", D(2024, 4, 25), 2, D(2024, 5, 2)),
    ("zero", D(2024, 11, 20), 0, D(2024, 11, 20)),
]


@pytest.fixture
def calendar(pf: Policyflow) -> WorkCalendar:
    with pf.transaction() as s:
        return WorkCalendar.load(s)


@pytest.mark.parametrize(
    ("start", "days", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_add_working_days(calendar: WorkCalendar, start: date, days: int, expected: date) -> None:
    assert calendar.add_working_days(start, days) == expected
    assert days == 0 or calendar.is_working_day(expected)


def test_negative_working_days_are_refused(calendar: WorkCalendar) -> None:
    with pytest.raises(ValueError):
        calendar.add_working_days(D(2024, 2, 7), -1)


def test_due_values_follow_the_calendar(calendar: WorkCalendar) -> None:
    opened = datetime(2024, 2, 7, 3, 0, tzinfo=UTC)  # Wed 7/2/2024 10:00 in Hà Nội
    # 3WD: Thu 15, Fri 16, Mon 19/2; ends 23:59:59 local.
    assert due_at("3WD", opened, lambda: calendar) == datetime(2024, 2, 19, 16, 59, 59, tzinfo=UTC)
    # P3D lands on Sat 10/2 (Tết): moved to the next working day, Thu 15/2 (Điều 148).
    assert due_at("P3D", opened, lambda: calendar) == datetime(2024, 2, 15, 16, 59, 59, tzinfo=UTC)


def test_seeded_calendar_matches_the_official_one(pf: Policyflow) -> None:
    with pf.transaction() as s:
        rows = {d.day: d for d in s.scalars(select(CalendarDay))}
    working = {day for day, row in rows.items() if row.is_working}
    assert {D(2024, 5, 4), D(2025, 4, 26), D(2026, 1, 10), D(2026, 8, 22)} <= working
    assert D(2025, 2, 8) not in rows  # Tết 2025 had no make-up Saturday
    assert D(2014, 12, 27) not in rows  # other years' make-up days are not seeded
    assert not rows[D(2026, 1, 2)].is_working
    assert rows[D(2024, 4, 30)].name == "Ngày Chiến thắng"  # names in Vietnamese
    off_2025 = {day for day, row in rows.items() if day.year == 2025 and not row.is_working}
    assert {D(2025, 1, day) for day in range(27, 32)} <= off_2025
    assert {D(2025, 4, 30), D(2025, 5, 1), D(2025, 5, 2), D(2025, 9, 1), D(2025, 9, 2)} <= off_2025


def test_seeding_never_overrides_the_table(pf: Policyflow) -> None:
    with pf.transaction() as s:
        s.get(CalendarDay, D(2026, 1, 2)).is_working = True
        s.flush()
        assert seed_calendar(s, range(2024, 2027)) == 0
        assert s.get(CalendarDay, D(2026, 1, 2)).is_working is True
        s.rollback()


def test_the_table_decides(pf: Policyflow) -> None:
    with pf.transaction() as s:
        before = WorkCalendar.load(s).add_working_days(D(2024, 11, 18), 1)
        s.add(CalendarDay(day=D(2024, 11, 19), is_working=False, name="Nghỉ (thử)"))
        s.execute(delete(CalendarDay).where(CalendarDay.day == D(2024, 5, 4)))
        s.flush()
        after = WorkCalendar.load(s)
        s.rollback()
    assert before == D(2024, 11, 19)
    assert after.add_working_days(D(2024, 11, 18), 1) == D(2024, 11, 20)
    assert after.add_working_days(D(2024, 5, 3), 1) == D(2024, 5, 6)  # 4/5 now a Saturday off


# The command line, against the same test database (as tests/test_cli.py does).


@pytest.fixture
def run(db_url: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True):
        result = runner.invoke(main, ["calendar", *args], catch_exceptions=False)
        assert (result.exit_code == 0) == ok, result.output
        return result

    return invoke


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (("2024-02-07", "3"), "Thứ Hai 19/02/2024"),
        (("07/02/2024", "3"), "Thứ Hai 19/02/2024"),
        (("2024-05-03", "1"), "Thứ Bảy 04/05/2024"),
        (("2025-01-24", "1"), "Thứ Hai 03/02/2025"),
        (("2024-11-17", "0"), "Chủ nhật 17/11/2024"),
    ],
)
def test_cli_add_working_days(run, args: tuple[str, str], shown: str) -> None:
    assert run("add-working-days", *args).stdout.strip() == shown


def test_cli_add_working_days_json(run) -> None:
    result = run("add-working-days", "2024-02-07", "3", "--json")
    assert json.loads(result.stdout) == {
        "start": "2024-02-07",
        "working_days": 3,
        "date": "2024-02-19",
    }


def test_cli_show_lists_the_days_of_the_year(run) -> None:
    shown = json.loads(run("show", "2024", "--json").stdout)
    days = {d["date"]: d for d in shown["days"]}
    assert shown["year"] == 2024 and all(d.startswith("2024-") for d in days)
    assert list(days) == sorted(days)
    assert days["2024-05-04"]["is_working"] and days["2024-05-04"]["weekday"] == "Thứ Bảy"
    assert not days["2024-02-08"]["is_working"] and "2024-02-10" not in days
    human = run("show", "2025").stdout
    assert "Thứ Bảy 26/04/2025" in human and "làm việc" in human
    assert "08/02/2025" not in human
    assert "không có" in run("show", "2031").stdout


def test_cli_follows_the_table(run, db_url: str) -> None:
    pf = Policyflow(db_url)
    with pf.transaction() as s:
        s.add(CalendarDay(day=D(2024, 11, 19), is_working=False, name="Nghỉ (thử)"))
    try:
        assert run("add-working-days", "2024-11-18", "1").stdout.strip() == "Thứ Tư 20/11/2024"
        assert "Nghỉ (thử)" in run("show", "2024").stdout
    finally:
        with pf.transaction() as s:
            s.execute(delete(CalendarDay).where(CalendarDay.day == D(2024, 11, 19)))


@pytest.mark.parametrize(
    "args",
    [
        ("add-working-days", "2024-02-30", "1"),
        ("add-working-days", "hôm qua", "1"),
        ("add-working-days", "2024-02-07", "-1"),
        ("add-working-days", "2024-02-07", "-1", "--json"),
        ("add-working-days", "2024-02-07", "ba"),
        ("add-working-days", "2024-02-07", "999999999"),
        ("add-working-days", "9999-12-31", "1"),
        ("show", "abc"),
        ("show", "0"),
    ],
)
def test_cli_errors_are_one_line_with_exit_code_2(run, args: tuple[str, ...]) -> None:
    result = run(*args, ok=False)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Lỗi: "), result.stderr
