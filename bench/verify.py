"""Verified re-execution: how fast `policyflow verify` proves instances from their log.

1. One instance with 1,001 audit events (tests/data/revision_loop.bpmn, 500 rounds of
   draft → review → return): `verify` (re-execute every step, compare each with the log,
   check the chain) — target ≤ 2 s; and the same 1,000 completions in bare SpiffWorkflow
   in memory, for the ratio.
2. `verify --all` over N completed instances (linear3: start + 3 completions, 4 events
   each; N = BENCH_INSTANCES, 10,000 by default) — target ≥ 200 instances/s; in one
   process, and split over BENCH_WORKERS processes.
Prints the figures and the machine:

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/policyflow_bench_verify \\
        .venv/bin/python bench/verify.py

The database is created if missing and re-created empty: do not point it at data you keep.
Creating 10,000 instances takes a few minutes (they are made through the engine, 2 processes).
"""

import os
import statistics
import sys
import time
from pathlib import Path

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The 2024 district's workload: the engine clock reads 2025-06-02 (as in the tests) unless
# set; the servers and workers started here inherit it.
os.environ.setdefault("POLICYFLOW_CLOCK_DATE", "2025-06-02")

from bench.engine import (  # noqa: E402
    LINEAR_PATH,
    NOW,
    drive,
    machine,
    prepare_database,
    run_bare,
)
from engine import context  # noqa: E402
from engine.bpmn.pruning import prune_history  # noqa: E402
from engine.bpmn.specs import parse_process  # noqa: E402
from engine.commands.runner import SCRIPT_ENGINE  # noqa: E402
from engine.facade import Policyflow, read_forms  # noqa: E402
from engine.store.db import normalize_url  # noqa: E402

URL = normalize_url(
    os.environ.get(
        "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/policyflow_bench_verify"
    )
)
N = int(os.environ.get("BENCH_INSTANCES", "10000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "500"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(os.cpu_count() or 2)))
DATA = ROOT / "tests" / "data"


def long_instance(pf: Policyflow) -> int:
    pf.deploy((DATA / "revision_loop.bpmn").read_text(), read_forms(DATA / "forms"))
    state = pf.start("revision_loop", "cv_vhtt", now=NOW)
    for n in tqdm(range(ROUNDS), desc="1,000-event instance", unit=" rounds"):
        draft = next(t for t in state["open_tasks"] if t["element_id"] == "Draft")
        state = pf.complete(draft["id"], "cv_vhtt", {}, now=NOW)
        review = next(t for t in state["open_tasks"] if t["element_id"] == "Review")
        decision = "approve" if n == ROUNDS - 1 else "return"
        state = pf.complete(review["id"], "tp_vhtt", {"review_decision": decision}, now=NOW)
    assert state["status"] == "completed"
    return state["id"]


def bare_loop() -> float:
    """The same 1,000 completions in bare SpiffWorkflow, in memory (with the pruning any
    host needs for a loop this long)."""
    parsed = parse_process((DATA / "revision_loop.bpmn").read_text())
    started = time.perf_counter()
    with context.command_context(context.CommandContext(NOW, 0, 0)):
        wf = BpmnWorkflow(parsed.spec, dict(parsed.embedded), script_engine=SCRIPT_ENGINE)
        wf.do_engine_steps()
        for n in range(ROUNDS):
            for element, data in (("Draft", {}), ("Review", {"review_decision": "return"})):
                if n == ROUNDS - 1 and element == "Review":
                    data = {"review_decision": "approve"}
                [task] = [
                    t
                    for t in wf.get_tasks(state=TaskState.READY, manual=True)
                    if t.task_spec.bpmn_id == element
                ]
                task.data.update(data)
                task.run()
                wf.do_engine_steps()
                prune_history(wf)  # without it the library loses the loop (depth trap)
    assert wf.completed
    return time.perf_counter() - started


def _create(args: tuple[str, int]) -> int:
    url, n = args
    pf = Policyflow(url)
    for _ in range(n):
        drive(pf, "linear3", LINEAR_PATH)
    return n


def create_instances(url: str, n: int) -> float:
    import multiprocessing

    started = time.perf_counter()
    share, rest = divmod(n, WORKERS)
    jobs = [(url, share + (1 if i < rest else 0)) for i in range(WORKERS)]
    with multiprocessing.get_context("spawn").Pool(WORKERS) as pool:
        pool.map(_create, jobs)
    return time.perf_counter() - started


def _verify_share(args: tuple[str, list[int]]) -> tuple[float, int]:
    url, ids = args
    pf = Policyflow(url)
    pf.audit.verify(ids[0])  # warm this process's caches
    started = time.perf_counter()
    failed = sum(1 for i in ids if not pf.audit.verify(i)["verified"])
    return time.perf_counter() - started, failed


def verify_all_parallel(url: str, ids: list[int]) -> tuple[float, int]:
    import multiprocessing

    shares = [ids[i::WORKERS] for i in range(WORKERS)]
    with multiprocessing.get_context("spawn").Pool(WORKERS) as pool:
        results = pool.map(_verify_share, [(url, s) for s in shares])
    return max(r[0] for r in results), sum(r[1] for r in results)


def main() -> None:
    print(f"machine:  {machine()}")
    print(f"database: {URL.split('@')[-1]}")
    prepare_database(URL)
    pf = Policyflow(URL)

    long_id = long_instance(pf)
    events = len(pf.history(long_id))
    fresh = Policyflow(URL)  # no warm caches beyond the version cache of the first call
    times = []
    for _ in range(3):
        started = time.perf_counter()
        verdict = fresh.audit.verify(long_id)
        times.append(time.perf_counter() - started)
    assert verdict["verified"], verdict
    bare = bare_loop()
    print(f"\n1. verify one instance with {events} events: {verdict['verdict']}")
    print(f"   policyflow verify: best {min(times):.2f} s, median {statistics.median(times):.2f} s")
    print(
        f"   bare SpiffWorkflow running the same {2 * ROUNDS} completions in memory: {bare:.2f} s"
    )
    print(f"   target ≤ 2 s: {'met' if min(times) <= 2 else 'MISSED'}")

    pf.deploy((DATA / "linear3.bpmn").read_text(), read_forms(DATA / "forms"))
    print(f"\ncreating {N} completed linear3 instances with {WORKERS} processes …")
    made = create_instances(URL, N)
    print(f"   made in {made:.0f} s ({N / made:.0f} instances/s)")
    ids = [i for i in pf.audit.instance_ids() if i != long_id]
    bar = tqdm(ids, desc="verify --all (1 process)", unit=" inst")
    started = time.perf_counter()
    failed = sum(1 for i in bar if not pf.audit.verify(i)["verified"])
    one = time.perf_counter() - started
    parallel, failed_parallel = verify_all_parallel(URL, ids)
    bare_s = run_bare(DATA / "linear3.bpmn", [], LINEAR_PATH, {}, 1000)
    print(f"\n2. verify --all over {len(ids)} completed instances (4 events each):")
    print(f"   one process:   {len(ids) / one:7.0f} instances/s ({one:.1f} s), {failed} diverge")
    print(
        f"   {WORKERS} processes:   {len(ids) / parallel:7.0f} instances/s ({parallel:.1f} s), "
        f"{failed_parallel} diverge"
    )
    print(f"   bare SpiffWorkflow running linear3 in memory: {1000 / bare_s:7.0f} instances/s")
    best = max(len(ids) / one, len(ids) / parallel)
    print(f"   target ≥ 200 instances/s: {'met' if best >= 200 else 'MISSED'}")


if __name__ == "__main__":
    main()
