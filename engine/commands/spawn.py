"""One case starting another: a service task's `start_process(key, data)`.

P2's routine assessment hands the gathered facts to a P1 press-statement case. The new
instance is started inside the running command (the same transaction: if the step
fails, neither case changes), by the user who completed the step, for the same unit,
with data its start form validates (only declared fields, required ones present). Its
own audit log begins with a start event like any other; the calling instance records
the service result (the new id) in its own event, so a replay of the caller returns
that result and never starts a second case.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.commands.runner import Runtime
from engine.commands.start import deployed_version, launch
from engine.errors import N_, InvalidInput, PolicyflowError, ProcessFailed
from engine.store.models import Instance, User


def start_linked(
    session: Session,
    rt: Runtime,
    caller: Instance,
    actor: str,
    now: datetime,
    key: str,
    data: dict[str, Any],
) -> dict[str, Any]:
    """Start the newest version of `key` from `caller`; the result names the new case."""
    if not isinstance(data, dict):
        raise ProcessFailed(
            N_("start_process('{key}'): dữ liệu phải là một đối tượng."), params={"key": key}
        )
    user_id = session.scalar(select(User.id).where(User.username == actor))
    if user_id is None:  # a timer or message step: the caller's starter starts it
        user_id = caller.started_by
        actor = session.scalar(select(User.username).where(User.id == user_id)) or actor
    if user_id is None:
        raise ProcessFailed(
            N_("start_process('{key}'): không có người khởi tạo."), params={"key": key}
        )
    origin = {
        "instance_id": caller.id,
        "process_key": caller.process_key,
        "title": caller.title,
    }
    try:
        version = deployed_version(session, rt, key)
        run = launch(session, rt, version, user_id, actor, caller.unit_id, data, now, origin)
    except PolicyflowError as err:  # not deployed, data its start form refuses…
        raise ProcessFailed(
            N_("start_process('{key}'): {error}"), params={"key": key, "error": _described(err)}
        ) from err
    started = run.instance
    return {
        "instance_id": started.id,
        "process_key": key,
        "version": version.version,
        "title": started.title,
        "started_at": now.isoformat(),
        "unit": rt.org_tree(session).by_id[started.unit_id].code,
    }


def _described(err: PolicyflowError) -> str:
    """The error with the fields it names (a start form's refusal)."""
    if not isinstance(err, InvalidInput) or not err.field_errors:
        return str(err)
    fields = "; ".join(
        f"{name or '-'}: {' '.join(str(m) for m in messages)}"
        for name, messages in err.field_errors.items()
    )
    return f"{err} ({fields})"
