"""Engine throughput: persisted + audited instances/s against bare in-memory SpiffWorkflow.

Runs, in one process on one core, N full instances of
  1. tests/data/linear3.bpmn (three user tasks in a row), and
  2. workflows/press_statement.bpmn along its main path (if deployed models exist),
through the engine API (PostgreSQL or SQLite, one transaction per command, audit log),
then the same BPMN through bare SpiffWorkflow in memory. Prints instances/s, the
ratio, SQL statements per task completion, and the machine.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/policyflow_bench \
        .venv/bin/python bench/engine.py

The database named in DATABASE_URL is created if missing and its tables are dropped and
re-created: do not point it at data you keep.

The workload is the 2024 district's (huyện Xuân Trường, abolished from 1/7/2025): the
engine clock is set to 2025-06-02, as in the test suite, unless POLICYFLOW_CLOCK_DATE
says otherwise; the processes this starts inherit it.
"""

import os
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import SpiffWorkflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import create_engine, event, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The district world: the engine clock reads a date it existed (before the engine loads).
os.environ.setdefault("POLICYFLOW_CLOCK_DATE", "2025-06-02")

from bench.machine import cpu_model  # noqa: E402
from bench.paths import PRESS_MAIN_PATH, Step  # noqa: E402
from engine.bpmn.specs import parse_process  # noqa: E402
from engine.commands.runner import SCRIPT_ENGINE  # noqa: E402
from engine.facade import Policyflow, read_forms  # noqa: E402
from engine.seed import seed_demo  # noqa: E402
from engine.store import schema as migrate  # noqa: E402
from engine.store.db import database_url, get_engine, transaction  # noqa: E402

N = int(os.environ.get("BENCH_INSTANCES", "300"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(os.cpu_count() or 2)))
NOW = datetime(2024, 10, 1, 8, 0, tzinfo=UTC)
LINEAR_PATH: list[Step] = [
    Step("cv_vhtt", "Draft", {"title": "Kế hoạch", "pages": 3}),
    Step("tp_vhtt", "Review", {}),
    Step("ct_ubnd", "Approve", {}),
]


def machine() -> str:
    cpu = cpu_model()
    return (
        f"{platform.node()} | {cpu} | {os.cpu_count()} cores | Python {platform.python_version()}"
        f" | SpiffWorkflow {getattr(SpiffWorkflow, '__version__', '3.2')}"
    )


def prepare_database(url: str) -> None:
    if url.startswith("postgresql"):
        server, name = url.rsplit("/", 1)
        admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    migrate.downgrade(url, "base")
    migrate.upgrade(url)
    with transaction(url) as session:
        seed_demo(session)


class StatementCounter:
    def __init__(self, url: str) -> None:
        self.count = 0
        event.listen(get_engine(url), "before_cursor_execute", self._count)

    def _count(self, *_args: object) -> None:
        self.count += 1


def start_data(path: list[Step]) -> dict:
    return path[0].data if path[0].element == "__start__" else {}


