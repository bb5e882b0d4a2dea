"""Timer lateness through the real background stack: 1,000 timers due in the same minute.

The issue's target: "1,000 timers due in the same minute all fire within 60 s with 2 worker
processes; print the lateness distribution (p50/p99/max)."

What runs, all started here and stopped on exit (also on Ctrl-C):
  - PostgreSQL: BENCH_DATABASE_URL (created if missing, its tables dropped, re-created and
    seeded before the run: do not point it at data you keep);
  - a private redis-server on a free port;
  - the Procfile's `worker` line, BENCH_WORKERS times (default 2) with
    WORKER_CONCURRENCY=BENCH_CONCURRENCY (default 1): 2 worker processes running jobs;
  - the Procfile's `beat` line (sweep every 60 s), as in production.

Then it starts BENCH_TIMERS instances (default 1,000) of bench/data/timer_only.bpmn
(start → timer at `fire_at` → user task), whose due times are spread evenly over a
BENCH_WINDOW-second window (default 60) that opens BENCH_LEAD seconds (default 90) after the
stack is ready, so every start has finished before the first timer is due. As in
production, nothing special hands the jobs to Celery: the engine's after-commit hook
(attach_relay) sends a job due within the 60 s relay horizon at once, and beat's sweep
sends the others, every 60 s, with a countdown to their due time. With the 90 s lead all
of them go through the sweep.

Lateness of a timer = `at` of the instance's "timer" audit event (the clock the worker's
command ran with) − timers.due_at. Printed: count, p50/p99/max, the time from the first due
time to the last fire, per-job run times from the worker logs, and the verdict.

    .venv/bin/python bench/timers.py
    BENCH_TIMERS=100 .venv/bin/python bench/timers.py   # a quick check
    BENCH_WINDOW=0 .venv/bin/python bench/timers.py     # all due at the same instant

Exits 0 when every timer fired within 60 s of its due time, else 1. The worker and beat
logs stay in the temporary folder it prints.
"""

import dataclasses
import importlib.metadata
import math
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The real clock, not the tests' date: timer_only needs no district (cv_vhtt holds
# chuyen_vien_vhtt in every generation of the org), and with a moved engine clock the
# relay gives Celery ETAs on that clock, so every job would run early and retry until the
# sweep fired its timer (tasks/celery_app.py relay: shift is zero when `now` is not given).

from bench.machine import cpu_model  # noqa: E402
from engine.facade import Policyflow, utcnow  # noqa: E402
from engine.seed import seed_demo  # noqa: E402
from engine.store import schema as migrate  # noqa: E402
from engine.store.db import get_engine, normalize_url, transaction  # noqa: E402
from tasks.celery_app import SETTINGS, attach_relay, make_app  # noqa: E402
from tests.background.stack import Redis, Stack, free_port, stack_env, wait_for  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/policyflow_bench_timers"
BPMN = ROOT / "bench" / "data" / "timer_only.bpmn"
N = int(os.environ.get("BENCH_TIMERS", "1000"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "1"))
LEAD = float(os.environ.get("BENCH_LEAD", "90"))
WINDOW = float(os.environ.get("BENCH_WINDOW", "60"))
TARGET = 60.0  # seconds: every timer fires within this of its due time
WAIT_AFTER = float(os.environ.get("BENCH_WAIT_AFTER", "300"))  # give up this long after the window


# -- the machine --------------------------------------------------------------------------


def version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def machine(url: str) -> list[str]:
    cpu = cpu_model()
    with get_engine(url).connect() as conn:
        pg = conn.scalar(text("SHOW server_version"))
    try:
        redis = subprocess.run(
            ["redis-server", "--version"], capture_output=True, text=True, check=False
        ).stdout.split()
        redis_version = next((w.split("=", 1)[1] for w in redis if w.startswith("v=")), "?")
    except OSError:
        redis_version = "?"
    return [
        f"{platform.node()} | {cpu} | {os.cpu_count()} cores | {platform.system()}"
        f" {platform.release()}",
        f"Python {platform.python_version()} | SpiffWorkflow {version('SpiffWorkflow')}"
        f" | Celery {version('celery')} | kombu {version('kombu')}"
        f" | SQLAlchemy {version('SQLAlchemy')} | psycopg {version('psycopg')}",
        f"PostgreSQL {pg} | redis-server {redis_version}",
    ]


