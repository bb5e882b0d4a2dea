"""What one engine command makes visible to the library while it runs.

SpiffWorkflow reads the clock itself and gives tasks random ids; service tasks reach the
host. For the audit log to replay exactly, all three are taken from the running
command's context: its clock, a per-instance id sequence, and recorded service results.
"""

import contextvars
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

CLOCK_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")  # the date people read is the local one


# Run the engine's calendar as if today were this date (YYYY-MM-DD), the time of day
# staying real: the 2024 plan year can be demonstrated, trained on and tested although
# its district no longer exists (as Camunda's ClockUtil or Flowable's Clock). Every
# process that shares a database must be given the same date.
CLOCK_DATE_ENV = "POLICYFLOW_CLOCK_DATE"


def utcnow() -> datetime:
    """The current time, for commands not given one (tests and replays give theirs)."""
    real = datetime.now(UTC)
    return real + clock_offset(real)


def clock_offset(real: datetime | None = None) -> timedelta:
    """How far the engine's clock is ahead of the real one (whole days; zero unless
    POLICYFLOW_CLOCK_DATE is set)."""
    shifted = os.environ.get(CLOCK_DATE_ENV)
    if not shifted:
        return timedelta(0)
    local = (real or datetime.now(UTC)).astimezone(CLOCK_ZONE)
    return timedelta(days=(date.fromisoformat(shifted) - local.date()).days)


def real_time(moment: datetime) -> datetime:
    """An engine-clock moment on the real clock: what a queue's ETA must be."""
    return moment - clock_offset()


NAMESPACE = uuid.UUID("6f1c2d40-8a7e-4b8e-9a53-5a1f0c0de2a7")

ServiceHandler = Callable[[str, dict[str, Any], dict[str, Any]], Any]


@dataclass
class CommandContext:
    now: datetime
    instance_id: int
    next_task_number: int
    services: ServiceHandler | None = None
    service_calls: list[dict[str, Any]] = field(default_factory=list)

    def call_service(self, operation: str, params: dict[str, Any], data: dict[str, Any]) -> Any:
        if self.services is None:
            raise RuntimeError("no host services in this command")
        result = self.services(operation, params, data)
        self.service_calls.append({"operation": operation, "params": params, "result": result})
        return result

    def new_task_id(self) -> uuid.UUID:
        self.next_task_number += 1
        return uuid.uuid5(NAMESPACE, f"{self.instance_id}:{self.next_task_number}")


_current: contextvars.ContextVar[CommandContext | None] = contextvars.ContextVar(
    "policyflow_command", default=None
)


def current() -> CommandContext | None:
    return _current.get()


@contextmanager
def command_context(ctx: CommandContext) -> Iterator[CommandContext]:
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
