"""P4's public side: a citizen files an information request, follows it by code, and
completes it when asked (Luật Tiếp cận thông tin 2016, Điều 24–31).

Filing starts an `info_request` instance with no signed-in user (the audit names the
actor `citizen`) for the People's Committee the citizen chose, in the same transaction
as the request row: either both exist or neither. The tracking code is 12 characters
from `secrets` over a 32-letter alphabet (60 bits); only its SHA-256 is stored, so a
look-up compares digests and a wrong code and a code that never existed are the same
NotFound. Each address (hashed with the installation's salt, never stored plain) may
file and look up only so often (PublicHit rows: no Redis needed).
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from engine.access import org
from engine.commands import lifecycle
from engine.commands.runner import Runtime
from engine.commands.start import deployed_version, launch
from engine.errors import N_, Conflict, InvalidInput, NotFound, PermissionDenied
from engine.rules.file_types import real_type
from engine.store.models import InfoRequest, InfoRequestFile, MessageWait, PublicHit

PROCESS = "info_request"
ACTOR = "citizen"  # who the audit log names for the public page's commands
COMPLETED_MESSAGE = "info_request_completed"
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed
CODE_LENGTH = 12
COMMITTEE_KINDS = ("district", "commune")
OPTIONAL_TEXT = ("requester_email", "requester_phone", "requester_address", "attachment_names")


@dataclass(frozen=True)
class Limits:
    """The public page's limits (an installation may change them)."""

    files_per_request: int = 3
    file_bytes: int = 2 * 1024 * 1024
    filings: int = 5  # per address
    filings_window: timedelta = timedelta(hours=1)
    lookups: int = 30  # code look-ups per address (right or wrong)
    lookups_window: timedelta = timedelta(minutes=10)


@dataclass(frozen=True)
class Upload:
    filename: str
    content: bytes


NOT_FOUND = N_("Không có yêu cầu với mã tra cứu này.")


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalized(code: str) -> str:
    """The code as stored: upper case, without spaces or dashes (people type 'abcd-efgh')."""
    return "".join(ch for ch in str(code).upper() if ch.isalnum())[:64]


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def committees(session: Session, rt: Runtime, on: Any) -> list[org.Unit]:
    """The People's Committees a citizen may address on the date (district, communes)."""
    return rt.org_tree(session).units_on(on, COMMITTEE_KINDS)


