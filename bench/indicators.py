"""How long the dashboard takes for a busy year: N case records and M completed work items
spread over the year's units and months, then `pf.indicators.report` for the chairman
(the whole district) and for a commune officer, each timed over a few runs.

    .venv/bin/python -m bench.indicators [--cases 20000] [--steps 50000] [--url URL]

The rows are written straight into the tables (a benchmark's shortcut: the processes write
them one case at a time through `record_case` and the runner). Prints the figures and the
machine.
"""

import argparse
import os
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from bench.machine import cpu_model
from engine.facade import Policyflow
from engine.store import schema
from engine.store.db import transaction
from engine.store.models import CaseRecord, Instance, OrgUnit, ProcessVersion, WorkItem

KINDS = {
    "press_request": ("press_requests_received", "press_requests_answered"),
    "crisis": ("unexpected_events", "unexpected_events_on_time"),
    "fake_news": ("fake_news_detected", "fake_news_handled"),
}


def fill(url: str, cases: int, steps: int) -> None:
    rng = random.Random(15)
    start = datetime(2024, 1, 1, 1, tzinfo=UTC)
    with transaction(url) as s:
        units = [u.id for u in s.scalars(select(OrgUnit)) if u.reports]
        version = ProcessVersion(
            process_key="bench", version=1, name="bench", bpmn_xml="", content_hash="0" * 64,
            forms={}, deployed_at=start, deployed_by=None,
        )  # fmt: skip
        s.add(version)
        s.flush()
        holder = Instance(
            process_version_id=version.id, process_key="bench", status="completed",
            unit_id=units[0], started_at=start, state="{}", waiting={}, called_versions={},
            last_hash="0" * 64,
        )  # fmt: skip
        s.add(holder)
        s.flush()
        records, items = [], []
        for _ in range(cases):
            kind = rng.choice(list(KINDS))
            at = start + timedelta(minutes=rng.randrange(365 * 24 * 60))
            figures = {k: rng.randrange(3) for k in KINDS[kind]}
            records.append({"instance_id": holder.id, "process_key": "bench", "kind": kind,
                            "unit_id": rng.choice(units), "year": 2024, "figures": figures,
                            "recorded_at": at})  # fmt: skip
        for n in range(steps):
            created = start + timedelta(minutes=rng.randrange(365 * 24 * 60))
            done = created + timedelta(hours=rng.randrange(1, 96))
            items.append({"id": f"b-{n}", "instance_id": holder.id, "process_key": "bench",
                          "version_id": version.id, "element_id": f"Step_{n % 7}",
                          "name": f"Bước {n % 7}", "role_key": "don_vi",
                          "unit_id": rng.choice(units), "scope": "unit", "state": "completed",
                          "created_at": created, "due_at": created + timedelta(days=2),
                          "completed_at": done})  # fmt: skip
        s.execute(insert(CaseRecord), records)
        s.execute(insert(WorkItem), items)


def timed(fn: object, runs: int = 5) -> float:
    best = float("inf")
    for _ in range(runs):
        began = time.perf_counter()
        fn()  # type: ignore[operator]
        best = min(best, time.perf_counter() - began)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--steps", type=int, default=50_000)
    parser.add_argument("--url", default=None)
    args = parser.parse_args()
    url = args.url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    schema.upgrade(url)
    pf = Policyflow(url)
    pf.seed_demo()
    fill(url, args.cases, args.steps)
    now = datetime(2024, 12, 31, 3, tzinfo=UTC)
    print(f"{cpu_model()}, {os.cpu_count()} cpus")
    print(f"{args.cases} case records, {args.steps} completed steps, {url.split(':')[0]}")
    for who in ("ct_ubnd", "xa_xuanninh"):
        for quarter in (None, 4):
            took = timed(lambda w=who, q=quarter: pf.indicators.report(w, 2024, q, now=now))
            span = "year" if quarter is None else "Q4"
            print(f"report {who:12} {span:4}: {took * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
