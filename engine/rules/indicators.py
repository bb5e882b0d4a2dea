"""The indicator catalogue (what the dashboard counts, as data), the reading of the case
records P3's pre-fill (`case_figures`) sums and the dashboard's sums of the same records
in the database (`case_sums`), by one rule: what a record adds (`indicator_value`).

An indicator of source "case" is the sum of one figure over the case records of some
kinds (written by the processes through `record_case`); the other sources are counted
from the work items ("p3": the annual report's unit tasks; "work": overdue and time per
step). A process that records a new kind of case adds its indicators here: entries marked
`optional` are shown only when a record of their kind exists (P4, P5 are being built).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Numeric,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    select,
)
from sqlalchemy.orm import Session

from engine.errors import N_, InvalidInput
from engine.rules.calendar import LOCAL
from engine.store.models import CaseRecord

CASE, P3, WORK = "case", "p3", "work"


@dataclass(frozen=True)
class Group:
    key: str
    label: str


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str  # Vietnamese (N_: translated where shown)
    group: str
    source: str  # CASE, P3 or WORK
    kinds: tuple[str, ...] = ()  # CASE: the case kinds summed
    figure: str = ""  # CASE: the figure of each record summed
    optional: bool = False  # shown only when a record of its kinds exists
    average: bool = False  # a mean (hours), not a count: not summed over units


GROUPS = (
    Group("p1", N_("P1 — Phát ngôn, cung cấp thông tin cho báo chí")),
    Group("p2", N_("P2 — Sự cố, khủng hoảng truyền thông")),
    Group("p3", N_("P3 — Báo cáo kết quả năm")),
    Group("p4", N_("P4 — Cung cấp thông tin theo yêu cầu của công dân")),
    Group("p5", N_("P5 — Theo dõi, xử lý tin giả, tin xấu độc")),
    Group("work", N_("Công việc trên hệ thống")),
)

PRESS, CRISIS, INFO, FAKE = ("press_request",), ("crisis",), ("info_request",), ("fake_news",)

INDICATORS: tuple[Indicator, ...] = (
    Indicator("p1_received", N_("Yêu cầu của báo chí đã nhận"), "p1", CASE, PRESS,
              "press_requests_received"),
    Indicator("p1_answered", N_("Yêu cầu của báo chí đã trả lời"), "p1", CASE, PRESS,
              "press_requests_answered"),
    Indicator("p1_on_time", N_("Trả lời báo chí đúng hạn"), "p1", CASE, PRESS,
              "press_requests_on_time"),
    Indicator("p2_incidents", N_("Sự cố, khủng hoảng đã xử lý"), "p2", CASE, CRISIS,
              "unexpected_events"),
    Indicator("p2_within_24h", N_("Sự cố có thông tin ban đầu trong 24 giờ"), "p2", CASE,
              CRISIS, "unexpected_events_on_time"),
    Indicator("p3_on_time", N_("Báo cáo năm đúng hạn"), "p3", P3),
    Indicator("p3_late", N_("Báo cáo năm muộn"), "p3", P3),
    Indicator("p3_missing", N_("Báo cáo năm chưa gửi (quá hạn)"), "p3", P3),
    # P4 (workflows/info_request.bpmn) records its own keys: received, answered, on_time…
    Indicator("p4_received", N_("Yêu cầu cung cấp thông tin đã nhận"), "p4", CASE, INFO,
              "received", optional=True),
    Indicator("p4_answered", N_("Yêu cầu cung cấp thông tin đã trả lời"), "p4", CASE, INFO,
              "answered", optional=True),
    Indicator("p4_on_time", N_("Cung cấp thông tin đúng hạn"), "p4", CASE, INFO, "on_time",
              optional=True),
    Indicator("p4_refused", N_("Từ chối cung cấp thông tin"), "p4", CASE, INFO, "refused",
              optional=True),
    Indicator("p5_detected", N_("Tin giả, tin xấu độc phát hiện"), "p5", CASE, FAKE,
              "fake_news_detected", optional=True),
    Indicator("p5_handled", N_("Tin giả, tin xấu độc đã xử lý"), "p5", CASE, FAKE,
              "fake_news_handled", optional=True),
    Indicator("p5_removed", N_("Tin giả, tin xấu độc đã gỡ bỏ"), "p5", CASE, FAKE,
              "fake_news_removed", optional=True),
    Indicator("overdue_now", N_("Công việc quá hạn hiện nay"), "work", WORK),
    Indicator("steps_done", N_("Bước công việc đã hoàn thành"), "work", WORK),
    Indicator("avg_step_hours", N_("Thời gian trung bình mỗi bước (giờ)"), "work", WORK,
              average=True),
)  # fmt: skip

BY_KEY = {i.key: i for i in INDICATORS}
GROUP_LABELS = {g.key: g.label for g in GROUPS}


@dataclass(frozen=True)
class Period:
    """A year or one of its quarters, as local dates."""

    year: int
    quarter: int | None
    first: date
    last: date

    @property
    def start_utc(self) -> datetime:
        return datetime.combine(self.first, time.min, LOCAL).astimezone(UTC)

    @property
    def end_utc(self) -> datetime:  # exclusive
        return datetime.combine(self.last + timedelta(days=1), time.min, LOCAL).astimezone(UTC)

    def months(self) -> list[str]:
        first = self.first.month
        return [f"{self.year}-{m:02d}" for m in range(first, self.last.month + 1)]


def period(year: int, quarter: int | None = None) -> Period:
    """The period (InvalidInput for a year outside 2000–2100 or a quarter not 1–4)."""
    if not 2000 <= year <= 2100 or quarter not in (None, 1, 2, 3, 4):
        raise InvalidInput(
            N_("Kỳ không hợp lệ: năm {year}, quý {quarter}."),
            params={"year": year, "quarter": quarter if quarter is not None else "-"},
        )
    if quarter is None:
        return Period(year, None, date(year, 1, 1), date(year, 12, 31))
    first = date(year, 3 * quarter - 2, 1)
    after = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return Period(year, quarter, first, after - timedelta(days=1))


def case_rows(
    session: Session, unit_ids: Iterable[int], year: int, within: Period | None = None
) -> list[tuple[int, str, dict, datetime]]:
    """The case records (unit id, kind, figures, recorded at) of the units and the year
    (within the period, by when they were recorded), oldest first: what P3's pre-fill
    sums (the dashboard sums the same records in the database: `case_sums`)."""
    query = select(CaseRecord.unit_id, CaseRecord.kind, CaseRecord.figures, CaseRecord.recorded_at)
    query = query.where(CaseRecord.year == int(year), CaseRecord.unit_id.in_(sorted(unit_ids)))
    if within is not None:
        query = query.where(
            CaseRecord.recorded_at >= within.start_utc, CaseRecord.recorded_at < within.end_utc
        )
    return [tuple(r) for r in session.execute(query.order_by(CaseRecord.id))]


# Each figure a case indicator sums, with the kinds of record it is summed over.
FIGURES: dict[str, tuple[str, ...]] = {}
for _indicator in INDICATORS:
    if _indicator.source == CASE:
        _kinds = FIGURES.get(_indicator.figure, ()) + _indicator.kinds
        FIGURES[_indicator.figure] = tuple(sorted(set(_kinds)))


def local_month(moment: Any, dialect: str) -> ColumnElement[str]:
    """The local month ("2024-10") of a UTC timestamp column, computed in the database."""
    if dialect == "postgresql":
        return func.to_char(func.timezone(LOCAL.key, moment), "YYYY-MM", type_=String)
    # SQLite keeps UTC text; Việt Nam has one offset all year (no summer time)
    offset = LOCAL.utcoffset(datetime(2024, 1, 1)) or timedelta(0)
    shift = f"+{int(offset.total_seconds() // 3600)} hours"
    return func.strftime("%Y-%m", moment, shift, type_=String)


def case_sums(dialect: str, unit_ids: Iterable[int], span: Period) -> Select[Any]:
    """The case records of the units recorded in the period, summed in the database per
    unit, kind and local month: `unit_id`, `kind`, `month` and, for each figure of
    FIGURES, `sum_<figure>` — what `indicator_value` adds for each record, summed (the
    record's number cut to its whole part; a figure that is missing, not a number or a
    boolean adds nothing). A busy year has tens of thousands of records: each fetched
    with its JSON was most of the dashboard's time."""
    month = local_month(CaseRecord.recorded_at, dialect)
    sums = [
        _figure_sum(dialect, figure, kinds).label(f"sum_{figure}")
        for figure, kinds in FIGURES.items()
    ]
    return (
        select(CaseRecord.unit_id, CaseRecord.kind, month.label("month"), *sums)
        .where(
            CaseRecord.year == int(span.year),
            CaseRecord.unit_id.in_(sorted(unit_ids)),
            CaseRecord.recorded_at >= span.start_utc,
            CaseRecord.recorded_at < span.end_utc,
        )
        .group_by(CaseRecord.unit_id, CaseRecord.kind, month)
    )


