"""An instance's history for the record: its summary, every event the reader may see with
its chain's hashes and the signed checkpoint covering it, the chain's verdict, and when
it was exported (issue 6).

The events are those the instance page's history shows the reader
(`engine.queries.history`: a commune only involved sees its own part); the verdict is the
whole instance's chain (`engine.audit.verify_chain`), which a reader can re-check from the
exported hashes.
"""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import queries
from engine.access import org
from engine.audit import blobs
from engine.audit.chain import verify_chain
from engine.commands.runner import Runtime
from engine.enums import InstanceStatus
from engine.queries.audit_search import full_names
from engine.results import ExportedEvent, HistoryEvent, HistoryExport, InstanceHeader
from engine.store.models import AuditCheckpointHead, AuditEvent, Instance, User, WorkItem


def history_export(
    session: Session, rt: Runtime, instance_id: int, user: org.Actor | None, now: datetime
) -> HistoryExport:
    """The export (NotFound if the user may not see the instance)."""
    instance = queries.visible_instance(session, rt, instance_id, user)
    events = queries.history(session, rt, instance_id, user, as_stored=True)
    breaks = verify_chain(session, instance_id)
    return {
        "instance": summary(session, rt, instance),
        "events": _events(session, instance_id, events),
        # The bodies the events refer to by digest: the export proves them too.
        "blobs": blobs.read(session, blobs.referenced(e["payload"] for e in events)),
        "chain": {
            "intact": not breaks,
            "breaks": [{"seq": b.seq, "reason": b.reason} for b in breaks],
        },
        "exported_at": now.isoformat(),
        "exported_by": user.username if user is not None else None,
    }


def summary(session: Session, rt: Runtime, instance: Instance) -> InstanceHeader:
    tree = rt.org_tree(session)
    version = rt.versions.get(session, instance.process_version_id)
    unit = tree.by_id[instance.unit_id]
    starter = session.get(User, instance.started_by) if instance.started_by else None
    return {
        "id": instance.id,
        "process_key": instance.process_key,
        "process_name": version.name,
        "version": version.version,
        "case_title": instance.title,
        "status": InstanceStatus(instance.status),
        "unit": unit.code,
        "unit_name": unit.name,
        "started_by": starter.username if starter else None,
        "started_at": instance.started_at.isoformat(),
        "ended_at": instance.ended_at.isoformat() if instance.ended_at else None,
    }


def _events(session: Session, instance_id: int, events: list[HistoryEvent]) -> list[ExportedEvent]:
    """The history's events with the actor's name, the task's name, their number in the
    log and the first checkpoint that signed their chain at or after them."""
    numbers = {
        r.seq: r.id
        for r in session.execute(
            select(AuditEvent.seq, AuditEvent.id).where(AuditEvent.instance_id == instance_id)
        )
    }
    signed = session.execute(
        select(AuditCheckpointHead.seq, AuditCheckpointHead.checkpoint_id)
        .where(AuditCheckpointHead.chain == instance_id)
        .order_by(AuditCheckpointHead.checkpoint_id)
    ).all()
    names = full_names(session, {e["actor"] for e in events})
    tasks = _task_names(session, instance_id)
    found: list[ExportedEvent] = []
    for e in events:
        task_id = e["payload"].get("task_id")
        covering = next((cp for seq, cp in signed if seq >= e["seq"]), None)
        found.append({
            "seq": e["seq"], "at": e["at"], "actor": e["actor"],
            "actor_name": names.get(e["actor"], e["actor"]), "command": e["command"],
            "task_id": task_id, "task_name": tasks.get(task_id, ""),
            "payload": e["payload"], "result": e["result"],
            "prev_hash": e["prev_hash"], "hash": e["hash"],
            "global_seq": numbers[e["seq"]], "checkpoint": covering,
        })  # fmt: skip
    return found


def _task_names(session: Session, instance_id: int) -> dict[str | None, str]:
    rows = session.execute(
        select(WorkItem.id, WorkItem.name).where(WorkItem.instance_id == instance_id)
    )
    return {r.id: r.name for r in rows}
