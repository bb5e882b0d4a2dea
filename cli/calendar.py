"""`policyflow calendar`: working days, counted from the `calendar_days` table."""

from datetime import date, datetime

import click

from engine.errors import InvalidInput

from .main import Policyflow, emit, json_option, main, pass_engine

WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
MAX_DAYS = 100_000  # about 380 years: more is a typo, and the count runs day by day


@main.group("calendar")
def calendar_group() -> None:
    """Lịch ngày làm việc: ngày lễ, ngày nghỉ bù, thứ Bảy làm bù."""


# ignore_unknown_options: "-1" reaches N (and is refused there) instead of being an option.
@calendar_group.command("add-working-days", context_settings={"ignore_unknown_options": True})
@click.argument("start", metavar="DATE")
@click.argument("count", metavar="N")
@json_option
@pass_engine
def add_working_days(pf: Policyflow, start: str, count: str, as_json: bool) -> None:
    """The date N working days after DATE (DATE itself is not counted)."""
    day, days = parse_day(start), parse_count(count)
    try:
        end = pf.org.add_working_days(day, days)
    except OverflowError as err:
        raise InvalidInput("kết quả vượt quá năm 9999") from err
    result = {"start": day.isoformat(), "working_days": days, "date": end.isoformat()}
    emit(result, as_json, vietnamese(end))


@calendar_group.command("show")
@click.argument("year", metavar="YEAR")
@json_option
@pass_engine
def show(pf: Policyflow, year: str, as_json: bool) -> None:
    """The holidays, days off and make-up working days of YEAR."""
    number = parse_year(year)
    rows = [(d["date"], d["is_working"], d["name"]) for d in pf.org.calendar_days(number)]
    days = [
        {"date": d.isoformat(), "weekday": WEEKDAYS[d.weekday()], "is_working": w, "name": n}
        for d, w, n in rows
    ]
    lines = [f"{vietnamese(d):<19}  {'làm việc' if w else 'nghỉ':<8}  {n}" for d, w, n in rows]
    human = "\n".join(lines) or f"Năm {number}: lịch không có ngày lễ hay ngày làm bù nào."
    emit({"year": number, "days": days}, as_json, human)


def vietnamese(day: date) -> str:
    """'Thứ Hai 19/02/2024'."""
    return f"{WEEKDAYS[day.weekday()]} {day:%d/%m/%Y}"


def parse_day(text: str) -> date:
    """YYYY-MM-DD or dd/mm/yyyy."""
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            pass
    raise InvalidInput(f"'{text}' không phải ngày hợp lệ (YYYY-MM-DD hoặc dd/mm/yyyy)")


def parse_count(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        raise InvalidInput(f"'{text}' không phải số ngày làm việc (số nguyên ≥ 0)") from None
    if days < 0:
        raise InvalidInput(f"số ngày làm việc không được âm ({days})")
    if days > MAX_DAYS:
        raise InvalidInput(f"số ngày làm việc tối đa {MAX_DAYS} ({days})")
    return days


def parse_year(text: str) -> int:
    try:
        year = int(text)
    except ValueError:
        year = 0
    if not 1 <= year <= 9999:
        raise InvalidInput(f"'{text}' không phải năm hợp lệ (1–9999)")
    return year
