"""A fixture for tests that change the reference data the suite keeps seeded between
tests (org units, setting values, the calendar; tests/conftest.py resets only runtime
tables): what the test changed is put back afterwards, so no other test sees it."""

from collections.abc import Iterator

import pytest
from sqlalchemy import delete, select

from engine.store.db import transaction
from engine.store.models import CalendarDay, CalendarYear, OrgUnit, SettingValue


@pytest.fixture(autouse=True)
def restore_reference_data(db_url: str) -> Iterator[None]:
    with transaction(db_url) as s:
        units = {u.id: (u.name, u.valid_to, u.successor_id) for u in s.scalars(select(OrgUnit))}
        values = set(s.scalars(select(SettingValue.id)))
        days = [(d.day, d.is_working, d.name) for d in s.scalars(select(CalendarDay))]
        years = {y.year: (y.confirmed, y.source) for y in s.scalars(select(CalendarYear))}
    yield
    with transaction(db_url) as s:
        s.execute(delete(SettingValue).where(SettingValue.id.not_in(values)))
        for unit in s.scalars(select(OrgUnit)):
            if unit.id in units:
                unit.name, unit.valid_to, unit.successor_id = units[unit.id]
            else:
                unit.successor_id = None
        s.flush()
        s.execute(delete(OrgUnit).where(OrgUnit.id.not_in(list(units))))
        s.execute(delete(CalendarDay))
        s.add_all(CalendarDay(day=d, is_working=w, name=n) for d, w, n in days)
        for year in s.scalars(select(CalendarYear)):
            if year.year in years:
                year.confirmed, year.source = years[year.year]
        s.execute(delete(CalendarYear).where(CalendarYear.year.not_in(list(years))))
