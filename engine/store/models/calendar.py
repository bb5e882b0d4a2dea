"""The working-day calendar: the days that differ from 'Monday to Friday work', by year."""

from datetime import date

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class CalendarDay(Base):
    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(primary_key=True)
    is_working: Mapped[bool]  # False: a holiday or day off; True: a make-up working Saturday
    name: Mapped[str] = mapped_column(String(200), default="")


class CalendarYear(Base):
    """A year the calendar holds: confirmed once the government's notice of its day swaps
    is in, provisional while only the law's fixed holidays are known. A year with no row
    has no data at all and no deadline is computed in it."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    confirmed: Mapped[bool]
    source: Mapped[str] = mapped_column(Text, default="", server_default="")
