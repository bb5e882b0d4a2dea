"""The processes a user sees on the start page."""

from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from engine import org
from engine.models import ProcessVersion
from engine.runtime import Runtime
from engine.starting import start_role


def processes(session: Session, rt: Runtime, user: org.Actor | None = None) -> list[dict[str, Any]]:
    newest = (
        select(ProcessVersion.process_key, func.max(ProcessVersion.version).label("v"))
        .group_by(ProcessVersion.process_key)
        .subquery()
    )
    rows = session.scalars(
        select(ProcessVersion)
        .join(
            newest,
            and_(
                ProcessVersion.process_key == newest.c.process_key,
                ProcessVersion.version == newest.c.v,
            ),
        )
        .order_by(ProcessVersion.process_key)
    )
    found = []
    for row in rows:
        version = rt.versions.get(session, row.id)
        role = start_role(version)
        form = version.parsed.info.start_form
        found.append(
            {
                "key": row.process_key,
                "name": row.name,
                "version": row.version,
                "content_hash": row.content_hash,
                "deployed_at": row.deployed_at.isoformat(),
                "start_role": role,
                "can_start": user is not None and any(r.role_key == role for r in user.roles),
                "start_form": version.forms.get(form) if form else None,
            }
        )
    return found
