"""The real background stack for tests: a private redis-server, Celery workers and beat
started from the Procfile's own command lines, and an SMTP server (aiosmtpd).

A private Redis (own port, no persistence) lets a test stop and start it without
touching anything else on the machine.
"""

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def procfile_command(name: str, procfile: Path = ROOT / "Procfile") -> str:
    for line in procfile.read_text().splitlines():
        if line.startswith(f"{name}:"):
            return line.split(":", 1)[1].strip()
    raise KeyError(f"no '{name}' in {procfile}")


def wait_for(check: Callable[[], object], timeout: float, what: str, every: float = 0.1) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@dataclass
class Redis:
    port: int
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(self.ping, 10, "redis-server to answer")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@dataclass
class Stack:
    """Worker and beat processes of one test, each in its own process group."""

    env: dict[str, str]
    log_dir: Path
    procfile: Path = ROOT / "Procfile"
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self, name: str, role: str | None = None, **extra_env: str) -> subprocess.Popen:
        command = procfile_command(role or name, self.procfile)
        env = {**self.env, **extra_env}
        log = (self.log_dir / f"{name}.log").open("ab")
        process = subprocess.Popen(
            ["sh", "-c", command],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # kill -9 takes the worker and its pool together
        )
        self.processes[name] = process
        return process

    def wait_ready(self, name: str, timeout: float = 30) -> None:
        log = self.log_dir / f"{name}.log"
        wait_for(lambda: b"ready." in log.read_bytes(), timeout, f"{name} to be ready", 0.2)

    def kill9(self, name: str) -> None:
        process = self.processes.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    def stop_all(self) -> None:
        for name in list(self.processes):
            process = self.processes.pop(name)
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
            for p in sorted(self.log_dir.glob("*.log"))
        )


def stack_env(database_url: str, redis_url: str, smtp_port: int, spool: Path, **extra: str) -> dict:
    env = {
        **os.environ,
        "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        "POLICYFLOW_SPOOL": str(spool),
        "POLICYFLOW_SWEEP_SECONDS": "60",
        "POLICYFLOW_VISIBILITY_TIMEOUT": "300",
        "WORKER_CONCURRENCY": "1",
    }
    env.update(extra)
    return env


class Inbox:
    """Messages an aiosmtpd server accepted."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def to(self, address_part: str) -> list[EmailMessage]:
        return [m for m in self.messages if address_part in str(m["To"])]
