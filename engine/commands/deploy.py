"""Deploying a process: check everything the engine will need, then store a new version."""

from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from engine.access.org import Actor
from engine.bpmn.model_info import executable_processes, read_process
from engine.bpmn.specs import content_hash, parse_process
from engine.bpmn.validation import Problem, validate_bpmn
from engine.bpmn.xml_safety import BpmnXmlError, parse_bpmn_xml
from engine.documents import templates as doc_templates
from engine.errors import N_, BpmnRejected, InvalidInput, Nn_, NotFound, PermissionDenied, joined
from engine.store.models import ProcessVersion, Role

DEPLOYER_ROLE = "chu_quy_trinh"  # the process owner: deploys and rolls back versions


def may_deploy(user: Actor) -> bool:
    return user.is_admin or any(h.role_key == DEPLOYER_ROLE for h in user.roles)


def require_deployer(user: Actor | None) -> None:
    """Deploying and reading the stored versions is for process owners and administrators
    (`None` is the system itself: the CLI without --as, the seed, the tests)."""
    if user is not None and not may_deploy(user):
        raise PermissionDenied(
            N_(
                "Chỉ người quản lý quy trình hoặc quản trị viên mới được triển khai "
                "và xem các phiên bản của quy trình."
            )
        )


def deploy(
    session: Session,
    bpmn_xml: str | bytes,
    forms: dict[str, dict] | None,
    deployed_by: Actor | None,
    now: datetime,
    comment: str = "",
    expect_key: str | None = None,
    templates: dict[str, bytes] | None = None,
) -> tuple[ProcessVersion, bool]:
    """Store the BPMN as the process's newest version; (version, created).

    `expect_key` guards an editor: the key of the process being edited, which the BPMN's
    process id must equal, or NEW_PROCESS: the BPMN must not name an existing process.

    Deploying the content of the newest version again changes nothing; deploying an
    older version's content again makes it the newest (that is a roll back). Without
    `forms` (None) the process keeps the forms of its newest version (none if it is new);
    so with its .docx `templates` (engine/documents/templates.py).
    """
    require_deployer(deployed_by)
    if expect_key is not None and (key := key_of(bpmn_xml)) is not None:
        _check_key(session, key, expect_key)
    if forms is None:
        forms = previous_forms(session, bpmn_xml)
    if templates is None:
        templates = doc_templates.previous(session, key_of(bpmn_xml))
    problems = check(session, bpmn_xml, forms)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        # The summary and field_errors keep the pre-validation wording of the rules that
        # had one (clients match on it); `problems` carries the Vietnamese messages.
        texts = [p.legacy or p.as_text() for p in errors]
        raise BpmnRejected(
            Nn_("{n} lỗi, chưa triển khai: {problems}"),
            {"bpmn": texts},
            [p.as_dict() for p in problems],
            params={"n": len(errors), "problems": joined(texts[:5])},
            count="n",
        )
    if isinstance(bpmn_xml, bytes):  # valid UTF-8: the validation read it
        bpmn_xml = bpmn_xml.decode("utf-8-sig")
    parsed = parse_process(bpmn_xml)
    forms = {name: forms[name] for name in sorted(parsed.info.forms) if name in forms}
    templates = doc_templates.select_for(bpmn_xml, templates)
    digest = doc_templates.digest_with(content_hash(bpmn_xml, forms), templates)
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
    doc_templates.store(session, version, templates)
    return version, True


NEW_PROCESS = ""  # expect_key for a process created in the editor


def _check_key(session: Session, key: str, expected: str) -> None:
    if expected == NEW_PROCESS and latest_version(session, key) is not None:
        raise InvalidInput(
            N_(
                "Đã có quy trình mã '{key}': hãy đổi mã (id của process) hoặc mở quy trình "
                "'{key}' để sửa."
            ),
            params={"key": key},
        )
    if expected not in (NEW_PROCESS, key):
        raise InvalidInput(
            N_(
                "Mô hình mang mã quy trình '{key}', không phải '{expected}' đang sửa: "
                "hãy giữ mã '{expected}' (id của process)."
            ),
            params={"key": key, "expected": expected},
        )


def rollback(
    session: Session, key: str, version: int, user: Actor | None, now: datetime, comment: str
) -> tuple[ProcessVersion, bool]:
    """Deploy an earlier version again, its BPMN with its own forms, as the newest."""
    require_deployer(user)
    old = find_version(session, key, version)
    kept = doc_templates.of_version(session, old.id)
    return deploy(session, old.bpmn_xml, dict(old.forms), user, now, comment, templates=kept)


def previous_forms(session: Session, bpmn_xml: str | bytes) -> dict[str, dict]:
    """The forms of the newest deployed version of the process `bpmn_xml` holds ({} when
    it holds no single readable process: the validation then says why)."""
    key = key_of(bpmn_xml)
    latest = latest_version(session, key) if key else None
    return dict(latest.forms) if latest is not None else {}


def key_of(bpmn_xml: str | bytes) -> str | None:
    """The key (process id) of the one executable process the BPMN holds, if it does."""
    try:
        processes = executable_processes(parse_bpmn_xml(bpmn_xml))
    except BpmnXmlError:
        return None
    return read_process(processes[0]).key if len(processes) == 1 else None


def check(session: Session, bpmn_xml: str | bytes, forms: dict[str, dict]) -> list[Problem]:
    """Every problem with the model here: roles and called processes as deployed now."""
    known_roles = set(session.scalars(select(Role.key)))
    deployed = set(session.scalars(select(ProcessVersion.process_key).distinct()))
    return validate_bpmn(bpmn_xml, forms, known_roles, deployed)


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


# Built once: starting an instance needs only the newest version's id (its content is in
# the runtime's version cache); loading the row would fetch and parse its BPMN and forms.
_LATEST_ID = (
    select(ProcessVersion.id)
    .where(ProcessVersion.process_key == bindparam("key"))
    .order_by(ProcessVersion.version.desc())
    .limit(1)
)


def latest_version_id(session: Session, key: str) -> int | None:
    """The id of the newest deployed version of the process (None if none)."""
    return session.scalar(_LATEST_ID, {"key": key})


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
        if version:
            raise NotFound(
                N_("Không có quy trình '{key}' phiên bản {version}."),
                params={"key": key, "version": version},
            )
        raise NotFound(N_("Không có quy trình '{key}'."), params={"key": key})
    return found