# -- the database -------------------------------------------------------------------------


def prepare_database(url: str) -> None:
    """Create the database if missing, re-create its tables empty, seed it. (Not
    tests.conftest's reset_runtime: importing the conftest sets the tests' clock date.)"""
    name = make_url(url).database
    admin_url = make_url(url).set(database="postgres")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    migrate.downgrade(url, "base")
    migrate.upgrade(url)
    with transaction(url) as session:
        seed_demo(session)


# -- figures ------------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile of sorted values."""
    return values[max(0, math.ceil(p / 100 * len(values)) - 1)]


def spread(values: list[float], unit: str = "s", scale: float = 1.0) -> str:
    v = sorted(x * scale for x in values)
    if not v:
        return "none"
    return (
        f"min {v[0]:.3f} | p50 {pct(v, 50):.3f} | p90 {pct(v, 90):.3f}"
        f" | p99 {pct(v, 99):.3f} | max {v[-1]:.3f} {unit}"
    )


TASK_LINE = re.compile(
    r"^\[(?P<at>[\d-]+ [\d:,]+): INFO/(?P<proc>[\w-]+)\] Task (?P<task>policyflow\.\w+)"
    r"\[[^\]]+\] (?P<what>succeeded in (?P<secs>[\d.]+)s: (?P<result>.*)|retry: .*)$"
)


def worker_log_figures(log_dir: Path, span: float) -> list[str]:
    """Run time per task kind and what each task returned, from the workers' INFO logs."""
    runs: dict[str, list[float]] = defaultdict(list)
    results: dict[str, Counter] = defaultdict(Counter)
    per_worker: Counter = Counter()
    sweeps: list[str] = []
    for log in sorted(log_dir.glob("worker*.log")):
        for line in log.read_text(errors="replace").splitlines():
            m = TASK_LINE.match(line)
            if not m:
                continue
            task = m["task"].split(".", 1)[1]
            if m["secs"] is None:
                results[task]["retry"] += 1
                continue
            runs[task].append(float(m["secs"]))
            results[task][outcome(m["result"])] += 1
            if task == "run_job":
                per_worker[log.stem] += 1
            if task == "sweep":
                sweeps.append(f"{m['at'][11:19]} {m['result']} ({float(m['secs']):.2f} s)")
    lines = []
    for task in sorted(runs):
        times = runs[task]
        outcomes = ", ".join(f"{r} ×{n}" for r, n in results[task].most_common())
        lines.append(f"  {task}: {len(times)} runs, {outcomes}")
        lines.append(f"    run time: {spread(times, 'ms', 1000)}; total {sum(times):.1f} s")
    if per_worker:
        lines.append(
            "  run_job per worker: " + ", ".join(f"{w} {n}" for w, n in sorted(per_worker.items()))
        )
    for sweep in sorted(sweeps):
        lines.append(f"  sweep at {sweep}")
    busy = sum(runs.get("run_job", [])) + sum(runs.get("fire_instance", []))
    available = WORKERS * CONCURRENCY * max(span, 1e-9)
    lines.append(
        f"  workers busy firing: {busy:.1f} s of {available:.0f} s available from the first"
        f" due time to the last fire ({100 * busy / available:.1f} %)"
    )
    return lines


def outcome(result: str) -> str:
    """A task's result as logged; fire_instance's list of timer ids becomes a count."""
    if result.startswith("["):
        fired = result.count("'")
        return f"fired {fired // 2}" if fired else "nothing due"
    return result[:60]


# -- bare SpiffWorkflow, for scale --------------------------------------------------------


