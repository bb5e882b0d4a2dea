"""Changing the spokesperson register: a designation recorded by the Văn phòng (one audited
administrative event, and a publication job), and the job's own work, publishing.

Nghị định 09/2017/NĐ-CP Điều 2: the head of a People's Committee speaks for it or
designates a spokesperson; Điều 7: the name and contacts are announced in writing and
published on the body's portal. So a designation is kept (never overwritten: a change is
a new dated row) and published by a background job after the change commits; the public
register shows only what a publication made public.
"""

import hashlib
import json
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.access.org import OrgTree, get_user, local_date
from engine.audit import chain
from engine.background.outbox import enqueue
from engine.commands.admin_people import EMAIL, PHONE
from engine.commands.admin_units import SYSTEM, clean_reason
from engine.enums import AuditCommand
from engine.errors import N_, Conflict, InvalidInput, Message, NotFound, PermissionDenied
from engine.results import SpokespersonChange, SpokespersonEntry, SpokespersonPublished
from engine.rules import spokespersons as views
from engine.store.models import ADMINISTRATION_KINDS, Spokesperson, SpokespersonPublication, User

KEEPER_ROLE = "van_phong"  # the register is kept by the Văn phòng HĐND-UBND
PUBLISH_JOB = "publish_spokespersons"
LIMITS = {"full_name": 200, "position": 200, "phone": 50, "email": 200, "source": 1000}


def require_keeper(session: Session, tree: OrgTree, actor: str, body_id: int, on: date) -> None:
    """PermissionDenied unless the actor is an administrator, the system, or holds the
    Văn phòng role in the body's administration on the day."""
    if actor == SYSTEM:
        return
    user = get_user(session, actor, on)
    if user.is_admin:
        return
    if any(
        h.role_key == KEEPER_ROLE and tree.administration(h.unit_id) == body_id for h in user.roles
    ):
        return
    raise PermissionDenied(N_("Chỉ Văn phòng HĐND-UBND được cập nhật danh sách người phát ngôn."))


def bodies_kept_by(session: Session, tree: OrgTree, actor: str, on: date) -> list[dict[str, str]]:
    """The bodies ({"code", "name"}) whose register the actor may keep on the day."""
    found = []
    for unit in sorted(tree.by_id.values(), key=lambda u: u.id):
        if unit.kind not in ADMINISTRATION_KINDS:
            continue
        try:
            require_keeper(session, tree, actor, unit.id, on)
        except PermissionDenied:
            continue
        found.append({"code": unit.code, "name": unit.name})
    return found


def body_unit(tree: OrgTree, code: str, on: date) -> int:
    """The People's Committee the register names (in force on `on`)."""
    unit = tree.unit(code)
    if unit.kind not in ADMINISTRATION_KINDS:
        raise InvalidInput(
            N_("Người phát ngôn được chỉ định cho UBND huyện hoặc UBND xã, không cho '{code}'."),
            {"unit": [N_("Cần một UBND (huyện hoặc xã).")]},
            params={"code": code},
        )
    if not unit.in_force(on):
        raise Conflict(
            N_("Đơn vị '{code}' không còn hoặc chưa có hiệu lực ngày {date}."),
            params={"code": code, "date": on.strftime("%d/%m/%Y")},
        )
    return unit.id


def _clean(fields: dict[str, str | None]) -> dict[str, str]:
    errors: dict[str, list[Message | str]] = {}
    clean = {k: (v or "").strip() for k, v in fields.items()}
    for name, limit in LIMITS.items():
        if len(clean.get(name, "")) > limit:
            errors[name] = [Message(N_("Tối đa {n} ký tự."), {"n": limit})]
    for name in ("full_name", "position"):
        if not clean.get(name):
            errors[name] = [N_("Không được để trống.")]
    # E-mail and phone as given (not stripped): the API document states the same patterns.
    if fields.get("email") and not EMAIL.search(fields["email"] or ""):
        errors["email"] = [N_("Địa chỉ thư điện tử không hợp lệ.")]
    if fields.get("phone") and not PHONE.search(fields["phone"] or ""):
        errors["phone"] = [N_("Số điện thoại chỉ gồm chữ số, dấu cách, + ( ) . -")]
    if errors:
        raise InvalidInput(
            N_("Dữ liệu không hợp lệ ở: {fields}."), errors, params={"fields": ", ".join(errors)}
        )
    return clean


