"""Demo data: the Xuân Trường area in its three generations (data/org), its people,
rules (data/rules) and calendar.

Idempotent: running it again adds what is missing and changes nothing else.
"""

import os
from datetime import date
from pathlib import Path

import holidays
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.access.accounts import HASHER
from engine.access.org_import import import_org, read_org_file
from engine.commands.spokespersons import import_seed as import_spokespersons
from engine.context import utcnow
from engine.rules.plan_tasks import import_plan, read_plan_file
from engine.rules.settings import import_settings, read_settings_file
from engine.store.models import CalendarDay, CalendarYear

DATA = Path(__file__).resolve().parents[1] / "data"
ORG_FILE = DATA / "org" / "xuan-truong.yaml"
SETTINGS_FILE = DATA / "rules" / "settings.yaml"
SPOKESPERSONS_FILE = DATA / "spokespersons" / "nguoi-phat-ngon.yaml"  # NĐ 09/2017 Điều 2, 7
PLAN_FILES = sorted((DATA / "plan").glob("*.yaml"))  # the years' plans (section II tasks)
# Years whose day swaps were checked against the government's notices (below); later
# years hold the law's fixed holidays only and are provisional until an administrator
# confirms them.
CONFIRMED_YEARS = range(2024, 2027)
FIRST_YEAR = 2024


def seed_demo(session: Session, password: str | None = None) -> dict[str, int]:
    """Add the demo organisation (the org file, through the administrator's import),
    rules and calendar where missing."""
    password = password or os.environ.get("DEMO_PASSWORD", "demo")
    report = import_org(session, read_org_file(ORG_FILE), "system", utcnow(), password)
    added = {kind: report.counts.get(kind, 0) for kind in ("roles", "units", "people", "holdings")}
    added["settings"] = import_settings(session, read_settings_file(SETTINGS_FILE))
    added["calendar_days"] = seed_calendar(session, range(FIRST_YEAR, date.today().year + 3))
    added["plan_tasks"] = sum(
        import_plan(session, read_plan_file(p), "system", utcnow()) for p in PLAN_FILES
    )
    spokespersons = yaml.safe_load(SPOKESPERSONS_FILE.read_text(encoding="utf-8")) or {}
    added["spokespersons"] = import_spokespersons(session, spokespersons, utcnow())
    return added


# Where the `holidays` package (0.108) is wrong or incomplete for 2024–2026, checked against
# the official notices for civil servants. Applied like the package's days: only where the
# table has no row yet (the table is the authority; an administrator edits it).
# Checked and right in the package, so not listed: Tết 2024 off 8–14/2; 27/4–1/5/2024 off,
# Saturday 4/5 worked; 31/8–3/9/2024 off; Tết Ất Tỵ off Sat 25/1 – Sun 2/2/2025, five Tết
# weekdays and four weekend days, no make-up day (CV 8726/VPCP-KGVX 26/11/2024, TB 6150/
# TB-BLĐTBXH: Saturday 8/2/2025 is an ordinary Saturday); 30/4–4/5/2025 off, Saturday
# 26/4/2025 worked; 30/8–2/9/2025 off; Tết Bính Ngọ off Sat 14/2 – Sun 22/2/2026 (16–20/2
# weekdays); Giỗ Tổ 18/4/2024, 7/4/2025, Sunday 26/4/2026 off on Monday 27/4; 29/8–2/9/2026
# off, Monday 31/8 swapped with Saturday 22/8. Kept from the package, to be confirmed: Ngày
# Văn hóa Việt Nam 24/11/2026 (NQ 80-NQ/TW; needs the amended Bộ luật Lao động Điều 112).
CALENDAR_CORRECTIONS: dict[date, tuple[bool, str]] = {
    # The package calls Monday 27/1/2025 "29 Tết"; tháng Chạp Giáp Thìn had 29 days, so
    # 28/1 was 29 Tết (giao thừa) and 27/1 was 28 Tết. The day off itself is right.
    date(2025, 1, 27): (False, "28 Tết (nghỉ Tết Nguyên Đán)"),
    # Tết Dương lịch 2026 (CV 12729/VPCP-KGVX 25/12/2025): off Thu 1/1 – Sun 4/1, Friday 2/1
    # swapped with Saturday 10/1. Missing from the package.
    date(2026, 1, 2): (False, "Tết Dương lịch (hoán đổi, làm bù thứ Bảy 10/01/2026)"),
    date(2026, 1, 10): (True, "Làm bù (thay cho thứ Sáu 02/01/2026)"),
}


def seed_calendar(session: Session, years: range) -> int:
    """Vietnamese holidays and make-up Saturdays: the `holidays` package, then corrections;
    each year recorded as confirmed (checked) or provisional."""
    known_years = set(session.scalars(select(CalendarYear.year)))
    for year in years:
        if year not in known_years:
            confirmed = year in CONFIRMED_YEARS
            source = (
                "holidays 0.108 + CALENDAR_CORRECTIONS (engine/seed.py), đã đối chiếu"
                if confirmed
                else "holidays 0.108: ngày lễ cố định; chưa có thông báo hoán đổi ngày làm việc"
            )
            session.add(CalendarYear(year=year, confirmed=confirmed, source=source))
    existing = set(session.scalars(select(CalendarDay.day)))
    days = _package_calendar(years)
    days.update({d: v for d, v in CALENDAR_CORRECTIONS.items() if d.year in years})
    missing = [
        CalendarDay(day=day, is_working=working, name=name)
        for day, (working, name) in sorted(days.items())
        if day not in existing
    ]
    session.add_all(missing)
    return len(missing)


def _package_calendar(years: range) -> dict[date, tuple[bool, str]]:
    """Weekday holidays (weekends are off anyway) and make-up Saturdays, named in Vietnamese."""
    calendar = holidays.country_holidays("VN", years=list(years), language="vi")
    days = {day: (False, name) for day, name in calendar.items() if day.weekday() < 5}
    for day in getattr(calendar, "weekend_workdays", ()):
        if day.year in years:  # the package lists other years' make-up days too (2014, 2019)
            days[day] = (True, "Làm bù")
    return days


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except Exception:
        return False


def demo_users(on: date) -> dict[str, tuple[str, bool, list[tuple[str, str]]]]:
    """The demo people as of a date: username -> (full name, admin?, [(role, unit code)]
    in force that day), read from the org file the seed imports."""
    people = read_org_file(ORG_FILE).get("people", [])
    return {
        p["username"]: (
            p["full_name"],
            bool(p.get("admin", False)),
            [
                (h["role"], h["unit"])
                for h in p.get("holdings", [])
                if h["from"] <= on.isoformat()
                and (h.get("to") is None or on.isoformat() <= h["to"])
            ],
        )
        for p in people
    }