def _figure_sum(dialect: str, figure: str, kinds: tuple[str, ...]) -> ColumnElement[float]:
    """The sum of one figure over the records of these kinds, as `indicator_value` reads
    each: a JSON number (not a boolean, not a string) cut towards zero. A float: exact for
    whole numbers up to 2**53, as the report's own sums."""
    if dialect == "postgresql":
        value = CaseRecord.figures[figure]
        is_number = func.json_typeof(value) == "number"
        whole: ColumnElement[Any] = func.trunc(cast(value.as_string(), Numeric))
        total: ColumnElement[Any] = func.sum(
            case((and_(CaseRecord.kind.in_(kinds), is_number), whole))
        )
    else:  # SQLite: json_type tells integer and real from true, false and text
        path = f'$."{figure}"'
        is_number = func.json_type(CaseRecord.figures, path).in_(("integer", "real"))
        whole = cast(func.json_extract(CaseRecord.figures, path), Integer)  # towards zero
        total = func.total(case((and_(CaseRecord.kind.in_(kinds), is_number), whole)))
    return cast(total, Float)


def sum_figures(figures: Iterable[dict | None]) -> dict[str, int]:
    """Each figure summed over the records (whole numbers only), by key."""
    totals: dict[str, int] = {}
    for found in figures:
        for key, value in (found or {}).items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                totals[key] = totals.get(key, 0) + int(value)
    return dict(sorted(totals.items()))


def indicator_value(indicator: Indicator, kind: str, figures: dict | None) -> int:
    """What one case record adds to a case indicator."""
    if indicator.source != CASE or kind not in indicator.kinds:
        return 0
    value = (figures or {}).get(indicator.figure)
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0
