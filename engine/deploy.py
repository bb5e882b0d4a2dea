"""Deploying a process: check everything the engine will need, then store a new version."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.bpmn.specs import ParsedProcess, content_hash, parse_process
from engine.errors import BpmnRejected, NotFound
from engine.forms import check_schema
from engine.models import ProcessVersion, Role
from engine.org import Actor
from engine.sandbox import check_code


def deploy(
    session: Session,
    bpmn_xml: str,
    forms: dict[str, dict],
    deployed_by: Actor | None,
    now: datetime,
    comment: str = "",
) -> tuple[ProcessVersion, bool]:
    """Store the BPMN as the process's newest version; (version, created).

    Deploying the content of the newest version again changes nothing; deploying an
    older version's content again makes it the newest (that is a roll back).
    """
    parsed = parse_process(bpmn_xml)
    forms = {name: forms[name] for name in sorted(parsed.info.forms) if name in forms}
    problems = validate(session, parsed, forms)
    if problems:
        raise BpmnRejected(
            f"{len(problems)} lỗi, chưa triển khai: " + "; ".join(problems[:5]),
            {"bpmn": problems},
        )
    digest = content_hash(bpmn_xml, forms)
    latest = latest_version(session, parsed.info.key)
    if latest is not None and latest.content_hash == digest:
        return latest, False
    version = ProcessVersion(
        process_key=parsed.info.key,
        version=(latest.version + 1) if latest else 1,
        name=parsed.info.name,
        content_hash=digest,
        bpmn_xml=bpmn_xml,
        forms=forms,
        deployed_by=deployed_by.id if deployed_by else None,
        deployed_at=now,
        comment=comment,
    )
    session.add(version)
    session.flush()
    return version, True


def validate(session: Session, parsed: ParsedProcess, forms: dict[str, dict]) -> list[str]:
    """Every reason the process cannot run here, each naming its element."""
    info = parsed.info
    problems: list[str] = []
    known_roles = set(session.scalars(select(Role.key)))
    for task in info.user_tasks():
        if not task.role:
            problems.append(f"{task.id}: user task '{task.name}' is in no lane with a role")
        elif task.role not in known_roles:
            problems.append(f"{task.id}: lane role '{task.role}' does not exist")
    for name in sorted(info.forms):
        if name not in forms:
            problems.append(f"form '{name}' is missing")
        elif (reason := check_schema(forms[name])) is not None:
            problems.append(f"form '{name}' is not a valid JSON Schema: {reason}")
    for expr in info.expressions:
        if (reason := check_code(expr.source, expr.mode)) is not None:
            problems.append(f"{expr.element_id}: {expr.what} '{expr.source[:60]}': {reason}")
    for called in sorted(info.called_processes):
        if called != info.key and latest_version(session, called) is None:
            problems.append(f"called process '{called}' is not deployed")
    return problems


def latest_version(session: Session, key: str) -> ProcessVersion | None:
    newest = (
        select(func.max(ProcessVersion.version))
        .where(ProcessVersion.process_key == key)
        .scalar_subquery()
    )
    return session.scalar(
        select(ProcessVersion).where(
            ProcessVersion.process_key == key, ProcessVersion.version == newest
        )
    )


def find_version(session: Session, key: str, version: int | None = None) -> ProcessVersion:
    """A deployed version of a process (its newest without `version`)."""
    if version is None:
        found = latest_version(session, key)
    else:
        found = session.scalar(
            select(ProcessVersion).where(
                ProcessVersion.process_key == key, ProcessVersion.version == version
            )
        )
    if found is None:
        raise NotFound(
            f"Không có quy trình '{key}'" + (f" phiên bản {version}." if version else ".")
        )
    return found
