"""`pf.rules`: the administrator's org units, rules (settings with effective dates) and
working calendar — read and changed, each change one audited administrative event.

Administrators only (PermissionDenied otherwise); "system" is the operator at the shell.
Every change drops the runtime's reference caches, so the next command sees it.
"""

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from engine.access.org import local_date
from engine.commands import admin_rules, admin_units
from engine.context import utcnow
from engine.errors import N_, NotFound
from engine.facade.core import Core
from engine.queries import admin_rules as views
from engine.results.admin_rules import (
    CalendarChange,
    CalendarYearView,
    RuleChange,
    SettingList,
    UnitTree,
)

T = TypeVar("T")
DAY_KINDS = admin_rules.DAY_KINDS


class RulesFacade:
    day_kinds = admin_rules.DAY_KINDS  # holiday | workday | ordinary

    def __init__(self, core: Core) -> None:
        self.core = core

    def _read(self, actor: str, fn: Callable[[Session], T]) -> T:
        def go(s: Session) -> T:
            admin_units.require_admin(s, actor, utcnow())
            return fn(s)

        return self.core.run(go)

    def _change(self, fn: Callable[[Session], T]) -> T:
        result = self.core.run(fn)
        self.core.runtime.forget_reference_data()  # the next command sees the change
        return result

    def require_admin(self, actor: str) -> None:
        """PermissionDenied unless the user is an administrator (before a body is read)."""
        self.core.run(lambda s: admin_units.require_admin(s, actor, utcnow()))

    @staticmethod
    def today(now: datetime | None = None) -> date:
        return local_date(now or utcnow())

    # -- org units -----------------------------------------------------------------------

    def units(self, actor: str, on: date | None = None) -> UnitTree:
        """The org tree in force on `on` (default: today), a parent before its children."""
        day = on or self.today()
        return self._read(actor, lambda s: views.unit_tree(s, self.core.runtime.org_tree(s), day))

    def add_unit(
        self,
        actor: str,
        code: str,
        name: str,
        kind: str,
        parent: str | None,
        valid_from: date,
        reports: bool | None = None,
        reason: str = "",
        now: datetime | None = None,
    ) -> RuleChange:
        return self._change(
            lambda s: admin_units.add_unit(
                s, actor, now or utcnow(), code, name, kind, parent, valid_from, reports, reason
            )
        )

    def rename_unit(
        self, actor: str, code: str, name: str, reason: str = "", now: datetime | None = None
    ) -> RuleChange:
        return self._change(
            lambda s: admin_units.rename_unit(s, actor, now or utcnow(), code, name, reason)
        )

    def end_unit(
        self,
        actor: str,
        code: str,
        last_day: date,
        successor: str | None,
        reason: str = "",
        now: datetime | None = None,
    ) -> RuleChange:
        """The unit's last day, and its successor (in force the next day). Its open work
        moves to the successor with the daily hand-over (`pf.org.transition`)."""
        return self._change(
            lambda s: admin_units.end_unit(
                s, actor, now or utcnow(), code, last_day, successor, reason
            )
        )

    # -- settings ------------------------------------------------------------------------

    def settings(self, actor: str, on: date | None = None) -> SettingList:
        """Every setting with its value in force on `on` (default: today) and history."""
        day = on or self.today()
        return self._read(actor, lambda s: views.setting_list(s, day))

    def set_setting(
        self,
        actor: str,
        key: str,
        value: Any,
        valid_from: date,
        reason: str = "",
        now: datetime | None = None,
    ) -> RuleChange:
        """A new value of the setting from `valid_from` (today or later), checked by the
        setting's kind; instances already started keep the values they copied."""
        return self._change(
            lambda s: admin_rules.set_setting(
                s, actor, now or utcnow(), key, value, valid_from, reason
            )
        )

    @staticmethod
    def value_from_text(kind: str, text: str) -> Any:
        """A value typed as text (a list for `durations`, comma-separated)."""
        return admin_rules.value_from_text(kind, text)

    # -- calendar ------------------------------------------------------------------------

    def calendar(self, actor: str, year: int) -> CalendarYearView:
        """The year's holidays and make-up working days, and whether it is confirmed
        (administrators only: PermissionDenied first, then NotFound for a year outside
        1–9999), in the one transaction."""

        def read(s: Session) -> CalendarYearView:
            if not 1 <= year <= 9999:
                raise NotFound(N_("Lịch chưa có dữ liệu năm {year}."), params={"year": year})
            return views.calendar_year(s, year)

        return self._read(actor, read)

    def set_day(
        self,
        actor: str,
        day: date,
        kind: str,
        name: str = "",
        reason: str = "",
        dry_run: bool = False,
        now: datetime | None = None,
    ) -> CalendarChange:
        """Make the day a holiday, a make-up working day or an ordinary day. Deadlines
        already computed stay; the result lists the open items a recomputation would
        move (a dry run only lists them)."""

        def go(s: Session) -> CalendarChange:
            return admin_rules.set_day(
                s, self.core.runtime, actor, now or utcnow(), day, kind, name, reason, dry_run
            )

        return self.core.run(go) if dry_run else self._change(go)

    def confirm_year(
        self,
        actor: str,
        year: int,
        source: str = "",
        reason: str = "",
        now: datetime | None = None,
    ) -> RuleChange:
        return self._change(
            lambda s: admin_rules.confirm_year(s, actor, now or utcnow(), year, source, reason)
        )