def designate(
    session: Session,
    tree: OrgTree,
    actor: str,
    now: datetime,
    unit_code: str,
    fields: dict[str, str | None],
    valid_from: date,
    valid_to: date | None = None,
    username: str | None = None,
    verified: bool = True,
    reason: str = "",
) -> SpokespersonChange:
    """Record who speaks for the body from `valid_from` (to `valid_to`): a new row, the
    earlier ones kept; audited; a publication job queued in the same transaction."""
    body_id = body_unit(tree, unit_code, valid_from)
    require_keeper(session, tree, actor, body_id, local_date(now))
    clean = _clean(fields)
    reason = clean_reason(reason)
    if valid_to is not None and valid_to < valid_from:
        raise InvalidInput(
            N_("Ngày kết thúc không được trước ngày bắt đầu."),
            {"valid_to": [N_("Không được trước ngày bắt đầu.")]},
        )
    user_id = None
    if username:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(N_("Không có người dùng '{username}'."), params={"username": username})
        user_id = user.id
    before_row = views.in_force_rows(session, valid_from, {body_id}).get(body_id)
    before = views.entry_of(session, tree, before_row) if before_row else None
    row = Spokesperson(
        unit_id=body_id,
        full_name=clean["full_name"],
        position=clean["position"],
        phone=clean.get("phone", ""),
        email=clean.get("email", ""),
        user_id=user_id,
        valid_from=valid_from,
        valid_to=valid_to,
        source=clean.get("source", ""),
        verified=verified,
        reason=reason,
        recorded_at=now,
        recorded_by=actor,
    )
    session.add(row)
    session.flush()
    entry = views.entry_of(session, tree, row)
    payload = {"before": before, "after": entry, "reason": reason}
    chain.append_admin(session, now, actor, AuditCommand.SPOKESPERSON_SET, payload, {})
    job = enqueue(session, PUBLISH_JOB, now, now, None, {"spokesperson": row.id})
    session.flush()
    return {"entry": entry, "before": before, "reason": reason, "job": job.id}


def digest_of(entries: list[SpokespersonEntry]) -> str:
    text = json.dumps(entries, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def publish(session: Session, tree: OrgTree, job_id: int, now: datetime) -> SpokespersonPublished:
    """The job's work: make every designation recorded so far public and write the
    snapshot of the register in force today. A second run of the same job returns what
    the first wrote and changes nothing."""
    done = session.scalar(
        select(SpokespersonPublication).where(SpokespersonPublication.job_id == job_id)
    )
    if done is not None:
        return _published(done, 0)
    publication = SpokespersonPublication(
        job_id=job_id, published_at=now, on_date=local_date(now), entries=[], digest=""
    )
    session.add(publication)
    session.flush()
    newly = session.execute(
        update(Spokesperson)
        .where(Spokesperson.publication_id.is_(None))
        .values(publication_id=publication.id)
    )
    register = views.register_on(session, tree, local_date(now), published_only=True)
    publication.entries = list(register["entries"])
    publication.digest = digest_of(register["entries"])
    session.flush()
    return _published(publication, int(getattr(newly, "rowcount", 0) or 0))


def _published(row: SpokespersonPublication, newly: int) -> SpokespersonPublished:
    return {
        "publication": row.id,
        "job": row.job_id,
        "published_at": row.published_at.isoformat(),
        "on": row.on_date.isoformat(),
        "entries": list(row.entries),
        "digest": row.digest,
        "newly_published": newly,
    }


SEED_JOB = 0  # the publication the demo seed's rows come with (no background job)


def import_seed(session: Session, data: dict, now: datetime) -> int:
    """The seeded register (data/spokespersons/*.yaml), published as it is added: the rows
    missing (by body, first day and name) are added; nothing is changed or deleted.
    Returns how many were added."""
    tree = OrgTree.load(session)
    seeded = session.scalar(
        select(SpokespersonPublication).where(SpokespersonPublication.job_id == SEED_JOB)
    )
    if seeded is None:
        seeded = SpokespersonPublication(
            job_id=SEED_JOB, published_at=now, on_date=local_date(now), entries=[], digest=""
        )
        session.add(seeded)
        session.flush()
    added = 0
    for item in data.get("spokespersons") or []:
        unit = tree.unit(str(item["unit"]))
        first = date.fromisoformat(str(item["from"]))
        exists = session.scalar(
            select(Spokesperson.id).where(
                Spokesperson.unit_id == unit.id,
                Spokesperson.valid_from == first,
                Spokesperson.full_name == item["full_name"],
            )
        )
        if exists is not None:
            continue
        user = (
            session.scalar(select(User).where(User.username == item["username"]))
            if item.get("username")
            else None
        )
        last = item.get("to")
        session.add(
            Spokesperson(
                unit_id=unit.id,
                full_name=item["full_name"],
                position=item["position"],
                phone=item.get("phone") or "",
                email=item.get("email") or "",
                user_id=user.id if user else None,
                valid_from=first,
                valid_to=date.fromisoformat(str(last)) if last else None,
                source=item.get("source") or "",
                verified=bool(item.get("verified", False)),
                reason="",
                recorded_at=now,
                recorded_by=SYSTEM,
                publication_id=seeded.id,
            )
        )
        added += 1
    session.flush()
    return added