def bare_fire_ms(n: int) -> float:
    """Milliseconds to fire one due timer in memory (refresh_timers + engine steps)."""
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

    from engine import context
    from engine.bpmn.specs import parse_process
    from engine.commands.runner import SCRIPT_ENGINE

    parsed = parse_process(BPMN.read_text(encoding="utf-8"))
    started = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    later = started + timedelta(hours=1)
    waiting = []
    for i in range(n):
        with context.command_context(context.CommandContext(started, i, 0)):
            wf = BpmnWorkflow(parsed.spec, dict(parsed.embedded), script_engine=SCRIPT_ENGINE)
            wf.task_tree.data["fire_at"] = (started + timedelta(minutes=1)).isoformat()
            wf.do_engine_steps()
            waiting.append(wf)
    begin = time.perf_counter()
    for i, wf in enumerate(waiting):
        with context.command_context(context.CommandContext(later, i, 100)):
            wf.refresh_timers()
            wf.do_engine_steps()
            assert wf.get_tasks(manual=True)[-1].task_spec.bpmn_id == "Check"
    return (time.perf_counter() - begin) / n * 1000


# -- the run ------------------------------------------------------------------------------


def start_stack(url: str, log_dir: Path) -> tuple[Redis, Stack]:
    redis = Redis(free_port())
    redis.start()
    env = stack_env(
        url,
        redis.url,
        free_port(),  # no SMTP server: this model sends no e-mail
        log_dir / "spool",
        SMTP_URL="",
        WORKER_CONCURRENCY=str(CONCURRENCY),
    )
    (log_dir / "spool").mkdir(parents=True, exist_ok=True)
    stack = Stack(env, log_dir)
    try:
        for i in range(1, WORKERS + 1):
            stack.start(f"worker{i}", "worker", WORKER_ID=str(i))
        stack.start("beat")
        for i in range(1, WORKERS + 1):
            stack.wait_ready(f"worker{i}", timeout=90)
        beat_log = log_dir / "beat.log"
        wait_for(lambda: b"beat: Starting" in beat_log.read_bytes(), 90, "beat to start", 0.2)
    except BaseException:
        print(stack.logs(), file=sys.stderr)
        stop(stack, redis)
        raise
    return redis, stack


def stop(stack: Stack, redis: Redis) -> None:
    """Stop what start_stack started: each process group, then Redis."""
    groups = [p.pid for p in stack.processes.values()]
    stack.stop_all()
    # The Procfile's command runs under `sh -c`: wait for the celery processes of each
    # group too (a warm shutdown), and kill what is left of them after 20 s.
    deadline = time.monotonic() + 20
    for group in groups:
        while time.monotonic() < deadline and alive(group):
            time.sleep(0.2)
        if alive(group):
            os.killpg(group, signal.SIGKILL)
    redis.stop()


def alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def start_instances(pf: Policyflow, first_due: datetime) -> float:
    """Start N instances with due times evenly over the window; return the seconds taken."""
    step = WINDOW / N
    begin = time.perf_counter()
    for i in tqdm(range(N), desc="starting instances", unit="inst"):
        fire_at = first_due + timedelta(seconds=i * step)
        pf.start("timer_only", "cv_vhtt", {"fire_at": fire_at.isoformat()})
    return time.perf_counter() - begin


def wait_fired(url: str, deadline: datetime) -> int:
    engine = get_engine(url)
    query = text("SELECT count(*) FROM timers WHERE state = 'fired'")
    fired = 0
    with tqdm(total=N, desc="timers fired", unit="timer") as bar:
        while fired < N and utcnow() < deadline:
            time.sleep(0.5)
            with engine.connect() as conn:
                now_fired = conn.scalar(query)
            bar.update(now_fired - fired)
            fired = now_fired
    return fired


def collect(url: str) -> list[tuple[datetime, datetime, datetime | None, datetime | None, int]]:
    """(due_at, fired at, job sent_at, job done_at, job attempts) per fired timer."""
    query = text(
        """
        SELECT t.due_at, a.at, j.sent_at, j.done_at, j.attempts
        FROM timers t
        JOIN audit_events a ON a.instance_id = t.instance_id AND a.command = 'timer'
        LEFT JOIN jobs j ON j.instance_id = t.instance_id AND j.kind = 'fire_timers'
        WHERE t.state = 'fired'
        ORDER BY t.due_at
        """
    )
    with get_engine(url).connect() as conn:
        return [tuple(row) for row in conn.execute(query)]