def run_engine(pf: Policyflow, key: str, path: list[Step], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        drive(pf, key, path)
    return time.perf_counter() - start


def drive(pf: Policyflow, key: str, path: list[Step]) -> None:
    """Start, then complete each step's task as the API hands back the next open tasks."""
    state = pf.start(key, path[0].user, start_data(path), now=NOW)
    for step in path:
        if step.element == "__start__":
            continue
        task = next(t for t in state["open_tasks"] if t["element_id"] == step.element)
        state = pf.complete(task["id"], step.user, step.data, now=NOW)
    assert state["status"] == "completed", pf.show(state["id"])


def _worker(args: tuple[str, str, list[Step], int]) -> float:
    url, key, path, n = args
    pf = Policyflow(url)
    run_engine(pf, key, path, 2)  # warm the caches of this process
    return run_engine(pf, key, path, n)


def run_parallel(key: str, path: list[Step], n: int) -> float:
    """The same work split over WORKERS processes (as gunicorn or Celery would run it)."""
    import multiprocessing

    share = max(1, n // WORKERS)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(WORKERS) as pool:
        elapsed = pool.map(_worker, [(database_url(), key, path, share)] * WORKERS)
    return max(elapsed) * n / (share * WORKERS)  # the slowest worker sets the pace


def run_bare(bpmn: Path, called: list[Path], path: list[Step], injected: dict, n: int) -> float:
    parsed = parse_process(bpmn.read_text(encoding="utf-8"))
    subs = dict(parsed.embedded)
    for extra in called:
        sub = parse_process(extra.read_text(encoding="utf-8"))
        subs[sub.info.key] = sub.spec
        subs.update(sub.embedded)
    from engine import context

    start = time.perf_counter()
    for i in range(n):
        ctx = context.CommandContext(NOW, i, 0, services=_fake_services)
        with context.command_context(ctx):
            wf = BpmnWorkflow(parsed.spec, subs, script_engine=SCRIPT_ENGINE)
            wf.task_tree.data.update({**injected, **start_data(path)})
            wf.do_engine_steps()
            for step in path:
                if step.element == "__start__":
                    continue
                task = next(
                    t
                    for t in wf.get_tasks(state=TaskState.READY, manual=True)
                    if t.task_spec.bpmn_id == step.element
                )
                task.data.update(step.data)
                task.run()
                wf.do_engine_steps()
            assert wf.completed
    return time.perf_counter() - start


def _fake_services(operation: str, params: dict, data: dict) -> dict:
    return {"number": 1, "year": 2024, "symbol": "01/BC-UBND", "sent": 1}


def report(label: str, n: int, engine_s: float, bare_s: float, per_completion: float) -> None:
    engine_rate, bare_rate = n / engine_s, n / bare_s
    print(f"{label}")
    print(f"  engine (persisted, audited): {engine_rate:8.1f} instances/s  ({engine_s:.2f} s)")
    print(f"  bare SpiffWorkflow (memory): {bare_rate:8.1f} instances/s  ({bare_s:.2f} s)")
    print(f"  ratio bare/engine:           {bare_rate / engine_rate:8.1f}x")
    print(f"  SQL statements per task completion: {per_completion:.1f}")


def measure(
    pf: Policyflow,
    counter: StatementCounter,
    key: str,
    path: list[Step],
    n: int,
    bare: Callable[[], float],
) -> None:
    run_engine(pf, key, path, max(5, n // 20))  # warm caches and connections
    engine_s = run_engine(pf, key, path, n)
    completions = sum(1 for s in path if s.element != "__start__")
    task_id = _one_open_task(pf, key, path)
    before = counter.count
    first = next(s for s in path if s.element != "__start__")
    pf.complete(task_id, first.user, first.data, now=NOW)
    per_completion = counter.count - before
    label = f"{key}: {n} instances, {completions} user tasks each"
    report(label, n, engine_s, bare(), per_completion)
    parallel_s = run_parallel(key, path, n)
    print(f"  engine, {WORKERS} processes in parallel: {n / parallel_s:8.1f} instances/s")


def _one_open_task(pf: Policyflow, key: str, path: list[Step]) -> str:
    first = next(s for s in path if s.element != "__start__")
    started = pf.start(key, path[0].user, start_data(path), now=NOW)
    return next(t["id"] for t in started["open_tasks"] if t["element_id"] == first.element)


def main() -> None:
    url = database_url()
    print(f"machine:  {machine()}")
    print(f"database: {url.split('@')[-1]}")
    prepare_database(url)
    pf = Policyflow(url)
    counter = StatementCounter(url)
    pf.deploy((ROOT / "tests/data/linear3.bpmn").read_text(), read_forms(ROOT / "tests/data/forms"))
    measure(
        pf,
        counter,
        "linear3",
        LINEAR_PATH,
        N,
        lambda: run_bare(ROOT / "tests/data/linear3.bpmn", [], LINEAR_PATH, {}, N),
    )
    press = ROOT / "workflows/press_statement.bpmn"
    if press.exists():
        forms = read_forms(ROOT / "workflows/forms")
        approval = ROOT / "workflows/document_approval.bpmn"
        for path in (approval, press):
            pf.deploy(path.read_text(encoding="utf-8"), forms)
        if PRESS_MAIN_PATH:
            measure(
                pf,
                counter,
                "press_statement",
                PRESS_MAIN_PATH,
                N // 3,
                lambda: run_bare(press, [approval], PRESS_MAIN_PATH, injected_data(), N // 3),
            )


def injected_data() -> dict:
    """What the engine adds at start, so the bare run takes the same branches."""
    from engine.rules.settings import read_settings_file
    from engine.seed import SETTINGS_FILE

    config = {}
    for spec in read_settings_file(SETTINGS_FILE):
        in_force = [v for v in spec.get("values") or [] if v["from"] <= NOW.date().isoformat()]
        if in_force:  # the newest value in force on the instances' start date
            config[spec["key"]] = max(in_force, key=lambda v: v["from"])["value"]
    return {
        "config": dict(sorted(config.items())),
        "reporting_units": [],
        "instance_unit": "phong-vhtt",
        "initiator": "cv_vhtt",
    }


if __name__ == "__main__":
    main()
