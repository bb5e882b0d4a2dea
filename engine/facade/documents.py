"""`pf.documents`: official documents of instances (list, download .docx/PDF), the
background jobs that render and convert them, and the .docx templates of process
versions (list, download, upload a changed one as the process's next version)."""

from datetime import datetime

from sqlalchemy.orm import Session

from engine.access.org import get_user
from engine.commands import deploy as deploying
from engine.context import utcnow
from engine.documents import pdf, queries, service
from engine.documents import templates as doc_templates
from engine.errors import N_, InvalidInput
from engine.facade.core import Core
from engine.results import Deployed
from engine.results.documents import DocumentView, TemplateView


class DocumentsFacade:
    def __init__(self, core: Core) -> None:
        self.core = core

    def of_instance(self, instance_id: int, username: str | None) -> list[DocumentView]:
        return self.core.run(
            lambda s: queries.of_instance(
                s, self.core.runtime, instance_id, self.core.actor(s, username)
            )
        )

    def file(self, document_id: int, kind: str, username: str | None) -> tuple[str, str, bytes]:
        """(file name, content type, bytes): kind "docx" or "pdf" (NotFound: none yet)."""
        return self.core.run(
            lambda s: queries.file_of(
                s, self.core.runtime, document_id, kind, self.core.actor(s, username)
            )
        )

    # -- the jobs (tasks/jobs.py) ----------------------------------------------------

    def render(
        self, job_id: int, instance_id: int, payload: dict, now: datetime | None = None
    ) -> DocumentView:
        """Render the document a render_document job asked for (once per job)."""

        def go(s: Session) -> DocumentView:
            tree = self.core.runtime.org_tree(s)
            return queries.view(
                service.produce(s, tree, job_id, payload, instance_id, now or utcnow())
            )

        return self.core.run(go)

    def convert(self, document_id: int) -> str | None:
        """Make the PDF (outside any transaction: LibreOffice takes seconds); the error
        kept with the document when it cannot be made, None when done."""
        docx = self.core.run(lambda s: service.docx_for_pdf(s, document_id))
        if docx is None:
            return None
        result = pdf.to_pdf(docx)
        self.core.run(lambda s: service.store_pdf(s, document_id, result))
        return result.error

    def preview(self, content: bytes) -> tuple[bytes | None, str | None]:
        """A template (or any .docx) as PDF, its fields as written: (PDF, None) or
        (None, why not)."""
        result = pdf.to_pdf(content)
        return result.content, result.error

    # -- templates of process versions ----------------------------------------------

    def templates(self, key: str, version: int | None, username: str | None) -> list[TemplateView]:
        return self.core.run(
            lambda s: queries.version_templates(s, key, version, self.core.actor(s, username))
        )

    def template_file(
        self, key: str, version: int | None, template: str, username: str | None
    ) -> bytes:
        return self.core.run(
            lambda s: queries.template_file(s, key, version, template, self.core.actor(s, username))
        )

    def upload_template(
        self, key: str, template: str, content: bytes, username: str | None,
        comment: str = "", now: datetime | None = None,
    ) -> Deployed:  # fmt: skip
        """The process's newest version again with this template replaced: a new version
        (instances already running keep theirs and render with their own template)."""

        def go(s: Session) -> Deployed:
            user = get_user(s, username) if username else None
            latest = deploying.find_version(s, key)
            current = doc_templates.of_version(s, latest.id)
            if template not in current:
                raise InvalidInput(
                    N_("Quy trình '{key}' không dùng mẫu văn bản '{template}'."),
                    params={"key": key, "template": template},
                )
            version, created = deploying.deploy(
                s, latest.bpmn_xml, dict(latest.forms), user, now or utcnow(),
                comment or f"Mẫu văn bản {template}.docx", templates={**current, template: content},
            )  # fmt: skip
            return {
                "key": version.process_key,
                "version": version.version,
                "content_hash": version.content_hash,
                "created": created,
            }

        return self.core.run(go)