def report(rows: list, first_due: datetime, log_dir: Path) -> bool:
    if not rows:
        print("no timer fired")
        return False
    lateness = [(at - due).total_seconds() for due, at, *_ in rows]
    done_lateness = [(done - due).total_seconds() for due, _, _, done, _ in rows if done]
    sent_early = [(due - sent).total_seconds() for due, _, sent, _, _ in rows if sent]
    last_due = max(due for due, *_ in rows)
    last_fire = max(at for _, at, *_ in rows)
    window_end = first_due + timedelta(seconds=WINDOW)
    print()
    print(f"timers fired:           {len(rows)} of {N}")
    print(f"due window:             {first_due:%H:%M:%S.%f}"[:-3] + f" + {WINDOW:.0f} s (UTC)")
    print(f"lateness (audit at − due_at): {spread(lateness)}")
    print(f"  job done − due_at:          {spread(done_lateness)}")
    print(f"  relayed ahead of due time:  {spread(sent_early)}")
    retried = sum(1 for *_, attempts in rows if attempts and attempts > 1)
    print(f"  jobs run more than once:    {retried}")
    print(f"first due → last fire:  {(last_fire - first_due).total_seconds():.2f} s")
    print(f"last due → last fire:   {(last_fire - last_due).total_seconds():.2f} s")
    print(f"load average (1/5/15 min) at the end: {load()}")
    print()
    print("worker logs:")
    for line in worker_log_figures(log_dir, (last_fire - first_due).total_seconds()):
        print(line)
    print(f"  bare SpiffWorkflow, fire one due timer in memory: {bare_fire_ms(200):.2f} ms")
    all_fired = len(rows) == N
    each_in_time = all_fired and max(lateness) <= TARGET
    minute_in_time = all_fired and (last_fire - window_end).total_seconds() <= TARGET
    print()
    print(
        f"all {N} fired within {TARGET:.0f} s of their own due time"
        f" (max lateness ≤ {TARGET:.0f} s): {'YES' if each_in_time else 'NO'}"
    )
    print(
        f"all fired within {TARGET:.0f} s after the end of their due minute: "
        f"{'YES' if minute_in_time else 'NO'}"
    )
    if not each_in_time and lateness:
        print(f"  missed by {max(lateness) - TARGET:.2f} s (max lateness {max(lateness):.2f} s)")
    return each_in_time


def main() -> int:
    raw_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    url = normalize_url(raw_url)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanup below
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C, even if started with &
    print(f"database: {make_url(url).render_as_string(hide_password=True).split('@')[-1]}")
    prepare_database(url)
    for line in machine(url):
        print(f"machine:  {line}")
    print(f"load average (1/5/15 min) before the run: {load()}")
    log_dir = Path(tempfile.mkdtemp(prefix="policyflow-bench-timers-"))
    print(
        f"stack:    {WORKERS} worker process(es) from the Procfile's worker line, "
        f"WORKER_CONCURRENCY={CONCURRENCY} each ({WORKERS * CONCURRENCY} job(s) at a time), "
        f"1 beat (sweep every 60 s), private redis; logs in {log_dir}"
    )
    print(f"timers:   {N}, due evenly over {WINDOW:.0f} s, the first {LEAD:.0f} s after setup")
    redis, stack = start_stack(url, log_dir)
    try:
        pf = Policyflow(url)
        settings = dataclasses.replace(SETTINGS, broker_url=redis.url)
        attach_relay(pf, make_app(settings), settings)  # as the web app does
        pf.deploy(BPMN.read_text(encoding="utf-8"), {})
        # Due times on the engine clock (POLICYFLOW_CLOCK_DATE), the one the workers fire by.
        ready = utcnow()
        first_due = ready + timedelta(seconds=LEAD)
        took = start_instances(pf, first_due)
        left = (first_due - utcnow()).total_seconds()
        print(f"started {N} instances in {took:.1f} s ({N / took:.1f}/s)", end="")
        print(f"; first due in {left:.1f} s")
        if left < 0:
            print("  warning: the starts ran past the first due time; raise BENCH_LEAD")
        deadline = first_due + timedelta(seconds=WINDOW + WAIT_AFTER)
        fired = wait_fired(url, deadline)
        if fired < N:
            print(f"gave up at {deadline:%H:%M:%S}: {fired} of {N} fired")
        time.sleep(1.0)  # let the last log lines reach the files
        ok = report(collect(url), first_due, log_dir)
    finally:
        stop(stack, redis)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
