"""Several nodes on one database: two web servers and two Celery workers, mixed load.

    .venv/bin/python bench/nodes.py                 # 200 instances, 4 clients
    .venv/bin/python bench/nodes.py --instances 400 --clients 6 --race 0.5

Starts, from the Procfile's own command lines, two web nodes (two gunicorn masters, each
with its workers, on two ports of 127.0.0.1 — as on two machines), two Celery workers
(WORKER_ID 1 and 2), a private Redis and a local SMTP server, all on one PostgreSQL
database ($NODESBENCH_DATABASE_URL, default
postgresql://postgres@127.0.0.1:5432/policyflow_nodesbench: its tables are DROPPED and
re-created). Clients then run linear3 instances (start + 3 completions, each request to
a node picked at random, so consecutive commands of one instance land on different nodes
and their workflow caches); a share of the completions (--race) is sent to BOTH nodes at
once; the inbox is read in between; every fourth instance or so also starts a
timer_notify instance whose 2 s timer, notice, e-mail and portal page the workers run.
Printed: throughput, and the invariants — exactly
one winner per raced command (the loser a 409 with its message), no lost update (every
instance completed with exactly its 4 audit events and 3 work items done once), the
background jobs done by the workers, and `policyflow verify --all` (every instance
re-executes from its log).
"""

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("POLICYFLOW_CLOCK_DATE", "2025-06-02")

