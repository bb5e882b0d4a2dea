"""Calendar ahead (issue 13 item 6): every year the seed knows is confirmed or provisional;
a deadline in a provisional year is computed and flagged (task views, web pages, CLI); a
deadline reaching a year with no calendar data at all is refused, naming the year."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import delete, select, update

from engine.errors import CalendarMissing
from engine.facade import Policyflow
from engine.rules.calendar import WorkCalendar
from engine.rules.due import due_at
from engine.store.models import CalendarYear, WorkItem
from tests.processes import start_document

# Monday 4/1/2027 23:59:59 in Hà Nội: 31/12/2026 + 1 working day (1/1/2027 is a holiday).
DUE_2027 = datetime(2027, 1, 4, 16, 59, 59, tzinfo=UTC)


def load(pf: Policyflow, drop_year: int | None = None) -> WorkCalendar:
    with pf.transaction() as s:
        if drop_year is not None:
            s.execute(delete(CalendarYear).where(CalendarYear.year == drop_year))
            s.flush()
        calendar = WorkCalendar.load(s)
        s.rollback()
    return calendar


def test_the_seed_marks_confirmed_and_provisional_years(pf: Policyflow) -> None:
    with pf.transaction() as s:
        rows = s.execute(select(CalendarYear.year, CalendarYear.confirmed)).all()
    years = {year: confirmed for year, confirmed in rows}
    assert {2024: True, 2025: True, 2026: True}.items() <= years.items()
    later = [y for y in years if y >= 2027]
    assert later and max(later) == date.today().year + 2
    assert all(years[y] is False for y in later)


def test_2027_computes_and_is_flagged_provisional(pf: Policyflow) -> None:
    calendar = load(pf)
    assert calendar.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert calendar.next_working_day(date(2027, 1, 1)) == date(2027, 1, 4)
    opened = datetime(2026, 12, 31, 3, 0, tzinfo=UTC)
    assert due_at("1WD", opened, lambda: calendar) == DUE_2027
    assert calendar.is_provisional(date(2027, 1, 4))
    assert not calendar.is_provisional(date(2026, 12, 31))
    assert pf.org.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)


@pytest.mark.parametrize("year", [2028, 2031])
def test_a_year_with_no_data_is_refused(pf: Policyflow, year: int) -> None:
    calendar = load(pf, drop_year=2028)
    start = date(year - 1, 12, 31)
    for compute in (
        lambda: calendar.add_working_days(start, 1),
        lambda: calendar.next_working_day(date(year, 1, 1)),
        lambda: calendar.deadline_after(datetime(year - 1, 12, 31, 3, 0, tzinfo=UTC), 1),
        lambda: due_at("P2D", datetime(year - 1, 12, 31, 3, 0, tzinfo=UTC), lambda: calendar),
    ):
        with pytest.raises(CalendarMissing) as refused:
            compute()
        assert f"Chưa có lịch làm việc năm {year}" in str(refused.value)
        assert "Quản trị viên cần bổ sung lịch năm" in str(refused.value)
    if year == 2031:
        with pytest.raises(CalendarMissing, match="năm 2031"):
            pf.org.add_working_days(date(2030, 12, 31), 1)


def due_in_2027(pf: Policyflow) -> str:
    """An open task of cv_vhtt whose due date is moved to Monday 4/1/2027."""
    case = start_document(pf)
    task = case.task("cv_vhtt", "Draft")
    with pf.transaction() as s:
        s.execute(update(WorkItem).where(WorkItem.id == task["id"]).values(due_at=DUE_2027))
    return str(task["id"])


def test_task_views_flag_a_provisional_due_date(deployed: Policyflow) -> None:
    task_id = due_in_2027(deployed)
    other = start_document(deployed).task("cv_vhtt", "Draft")
    assert other["due_provisional"] is False
    assert deployed.task(task_id, "cv_vhtt")["due_provisional"] is True
    rows = {t["id"]: t for t in deployed.inbox("cv_vhtt")["items"]}
    assert rows[task_id]["due_provisional"] is True
    assert rows[other["id"]]["due_provisional"] is False
