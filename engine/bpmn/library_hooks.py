"""Make SpiffWorkflow's two hidden inputs (the clock, task ids) come from the command.

The library calls `datetime.now(timezone.utc)` in its timer code and `uuid4()` for each
new task. Outside an engine command both behave as before; inside one they read the
command's context, so a replay of the audit log reproduces times and ids exactly.
"""

import uuid
from datetime import datetime, tzinfo

import SpiffWorkflow.bpmn.specs.event_definitions.timer as spiff_timer
import SpiffWorkflow.task as spiff_task

from engine import context


class _CommandClock(datetime):
    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
        ctx = context.current()
        if ctx is None:
            return datetime.now(tz)
        return ctx.now.astimezone(tz) if tz else ctx.now.replace(tzinfo=None)


def _task_id() -> uuid.UUID:
    ctx = context.current()
    return ctx.new_task_id() if ctx is not None else uuid.uuid4()


def install() -> None:
    spiff_timer.datetime = _CommandClock
    spiff_task.uuid4 = _task_id


install()
