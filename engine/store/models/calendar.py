"""The working-day calendar: the days that differ from 'Monday to Friday work'."""

from datetime import date

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class CalendarDay(Base):
    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(primary_key=True)
    is_working: Mapped[bool]  # False: a holiday or day off; True: a make-up working Saturday
    name: Mapped[str] = mapped_column(String(200), default="")
