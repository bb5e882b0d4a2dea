"""What one engine command makes visible to the library while it runs.

SpiffWorkflow reads the clock itself and gives tasks random ids; service tasks reach the
host. For the audit log to replay exactly, all three are taken from the running
command's context: its clock, a per-instance id sequence, and recorded service results.
"""

import contextvars
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


def utcnow() -> datetime:
    """The current time, for commands not given one (tests and replays give theirs)."""
    return datetime.now(UTC)


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