USERS = ("cv_vhtt", "tp_vhtt", "ct_ubnd")
STEPS = [
    ("cv_vhtt", "Draft", {"title": "Kế hoạch", "pages": 3}),
    ("tp_vhtt", "Review", {}),
    ("ct_ubnd", "Approve", {}),
]
BIN = Path(sys.executable).parent
TIMED = {"wait_for": "PT2S", "subject": "Họp báo quý IV", "due_in": "P5D"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def procfile(name: str) -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return line.split(":", 1)[1].strip()
    raise KeyError(name)


@dataclass
class Cluster:
    """Web nodes, workers and a Redis, each process group stopped by `stop`."""

    database_url: str
    log_dir: Path
    webs: int = 2
    workers: int = 2
    web_workers: int = 2
    extra_env: dict[str, str] = field(default_factory=dict)
    ports: list[int] = field(default_factory=list)
    processes: list[subprocess.Popen] = field(default_factory=list)

    def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        redis_port = free_port()
        self._spawn(
            "redis",
            [
                "redis-server",
                "--port",
                str(redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            {},
        )
        env = {
            **os.environ,
            "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": self.database_url,
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "SECRET_KEY": os.urandom(32).hex(),  # one key: a web session works on every node
            "POLICYFLOW_SPOOL": str(self.log_dir / "spool"),
            "WORKER_CONCURRENCY": "1",
            **self.extra_env,
        }
        web = procfile("web")
        env["WEB_WORKERS"] = str(self.web_workers)
        for n in range(self.webs):
            port = free_port()
            self.ports.append(port)
            self._spawn(f"web{n + 1}", ["sh", "-c", web], {**env, "PORT": str(port)})
        for n in range(self.workers):
            self._spawn(
                f"worker{n + 1}", ["sh", "-c", procfile("worker")], {**env, "WORKER_ID": str(n + 1)}
            )
        for port in self.ports:
            _wait(lambda p=port: _answers(p), 60, f"web node on port {port}")
        for n in range(self.workers):
            log = self.log_dir / f"worker{n + 1}.log"
            _wait(lambda log=log: b"ready." in log.read_bytes(), 60, f"{log.name} ready")

    def _spawn(self, name: str, cmd: list[str], env: dict[str, str]) -> None:
        log = (self.log_dir / f"{name}.log").open("ab")
        self.processes.append(
            subprocess.Popen(
                cmd,
                cwd=ROOT,
                env=env or None,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )

    def stop(self) -> None:
        for proc in reversed(self.processes):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.processes:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        self.processes.clear()


def _answers(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/login")
        return conn.getresponse().status == 200
    except OSError:
        return False


def _wait(check, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise RuntimeError(f"timed out waiting for {what}")


class Node:
    """One keep-alive connection to one web node (per client thread)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(self, method: str, path: str, token: str, body: dict | None = None):  # type: ignore[no-untyped-def]
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        data = json.dumps(body).encode() if body is not None else None
        for attempt in range(2):
            try:
                self.conn.request(method, "/api/v1" + path, body=data, headers=headers)
                res = self.conn.getresponse()
                return res.status, json.loads(res.read() or b"null")
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")


def tokens(port: int) -> dict[str, str]:
    """One bearer token per user (a token works on every node: they share the database)."""
    found = {}
    for user in USERS:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        body = json.dumps({"username": user, "password": "demo"})
        conn.request("POST", "/api/v1/auth/token", body, {"Content-Type": "application/json"})
        res = conn.getresponse()
        assert res.status == 200, res.read()
        found[user] = json.loads(res.read())["token"]
    return found


@dataclass
class Tally:
    """What the clients saw."""

    instances: list[int] = field(default_factory=list)
    timed: list[int] = field(default_factory=list)  # timer_notify instances (worker work)
    races: int = 0
    race_outcomes: Counter = field(default_factory=Counter)  # sorted statuses of each race
    losers: Counter = field(default_factory=Counter)  # a 409's message
    other_errors: list[str] = field(default_factory=list)
    reads: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def race(ports: list[int], path: str, token: str, body: dict) -> list[tuple[int, dict]]:
    """The same command sent to every node at the same moment."""
    barrier = threading.Barrier(len(ports))

    def send(port: int) -> tuple[int, dict]:
        node = Node(port)
        barrier.wait()
        return node.call("POST", path, token, body)

    with ThreadPoolExecutor(len(ports)) as pool:
        return list(pool.map(send, ports))


def drive(
    ports: list[int], toks: dict[str, str], n: int, share: float, tally: Tally, seed: int
) -> None:
    """n instances, each command to a random node; `share` of completions raced."""
    rnd = random.Random(seed)
    nodes = [Node(p) for p in ports]
    for _ in range(n):
        status, state = rnd.choice(nodes).call(
            "POST", "/processes/linear3/instances", toks["cv_vhtt"], {}
        )
        assert status == 201, (status, state)
        with tally.lock:
            tally.instances.append(state["id"])
        for user, element, data in STEPS:
            task = next(t for t in state["open_tasks"] if t["element_id"] == element)
            path = f"/tasks/{task['id']}/complete"
            if rnd.random() < share:
                answers = race(ports, path, toks[user], data)
                winners = [body for status, body in answers if status == 200]
                with tally.lock:
                    tally.races += 1
                    tally.race_outcomes[tuple(sorted(s for s, _ in answers))] += 1
                    for status, body in answers:
                        if status == 409:
                            tally.losers[body["error"]["message"]] += 1
                if len(winners) != 1:
                    tally.other_errors.append(f"race on {path}: {answers}")
                    return
                state = winners[0]
            else:
                status, state = rnd.choice(nodes).call("POST", path, toks[user], data)
                if status != 200:
                    tally.other_errors.append(f"{path}: {status} {state}")
                    return
            if rnd.random() < 0.3:  # someone looks at their inbox meanwhile
                status, _ = rnd.choice(nodes).call("GET", "/tasks?per_page=20", toks["tp_vhtt"])
                with tally.lock:
                    tally.reads += 1
        assert state["status"] == "completed", state
        if rnd.random() < 0.25:  # background work: a 2 s timer, a notice, an e-mail, a page
            status, timed = rnd.choice(nodes).call(
                "POST", "/processes/timer_notify/instances", toks["cv_vhtt"], TIMED
            )
            assert status == 201, (status, timed)
            with tally.lock:
                tally.timed.append(timed["id"])


def check_database(url: str, instance_ids: list[int]) -> list[str]:
    """The invariants the database must hold after the load; empty if all hold."""
    from sqlalchemy import func, select

    from engine.store.db import transaction
    from engine.store.models import AuditEvent, Instance, WorkItem

    problems = []
    with transaction(url) as s:
        rows = s.execute(
            select(Instance.id, Instance.status, Instance.event_count).where(
                Instance.id.in_(instance_ids)
            )
        ).all()
        events = dict(
            s.execute(
                select(AuditEvent.instance_id, func.count())
                .where(AuditEvent.instance_id.in_(instance_ids))
                .group_by(AuditEvent.instance_id)
            ).all()
        )
        items = s.execute(
            select(WorkItem.instance_id, WorkItem.state, func.count())
            .where(WorkItem.instance_id.in_(instance_ids))
            .group_by(WorkItem.instance_id, WorkItem.state)
        ).all()
    if len(rows) != len(set(instance_ids)):
        problems.append(f"{len(set(instance_ids)) - len(rows)} instances missing")
    for iid, status, count in rows:
        if status != "completed" or count != 4 or events.get(iid) != 4:
            problems.append(
                f"instance {iid}: {status}, {count} events on the row,"
                f" {events.get(iid)} in the log (expected completed, 4, 4)"
            )
    per_instance: Counter = Counter()
    for iid, state, count in items:
        if state != "completed":
            problems.append(f"instance {iid}: {count} work item(s) {state}")
        per_instance[iid] += count
    problems += [f"instance {i}: {c} work items" for i, c in per_instance.items() if c != 3]
    return problems


def timers_done(url: str, instance_ids: list[int], timeout: float = 90) -> list[str]:
    """Every timer_notify instance past its timer (waiting at 'Check'), once the workers
    had `timeout` seconds; the ones that are not."""
    from sqlalchemy import select

    from engine.store.db import transaction
    from engine.store.models import WorkItem

    deadline = time.monotonic() + timeout
    while True:
        with transaction(url) as s:
            done = set(
                s.scalars(
                    select(WorkItem.instance_id).where(
                        WorkItem.instance_id.in_(instance_ids), WorkItem.element_id == "Check"
                    )
                )
            )
        late = [i for i in instance_ids if i not in done]
        if not late or time.monotonic() > deadline:
            return [f"timer instance {i}: its timer did not fire" for i in late]
        time.sleep(0.5)


def verify_all(url: str) -> tuple[int, str]:
    """`policyflow verify --all`: every instance re-executes from its audit log."""
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [str(BIN / "policyflow"), "verify", "--all", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return done.returncode, done.stdout[-2000:] + done.stderr[-2000:]


def jobs_left(url: str, timeout: float = 60) -> dict[str, int]:
    """The background jobs not done once the workers had `timeout` seconds."""
    from sqlalchemy import func, select

    from engine.store.db import transaction
    from engine.store.models import Job

    deadline = time.monotonic() + timeout
    while True:
        with transaction(url) as s:
            states = dict(s.execute(select(Job.state, func.count()).group_by(Job.state)).all())
        waiting = {k: v for k, v in states.items() if k not in ("done", "failed")}
        if not waiting or time.monotonic() > deadline:
            return {str(k): int(v) for k, v in states.items()}
        time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, default=200)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--race", type=float, default=0.3, help="share of raced completions")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn workers a node")
    args = parser.parse_args()
    url = os.environ.get(
        "NODESBENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/policyflow_nodesbench"
    )
    assert "bench" in url, f"{url}: the benchmark empties its database; name it *bench*"
    os.environ["DATABASE_URL"] = url
    from aiosmtpd.controller import Controller
    from sqlalchemy import create_engine, text

    from bench.engine import prepare_database
    from bench.machine import cpu_model
    from engine.facade import Policyflow, read_forms
    from engine.store.db import normalize_url

    print(f"machine: {cpu_model()} | {os.cpu_count()} cores | load {os.getloadavg()[0]:.2f}")
    url = normalize_url(url)
    server, name = url.rsplit("/", 1)
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:  # afresh: another schema version may not downgrade
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
    prepare_database(url)
    pf = Policyflow(url)
    pf.deploy((ROOT / "tests/data/linear3.bpmn").read_text(), read_forms(ROOT / "tests/data/forms"))
    pf.deploy((ROOT / "tests/data/timer_notify.bpmn").read_text(), {}, "chu_quy_trinh")
    smtp_port = free_port()
    smtp = Controller(_Sink(), hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    log_dir = Path(os.environ.get("TMPDIR", "/tmp")) / f"policyflow-nodes-{os.getpid()}"
    cluster = Cluster(
        url,
        log_dir,
        web_workers=args.web_workers,
        extra_env={"SMTP_URL": f"smtp://127.0.0.1:{smtp_port}"},
    )
    tally = Tally()
    try:
        cluster.start()
        print(
            f"web nodes on ports {cluster.ports} ({args.web_workers} workers each),"
            f" 2 Celery workers, Redis, logs in {log_dir}"
        )
        toks = tokens(cluster.ports[0])
        per = max(1, args.instances // args.clients)
        began = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            list(
                pool.map(
                    lambda k: drive(cluster.ports, toks, per, args.race, tally, k),
                    range(args.clients),
                )
            )
        secs = time.perf_counter() - began
        late = timers_done(url, tally.timed)
        jobs = jobs_left(url)
    finally:
        cluster.stop()
        smtp.stop()
    n = len(tally.instances)
    print(
        f"{n} instances in {secs:.1f} s: {n / secs:.1f} instances/s over both nodes"
        f" ({args.clients} clients, {tally.races} raced completions, {tally.reads} inbox"
        f" reads)"
    )
    print(f"raced commands, statuses: {dict(tally.race_outcomes)}")
    for message, count in tally.losers.items():
        print(f"  the loser's 409 ({count}x): {message}")
    problems = list(tally.other_errors)
    if any(outcome != (200, 409) for outcome in tally.race_outcomes):
        problems.append("a race without exactly one winner and one 409")
    problems += check_database(url, tally.instances) + late
    print(
        f"{len(tally.timed)} timer instances (2 s timers) fired by the workers:"
        f" {len(tally.timed) - len(late)}"
    )
    code, out = verify_all(url)
    print(f"background jobs by state: {jobs}")
    print(f"policyflow verify --all: exit {code}")
    if code:
        problems.append(out)
    print("invariants: all hold" if not problems else "PROBLEMS:\n  " + "\n  ".join(problems))
    sys.exit(1 if problems else 0)


class _Sink:
    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
        return "250 OK"


if __name__ == "__main__":
    main()
