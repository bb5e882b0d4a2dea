"""The dashboard sums the case records in the database (engine.rules.indicators.case_sums,
per unit, kind and local month) by the rule P3's pre-fill applies in Python to each record
(`indicator_value` over `case_rows`): the same figures per unit, per month and in total,
on SQLite and PostgreSQL — whole numbers, decimals cut to their whole part, booleans, text,
nulls and missing keys adding nothing, a record at the turn of a local month, another
year's, a figure of another kind's indicator. And the whole report is one statement after
the user's."""

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import pytest

from engine.access.org import OrgTree, local_date
from engine.facade import Policyflow, get_engine, sql_stats
from engine.rules.indicators import CASE, INDICATORS, case_rows, indicator_value, period
from engine.store.db import transaction
from engine.store.models import CaseRecord
from tests.conftest import NOW, deploy_test_model

# (unit, kind, figures, recorded at, year): what an engine of another day (or another
# writer) may have left, beside what record_case writes (whole numbers ≥ 0).
PRESS = "press_request"
RECORDS: list[tuple[str, str, Any, str, int]] = [
    ("xa-xuan-ninh", PRESS, {"press_requests_received": 3, "press_requests_answered": 2,
     "press_requests_on_time": 1}, "2024-01-10T03:00:00+00:00", 2024),
    ("xa-xuan-ninh", PRESS, {"press_requests_received": 2.7, "press_requests_answered": -1.5,
     "press_requests_on_time": True}, "2024-02-10T03:00:00+00:00", 2024),
    ("xa-xuan-ninh", PRESS, {"press_requests_received": "4", "press_requests_answered": None,
     "press_requests_on_time": 1e3}, "2024-02-11T03:00:00+00:00", 2024),
    ("xa-xuan-ninh", PRESS, {}, "2024-02-12T03:00:00+00:00", 2024),
    ("xa-xuan-ninh", PRESS, None, "2024-02-13T03:00:00+00:00", 2024),
    ("xa-xuan-ninh", PRESS, {"unexpected_events": 7}, "2024-02-14T03:00:00+00:00", 2024),
    # 23:59 on 31/3 and 00:30 on 1/4, local time: March and April (Q1, Q2)
    ("phong-tu-phap", PRESS, {"press_requests_received": 1}, "2024-03-31T16:59:00+00:00", 2024),
    ("phong-tu-phap", PRESS, {"press_requests_received": 10}, "2024-03-31T17:30:00+00:00", 2024),
    ("phong-tu-phap", "crisis", {"unexpected_events": 2, "unexpected_events_on_time": False},
     "2024-05-02T03:00:00+00:00", 2024),
    ("phong-tu-phap", "info_request", {"received": 5, "refused": 1.9},
     "2024-06-02T03:00:00+00:00", 2024),
    ("xa-xuan-ninh", PRESS, {"press_requests_received": 100}, "2023-12-20T03:00:00+00:00",
     2023),
]  # fmt: skip
CASE_INDICATORS = [i for i in INDICATORS if i.source == CASE]
LATER = datetime(2024, 12, 31, 10, tzinfo=UTC)


def _record(pf: Policyflow) -> None:
    deploy_test_model(pf, "linear3.bpmn")
    instance = pf.start("linear3", "cv_vhtt", {}, now=NOW)["id"]
    with transaction(pf.url) as s:
        tree = OrgTree.load(s)
        for code, kind, figures, at, year in RECORDS:
            s.add(CaseRecord(instance_id=instance, process_key="test", kind=kind, year=year,
                             unit_id=tree.unit(code).id, figures=figures,
                             recorded_at=datetime.fromisoformat(at)))  # fmt: skip


def _by_rule(pf: Policyflow, quarter: int | None) -> tuple[dict, dict]:
    """Each unit's and each month's case figures, record by record, as P3's pre-fill."""
    span = period(2024, quarter)
    units: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    months: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    with transaction(pf.url) as s:
        tree = OrgTree.load(s)
        for unit_id, kind, figures, at in case_rows(s, tree.by_id, 2024, span):
            for indicator in CASE_INDICATORS:
                added = indicator_value(indicator, kind, figures)
                units[tree.by_id[unit_id].code][indicator.key] += added
                months[local_date(at).strftime("%Y-%m")][indicator.key] += added
    return units, months


@pytest.mark.parametrize("quarter", [None, 1, 2])
def test_database_sums_equal_the_rule_record_by_record(pf: Policyflow, quarter: int | None) -> None:
    _record(pf)
    report = pf.indicators.report("ct_ubnd", 2024, quarter, now=LATER)
    units, months = _by_rule(pf, quarter)
    shown = [i["key"] for i in report["indicators"] if i["source"] == CASE]
    assert shown, report["indicators"]
    for row in report["units"]:
        assert {k: row["values"][k] for k in shown} == {
            k: units[row["unit"]][k] for k in shown
        }, row["unit"]  # fmt: skip
    for month in report["months"]:
        assert {k: month["values"][k] for k in shown} == {
            k: months[month["month"]][k] for k in shown
        }, month["month"]  # fmt: skip
    # P4 is shown once it has a record, in Q2 and the year; P5 has none.
    assert ("p4_received" in shown) == (quarter != 1) and "p5_detected" not in shown


def test_the_figures_by_hand(pf: Policyflow) -> None:
    _record(pf)
    year = pf.indicators.report("ct_ubnd", 2024, now=LATER)
    ninh = next(u["values"] for u in year["units"] if u["unit"] == "xa-xuan-ninh")
    # 3 + int(2.7); "4", booleans, None, {} and 2023's 100 add nothing
    assert (ninh["p1_received"], ninh["p1_answered"], ninh["p1_on_time"]) == (5, 2 - 1, 1 + 1000)
    assert ninh["p2_incidents"] == 0  # a crisis figure on a press record
    months = {m["month"]: m["values"] for m in year["months"]}
    assert (months["2024-03"]["p1_received"], months["2024-04"]["p1_received"]) == (1, 10)
    assert year["totals"]["p4_refused"] == 1 and year["totals"]["p2_within_24h"] == 0


def test_the_report_is_one_statement_after_the_user(pf: Policyflow) -> None:
    _record(pf)
    pf.indicators.report("ct_ubnd", 2024, now=LATER)  # the org tree cached
    sql_stats.install(get_engine(pf.url))
    sql_stats.reset()
    sql_stats.keep_sql(True)
    report = pf.indicators.report("ct_ubnd", 2024, now=LATER)
    counts = sql_stats.reset()
    sql_stats.keep_sql(False)
    assert report["plan"] and report["totals"]["p1_received"] == 5 + 1 + 10
    read = [sql for sql in counts.sql if not sql.startswith("BEGIN")]  # SQLite's own BEGIN
    assert counts.transactions == 1 and len(read) == 2, counts
