"""The .docx templates of a process version: deployed with it (from `templates/` beside
the BPMN, like its forms from `forms/`), kept with it, replaced by deploying a new
version. A running instance renders with its own version's templates.

A BPMN names the templates it uses in its render_document service tasks (parameter
`template`, a string literal): only those are kept with the version, and a deploy that
lacks one is refused.
"""

import ast
import hashlib
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from engine.bpmn.xml_safety import BpmnXmlError, parse_bpmn_xml
from engine.documents.render import check_template
from engine.errors import N_, InvalidInput
from engine.store.models import DocumentTemplate, Instance, ProcessVersion

OPERATION = "render_document"
# The operations whose `template` parameter names a template: P4's citizen_letter renders
# each numbered letter to the requester (engine/rules/citizen_letters.py) as well.
RENDERING = (OPERATION, "citizen_letter")
SPIFF = "{http://spiffworkflow.org/bpmn/schema/1.0/core}"
MAX_TEMPLATE = 5 * 1024 * 1024  # bytes
STANDARD = Path(__file__).resolve().parents[2] / "workflows" / "templates"


def referenced(bpmn_xml: str | bytes) -> list[str]:
    """The template keys the model's render_document tasks name, in order, once each."""
    try:
        tree = parse_bpmn_xml(bpmn_xml)
    except BpmnXmlError:
        return []
    keys: list[str] = []
    for operator in tree.iter(f"{SPIFF}serviceTaskOperator"):
        if operator.get("id") not in RENDERING:
            continue
        for param in operator.iter(f"{SPIFF}parameter"):
            if param.get("id") == "template":
                try:
                    key = ast.literal_eval(param.get("value") or "")
                except (ValueError, SyntaxError):
                    key = None
                if isinstance(key, str) and key not in keys:
                    keys.append(key)
    return keys


def digest_with(digest: str, templates: dict[str, bytes]) -> str:
    """The version's content hash over its templates too (unchanged when it has none, so
    versions deployed before templates existed keep their identity)."""
    if not templates:
        return digest
    body = digest + "".join(
        f"|{key}:{hashlib.sha256(templates[key]).hexdigest()}" for key in sorted(templates)
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def standard(key: str) -> bytes | None:
    """The district's standard template of that name (workflows/templates/), if any."""
    path = STANDARD / f"{key}.docx"
    return path.read_bytes() if key.isidentifier() and path.is_file() else None


def select_for(bpmn_xml: str | bytes, templates: dict[str, bytes]) -> dict[str, bytes]:
    """The templates the model uses, checked: each present, a .docx, a valid template.

    One the deploy does not bring is the standard one of that name (workflows/templates/:
    a model deployed with its forms only, from the modeler or the API, still renders);
    a name with no standard template is refused."""
    chosen: dict[str, bytes] = {}
    for key in referenced(bpmn_xml):
        if key not in templates and (default := standard(key)) is not None:
            templates = {**templates, key: default}
        if key not in templates:
            raise InvalidInput(
                N_("Thiếu mẫu văn bản '{key}.docx' mà quy trình dùng (render_document)."),
                {"templates": [N_("Tải lên mẫu văn bản còn thiếu.")]},
                params={"key": key},
            )
        if not templates[key] or len(templates[key]) > MAX_TEMPLATE:
            raise InvalidInput(N_("Mẫu văn bản '{key}' rỗng hoặc quá lớn."), params={"key": key})
        check_template(templates[key])
        chosen[key] = templates[key]
    return chosen


def previous(session: Session, key: str | None) -> dict[str, bytes]:
    """The templates of the process's newest version ({} for a new process)."""
    if key is None:
        return {}
    newest = session.scalar(
        select(ProcessVersion.id)
        .where(ProcessVersion.process_key == key)
        .order_by(ProcessVersion.version.desc())
        .limit(1)
    )
    return of_version(session, newest) if newest is not None else {}


def of_version(session: Session, version_id: int) -> dict[str, bytes]:
    rows = session.scalars(
        select(DocumentTemplate)
        .where(DocumentTemplate.process_version_id == version_id)
        .options(undefer(DocumentTemplate.content))
    )
    return {row.key: row.content for row in rows}


def store(session: Session, version: ProcessVersion, templates: dict[str, bytes]) -> None:
    for key in sorted(templates):
        content = templates[key]
        session.add(DocumentTemplate(
            process_version_id=version.id, key=key, size=len(content),
            sha256=hashlib.sha256(content).hexdigest(), content=content,
        ))  # fmt: skip
    session.flush()


def listing(session: Session, version_id: int) -> list[DocumentTemplate]:
    return list(
        session.scalars(
            select(DocumentTemplate)
            .where(DocumentTemplate.process_version_id == version_id)
            .order_by(DocumentTemplate.key)
        )
    )


def for_instance(session: Session, instance: Instance, key: str) -> DocumentTemplate | None:
    """The template `key` of the version the instance runs on (or of a process it calls)."""
    versions = [instance.process_version_id, *dict(instance.called_versions or {}).values()]
    for version_id in versions:
        found = session.scalar(
            select(DocumentTemplate).where(
                DocumentTemplate.process_version_id == version_id, DocumentTemplate.key == key
            )
        )
        if found is not None:
            return found
    return None
