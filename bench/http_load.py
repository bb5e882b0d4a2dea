"""The closed-loop HTTP workload: start an instance, complete its 3 user tasks, again.

    .venv/bin/python bench/http_load.py              # gunicorn, 4 workers, 300 instances
    .venv/bin/python bench/http_load.py --workers 3 --instances 600 --worker-class gthread

Each client (1, then 4 at once) loops over: POST /api/v1/processes/linear3/instances (as
cv_vhtt), then POST /api/v1/tasks/{id}/complete for Draft (cv_vhtt), Review (tp_vhtt) and
Approve (ct_ubnd), each with that user's bearer token, on keep-alive connections to a
gunicorn started here on a free port of 127.0.0.1 (tests/data/linear3.bpmn, the model
bench/engine.py runs). The database is $HTTPBENCH_DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/policyflow_httpbench): its tables are DROPPED and
re-created (the database dropped first), seeded with the demo users. After a warm-up it
prints instances/s, start and
completion p50/p95/p99, per request the SQL statements and transactions (counted by the
server: POLICYFLOW_SQL_STATS, engine/store/sql_stats.py) and, from PostgreSQL's own
pg_stat_database, the transactions and rows written per completion, the database bytes
per completed instance, the machine, and bare SpiffWorkflow's rate on the same model
in memory (bench/engine.py's baseline) in the same run.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("POLICYFLOW_CLOCK_DATE", "2025-06-02")
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/policyflow_httpbench"
os.environ["DATABASE_URL"] = os.environ.get("HTTPBENCH_DATABASE_URL", DEFAULT_URL)

import SpiffWorkflow  # noqa: E402

from bench.engine import LINEAR_PATH, prepare_database, run_bare  # noqa: E402
from bench.machine import cpu_model  # noqa: E402
from bench.web import Client, free_port, pct, start_gunicorn, stop  # noqa: E402
from bench.web_seed import psycopg_dsn  # noqa: E402
from engine.facade import Policyflow, read_forms  # noqa: E402
from engine.store.db import database_url  # noqa: E402

USERS = ("cv_vhtt", "tp_vhtt", "ct_ubnd")
STEPS = [(s.user, s.element, json.dumps(s.data).encode()) for s in LINEAR_PATH]


class Person:
    """One simulated client: a connection per user (each with its own bearer token)."""

    def __init__(self, port: int) -> None:
        self.as_user = {}
        for user in USERS:
            client = Client(port)
            client.login_token(user)
            self.as_user[user] = client
        self.starts: list[float] = []
        self.completions: list[float] = []
        self.sql: list[tuple[int, int]] = []  # (statements, transactions) per completion
        self.sql_start: list[tuple[int, int]] = []

    def post(self, user: str, path: str, body: bytes) -> tuple[float, dict, tuple[int, int]]:
        client = self.as_user[user]
        began = time.perf_counter()
        status, text = client.request("POST", path, body, "application/json")
        ms = (time.perf_counter() - began) * 1000
        assert status in (200, 201), (status, text[:400])
        return ms, json.loads(text), _sql_counts(client)

    def one_instance(self) -> None:
        ms, state, sql = self.post(USERS[0], "/api/v1/processes/linear3/instances", b"{}")
        self.starts.append(ms)
        self.sql_start.append(sql)
        for user, element, body in STEPS:
            task = next(t for t in state["open_tasks"] if t["element_id"] == element)
            ms, state, sql = self.post(user, f"/api/v1/tasks/{task['id']}/complete", body)
            self.completions.append(ms)
            self.sql.append(sql)
        assert state["status"] == "completed", state


def _sql_counts(client: Client) -> tuple[int, int]:
    value = client.last_headers.get("X-Policyflow-SQL", "") if client.last_headers else ""
    parts = dict(p.strip().split("=") for p in value.split(";") if "=" in p)
    return int(parts.get("statements", -1)), int(parts.get("transactions", -1))


def run_phase(people: list[Person], n: int) -> tuple[float, list[float], list[float], list]:
    """n instances spread over the people, all at once; (seconds, starts, completions, sql)."""
    for p in people:
        p.starts, p.completions, p.sql, p.sql_start = [], [], [], []
    per = max(1, n // len(people))

    def loop(p: Person) -> None:
        for _ in range(per):
            p.one_instance()

    began = time.perf_counter()
    with ThreadPoolExecutor(len(people)) as pool:
        list(pool.map(loop, people))
    elapsed = time.perf_counter() - began
    starts = [ms for p in people for ms in p.starts]
    completions = [ms for p in people for ms in p.completions]
    sql = [s for p in people for s in p.sql]
    return elapsed, starts, completions, sql


def server_cpu(master: int) -> float:
    """CPU seconds used so far by gunicorn's master and workers (from /proc)."""
    pids = [master]
    children = Path(f"/proc/{master}/task/{master}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


def fsync_ms(dsn: str) -> float:
    """What one small committed write costs on this server (the WAL flush dominates)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TEMP TABLE probe (x int)")
        conn.execute("CREATE TABLE IF NOT EXISTS bench_commit_probe (x int)")
        began = time.perf_counter()
        for _ in range(50):
            conn.execute("INSERT INTO bench_commit_probe VALUES (1)")
        elapsed = (time.perf_counter() - began) / 50 * 1000
        conn.execute("DROP TABLE bench_commit_probe")
    return elapsed


def pg_counters(dsn: str) -> dict[str, int]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_force_next_flush()")
        row = conn.execute(
            "SELECT xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted,"
            " tup_fetched, tup_returned FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()
    assert row is not None
    keys = ("commit", "rollback", "inserted", "updated", "deleted", "fetched", "returned")
    return dict(zip(keys, (int(v) for v in row), strict=True))


def database_bytes(dsn: str, vacuum: bool) -> int:
    """The size of every table of the schema with its indexes and TOAST (after VACUUM
    FULL: the live data only, not the dead row versions autovacuum will reuse)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        if vacuum:
            conn.execute("VACUUM FULL")
        row = conn.execute(
            "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'm')"
        ).fetchone()
    return int(row[0] or 0) if row else 0


def start_server(port: int, workers: int, worker_class: str, threads: int) -> object:
    args = ("-w", str(workers), "-k", worker_class, "--threads", str(threads))
    return start_gunicorn(database_url(), port, args, {"POLICYFLOW_SQL_STATS": "1"})


def figures(label: str, n: int, secs: float, starts: list, completions: list) -> list[str]:
    def p(values: list[float]) -> str:
        return " / ".join(f"{pct(values, q):6.1f}" for q in (0.5, 0.95, 0.99))

    return [
        f"{label}: {n / secs:7.1f} instances/s ({n} instances in {secs:.2f} s,"
        f" {4 * n / secs:.0f} requests/s)",
        f"    start      p50/p95/p99 ms {p(starts)}  (mean {statistics.fmean(starts):.1f})",
        f"    completion p50/p95/p99 ms {p(completions)}"
        f"  (mean {statistics.fmean(completions):.1f})",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, default=300, help="per measured phase")
    parser.add_argument("--warmup", type=int, default=40)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4])
    args = parser.parse_args()
    url = database_url()
    assert "bench" in url, f"{url}: the benchmark empties its database; name it *bench*"
    dsn = psycopg_dsn(url)
    print(
        f"machine: {cpu_model()} | {os.cpu_count()} cores | Python {platform.python_version()}"
        f" | SpiffWorkflow {getattr(SpiffWorkflow, '__version__', '3.2')}"
    )
    with psycopg.connect(dsn.rsplit("/", 1)[0] + "/postgres") as conn:
        version = conn.execute("SHOW server_version").fetchone()
    print(
        f"server: gunicorn -w {args.workers} -k {args.worker_class} --threads {args.threads}"
        f" | PostgreSQL {version[0] if version else '?'} | clients on the same CPUs"
    )
    with psycopg.connect(dsn.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        # Afresh: a database left by another schema version may not downgrade.
        conn.execute(f'DROP DATABASE IF EXISTS "{dsn.rsplit("/", 1)[1]}" WITH (FORCE)')
    prepare_database(url)
    print(
        f"one committed INSERT (WAL flush) on this server: {fsync_ms(dsn):.2f} ms;"
        f" load average before: {os.getloadavg()[0]:.2f} (other work on the machine)"
    )
    Policyflow(url).deploy(
        (ROOT / "tests/data/linear3.bpmn").read_text(), read_forms(ROOT / "tests/data/forms")
    )
    port = free_port()
    proc = start_server(port, args.workers, args.worker_class, args.threads)
    out: list[str] = []
    try:
        people = [Person(port) for _ in range(max(args.clients))]
        run_phase(people[:1], args.warmup // 2)
        run_phase(people, args.warmup)  # every worker process warm
        size0, pg0 = database_bytes(dsn, vacuum=True), pg_counters(dsn)
        done, best = 0, 0.0
        for k in args.clients:
            cpu0 = server_cpu(proc.pid)  # type: ignore[attr-defined]
            secs, starts, completions, sql = run_phase(people[:k], args.instances)
            cpu = server_cpu(proc.pid) - cpu0  # type: ignore[attr-defined]
            n = len(starts)
            done += n
            out += figures(f"{k} client{'s' if k > 1 else ''}", n, secs, starts, completions)
            out.append(f"    server CPU {cpu / n * 1000:.1f} ms per instance (gunicorn processes)")
            best = max(best, n / secs)
            if k == args.clients[0]:
                statements = [s for s, _ in sql]
                transactions = [t for _, t in sql]
                pg1 = pg_counters(dsn)
                starts_sql = [s for p in people[:k] for s, _ in p.sql_start]
        size1 = database_bytes(dsn, vacuum=True)
    finally:
        stop(proc)  # type: ignore[arg-type]
    delta = {k: pg1[k] - pg0[k] for k in pg0}
    requests = len(statements) + len(starts_sql)
    print("\n".join(out))
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(
        f"per completion request (server-counted): statements {statistics.fmean(statements):.1f}"
        f" (max {max(statements)}), transactions {statistics.fmean(transactions):.2f}"
        f" (max {max(transactions)}); per start: statements {statistics.fmean(starts_sql):.1f}"
    )
    print(
        f"pg_stat_database over the {args.clients[0]}-client phase, per request"
        f" ({requests} requests): commits {delta['commit'] / requests:.2f},"
        f" rollbacks {delta['rollback'] / requests:.2f}, rows inserted"
        f" {delta['inserted'] / requests:.1f}, updated {delta['updated'] / requests:.1f},"
        f" deleted {delta['deleted'] / requests:.1f}, fetched {delta['fetched'] / requests:.1f}"
    )
    print(
        f"database per completed instance (after VACUUM FULL, all tables, indexes, TOAST):"
        f" {(size1 - size0) / done / 1024:.2f} KiB ({done} instances)"
    )
    bare_n = 2000
    bare = bare_n / run_bare(ROOT / "tests/data/linear3.bpmn", [], LINEAR_PATH, {}, bare_n)
    print(
        f"bare SpiffWorkflow, same model in memory, 1 process: {bare:.0f} instances/s"
        f" = {bare / best:.1f}x the best HTTP rate above ({best:.1f}/s)"
    )


if __name__ == "__main__":
    main()