def count_hit(
    session: Session, kind: str, address: str, now: datetime, cap: int, window: timedelta
) -> None:
    """Count one use by the address; PermissionDenied once it is over the cap."""
    session.execute(delete(PublicHit).where(PublicHit.at < now - timedelta(days=1)))
    used = session.scalar(
        select(func.count(PublicHit.id)).where(
            PublicHit.kind == kind, PublicHit.address_hash == address, PublicHit.at > now - window
        )
    )
    if (used or 0) >= cap:
        raise PermissionDenied(
            N_("Quá nhiều yêu cầu từ địa chỉ này; hãy thử lại sau {minutes} phút."),
            params={"minutes": int(window.total_seconds() // 60)},
        )
    session.add(PublicHit(kind=kind, address_hash=address, at=now))


def checked_files(uploads: list[Upload], limits: Limits) -> list[tuple[Upload, str]]:
    """The uploads with their real type; InvalidInput naming the first one refused."""
    if len(uploads) > limits.files_per_request:
        raise InvalidInput(
            N_("Tối đa {count} tệp đính kèm."), {"files": []},
            params={"count": limits.files_per_request},
        )  # fmt: skip
    checked = []
    for upload in uploads:
        if not upload.content or len(upload.content) > limits.file_bytes:
            raise InvalidInput(
                N_("Tệp '{name}' rỗng hoặc lớn hơn {mb} MB."), {"files": []},
                params={"name": upload.filename[:80], "mb": limits.file_bytes // (1024 * 1024)},
            )  # fmt: skip
        mime = real_type(upload.content)
        if mime is None:
            raise InvalidInput(
                N_("Tệp '{name}' không phải PDF, PNG, JPEG hoặc DOCX."), {"files": []},
                params={"name": upload.filename[:80]},
            )  # fmt: skip
        checked.append((upload, mime))
    return checked


def file_request(
    session: Session,
    rt: Runtime,
    form: dict[str, Any],
    uploads: list[Upload],
    address: str,
    now: datetime,
    limits: Limits,
) -> str:
    """Start the case; returns the tracking code (shown once, never stored)."""
    files = checked_files(uploads, limits)
    count_hit(session, "file", address, now, limits.filings, limits.filings_window)
    tree = rt.org_tree(session)
    unit_code = str(form.get("unit") or "")
    unit = tree.by_code.get(unit_code)
    if unit is None or unit.kind not in COMMITTEE_KINDS or not unit.in_force(org.local_date(now)):
        raise InvalidInput(N_("Hãy chọn Ủy ban nhân dân nhận yêu cầu."), {"unit": []})
    # As the web's start form sends them: an optional text left empty is "" (the model's
    # scripts read the requester's e-mail whether or not one was given).
    data = {k: v for k, v in form.items() if v not in (None, "")}
    for optional in OPTIONAL_TEXT:
        data.setdefault(optional, "")
    if files:
        data["attachment_names"] = "; ".join(
            f"{u.filename[:120]} ({len(u.content) // 1024 + 1} KB)" for u, _ in files
        )
    name = str(data.get("requester_name", ""))[:80]
    data["case_title"] = f"Yêu cầu cung cấp thông tin của {name}"
    version = deployed_version(session, rt, PROCESS)
    run = launch(session, rt, version, None, ACTOR, unit.id, data, now)
    code = new_code()
    email = str(data.get("requester_email") or "")[:254] or None
    request = InfoRequest(
        code_hash=digest(code), instance_id=run.instance.id, unit_id=unit.id,
        channel=str(data.get("channel", "")), email=email, address_hash=address, filed_at=now,
    )  # fmt: skip
    session.add(request)
    session.flush()
    _store_files(session, request.id, files, now)
    return code


def find(session: Session, code: str) -> InfoRequest:
    """The request of this code; the same NotFound for a wrong and an unknown code."""
    found = session.scalar(
        select(InfoRequest).where(InfoRequest.code_hash == digest(normalized(code)))
    )
    if found is None:
        raise NotFound(NOT_FOUND)
    return found


def awaiting_completion(session: Session, instance_id: int) -> bool:
    wait = session.scalar(
        select(MessageWait.id).where(
            MessageWait.instance_id == instance_id, MessageWait.message_name == COMPLETED_MESSAGE
        )
    )
    return wait is not None


def complete_request(
    session: Session,
    rt: Runtime,
    code: str,
    supplement: str,
    uploads: list[Upload],
    now: datetime,
    limits: Limits,
) -> None:
    """The citizen's completion of an incomplete request: restarts the clock (the
    look-up was counted by the caller, in a transaction of its own)."""
    request = find(session, code)
    files = checked_files(uploads, limits)
    text = str(supplement or "").strip()[:5000]
    if not text and not files:
        raise InvalidInput(N_("Hãy nhập nội dung bổ sung hoặc đính kèm tệp."), {"supplement": []})
    if not awaiting_completion(session, request.instance_id):
        raise Conflict(N_("Yêu cầu này không chờ bổ sung."))
    names = [u.filename[:120] for u, _ in files]
    lifecycle.deliver_message(
        session, rt, COMPLETED_MESSAGE, {"supplement": text, "files": names}, ACTOR, now,
        request.instance_id,
    )  # fmt: skip
    _store_files(session, request.id, files, now)


def _store_files(
    session: Session, request_id: int, files: list[tuple[Upload, str]], now: datetime
) -> None:
    for upload, mime in files:
        name = (upload.filename or "tep").replace("/", "_").replace("\\", "_")[:255]
        session.add(InfoRequestFile(
            request_id=request_id, filename=name, content_type=mime, size=len(upload.content),
            sha256=hashlib.sha256(upload.content).hexdigest(), content=upload.content,
            added_at=now,
        ))  # fmt: skip
