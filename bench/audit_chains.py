"""Do commands of different instances wait for each other on the audit log? (issue 17)

Two measurements on PostgreSQL, each on its own instances:
  1. held: one connection appends an event for instance A and keeps its transaction open
     HOLD seconds; meanwhile a whole command (a task completion) of instance B runs
     through the engine. Its latency is printed: about HOLD if B queued behind A.
  2. parallel: T threads, each appending M events to its own instance, every
     transaction kept open SLEEP seconds after the append (a slow command, a network
     round trip). Without a shared lock the elapsed time is about M x SLEEP; with one,
     T x M x SLEEP (the appends serialize).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/policyflow_bench \
        .venv/bin/python bench/audit_chains.py

Only `engine.audit.chain.append` and the facade are used, so the same script measures
the code before and after the change. The database's tables are dropped and re-created.

Measured on the 2-vCPU machine (load average 7–9 from other work), PostgreSQL 15: with
the global head row (before issue 17) B's completion took 979–981 ms and the threads
3.09–3.48 s (23–26 appends/s); with per-instance chains 51–60 ms and 0.97–0.99 s
(81–82 appends/s).
"""

import os
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("POLICYFLOW_CLOCK_DATE", "2025-06-02")

from bench.engine import machine, prepare_database  # noqa: E402
from engine.audit import chain  # noqa: E402
from engine.facade import Policyflow, read_forms  # noqa: E402
from engine.store.db import database_url, transaction  # noqa: E402
from engine.store.models import Instance  # noqa: E402

NOW = datetime(2024, 10, 1, 8, 0, tzinfo=UTC)
HOLD = float(os.environ.get("BENCH_HOLD", "1.0"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
EVENTS = int(os.environ.get("BENCH_EVENTS", "20"))
SLEEP = float(os.environ.get("BENCH_SLEEP", "0.02"))


def append_one(url: str, instance_id: int, hold: float) -> None:
    with transaction(url) as s:
        instance = s.get(Instance, instance_id, with_for_update=True)
        assert instance is not None
        chain.append(s, instance, NOW, "cv_vhtt", "comment", {"bench": True}, {})
        s.flush()
        time.sleep(hold)


def held(pf: Policyflow, a: int, b: int) -> float:
    """Seconds B's completion took while A's append was held open."""
    started = threading.Event()

    def hold_a() -> None:
        with transaction(pf.url) as s:
            instance = s.get(Instance, a, with_for_update=True)
            assert instance is not None
            chain.append(s, instance, NOW, "cv_vhtt", "comment", {"bench": True}, {})
            s.flush()
            started.set()
            time.sleep(HOLD)

    holder = threading.Thread(target=hold_a)
    holder.start()
    started.wait()
    [task] = [t for t in pf.tasks("cv_vhtt") if t["instance_id"] == b]
    begin = time.perf_counter()
    pf.complete(task["id"], "cv_vhtt", {"title": "B", "pages": 1}, now=NOW)
    took = time.perf_counter() - begin
    holder.join()
    return took


def parallel(url: str, instances: list[int]) -> float:
    def run(instance_id: int) -> None:
        for _ in range(EVENTS):
            append_one(url, instance_id, SLEEP)

    threads = [threading.Thread(target=run, args=(i,)) for i in instances]
    begin = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - begin


def main() -> None:
    url = database_url()
    print(f"machine:  {machine()}")
    print(f"database: {url.split('@')[-1]}")
    prepare_database(url)
    pf = Policyflow(url)
    pf.deploy((ROOT / "tests/data/linear3.bpmn").read_text(), read_forms(ROOT / "tests/data/forms"))
    ids = [pf.start("linear3", "cv_vhtt", now=NOW)["id"] for _ in range(THREADS + 2)]
    held(pf, ids[0], ids[1])  # warm up the caches and connections
    b = pf.start("linear3", "cv_vhtt", now=NOW)["id"]
    took = held(pf, ids[0], b)
    print(f"1. instance B's completion while instance A's append is held {HOLD:.1f} s open:")
    print(f"   {took * 1000:8.1f} ms")
    serial = EVENTS * SLEEP
    elapsed = parallel(url, ids[2:])
    print(
        f"2. {THREADS} threads x {EVENTS} appends, each transaction open {SLEEP * 1000:.0f} ms"
        " after its append:"
    )
    print(
        f"   {elapsed:8.2f} s  (no waiting: ~{serial:.2f} s; serialized: ~{THREADS * serial:.2f} s)"
    )
    print(f"   {THREADS * EVENTS / elapsed:8.1f} appends/s")


if __name__ == "__main__":
    main()
