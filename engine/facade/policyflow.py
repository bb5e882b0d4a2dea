"""`Policyflow`, the engine's public face: one method per command, one transaction per
command, with sub-facades for the rest (see the class).

web/, tasks/ and the CLI call only this. Each method opens its own transaction, so a
failed command changes nothing; `now` may be given (tests, replays, moved clocks),
otherwise it is the current UTC time.
"""

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from engine import queries, seed
from engine.access.org import Actor, get_user, local_date
from engine.commands import claim_complete as work
from engine.commands import collaboration, lifecycle
from engine.commands import deploy as deploying
from engine.commands import start as starting
from engine.commands.runner import Runtime
from engine.context import utcnow
from engine.enums import IncidentKind, InstanceStatus
from engine.errors import N_, Conflict, InvalidInput, NotFound, ProcessFailed
from engine.facade.accounts import AccountsFacade
from engine.facade.audit import AuditFacade
from engine.facade.core import Core
from engine.facade.documents import DocumentsFacade
from engine.facade.drafts import DraftsFacade
from engine.facade.incidents import IncidentsFacade, run_recorded
from engine.facade.indicators import IndicatorsFacade
from engine.facade.info_requests import InfoRequestsFacade
from engine.facade.jobs import JobsFacade
from engine.facade.monitoring import MonitoringFacade
from engine.facade.moves import MovesFacade
from engine.facade.org import OrgFacade
from engine.facade.people import PeopleFacade
from engine.facade.rules import RulesFacade
from engine.facade.spokespersons import SpokespersonsFacade
from engine.facade.versions import VersionsFacade
from engine.results import (
    AttachmentMeta,
    Deployed,
    HistoryEvent,
    InboxPage,
    InstanceListPage,
    InstanceView,
    Notice,
    Outcome,
    ProcessView,
    TaskDetail,
    TaskView,
    Validation,
)
from engine.store import schema
from engine.store.models import ProcessVersion

T = TypeVar("T")


class Policyflow:
    """The engine: every command and query, one transaction each. The instance and
    people's-work commands are methods here; the rest are grouped in sub-facades that
    share this engine's `Core`: `audit`, `jobs`, `moves`, `versions`, `accounts`, `org`,
    `incidents`, `rules`, `people`."""

    def __init__(self, url: str | None = None) -> None:
        self.core = Core(url)
        self.audit = AuditFacade(self.core)
        self.jobs = JobsFacade(self.core)
        self.moves = MovesFacade(self.core)
        self.versions = VersionsFacade(self.core)
        self.accounts = AccountsFacade(self.core)
        self.org = OrgFacade(self.core)
        self.incidents = IncidentsFacade(self.core)
        self.monitoring = MonitoringFacade(self.core)
        self.people = PeopleFacade(self.core)
        self.rules = RulesFacade(self.core)
        self.drafts = DraftsFacade(self.core)
        self.spokespersons = SpokespersonsFacade(self.core)
        self.documents = DocumentsFacade(self.core)
        self.info_requests = InfoRequestsFacade(self.core)
        self.indicators = IndicatorsFacade(self.core)

    @property
    def url(self) -> str:
        return self.core.url

    @property
    def runtime(self) -> Runtime:
        return self.core.runtime

    @property
    def on_jobs(self) -> Callable[[list[int]], None] | None:
        return self.core.on_jobs

    @on_jobs.setter
    def on_jobs(self, hook: Callable[[list[int]], None] | None) -> None:
        self.core.on_jobs = hook

    def transaction(self) -> AbstractContextManager[Session]:
        """A raw transaction, for tests and set-up tools; web/ and cli/ never need one."""
        return self.core.transaction()

    def shared(self) -> AbstractContextManager[None]:
        """Every call inside the block in one transaction (a web page's reads: Core.shared)."""
        return self.core.shared()

    def _run(self, fn: Callable[[Session], T]) -> T:
        return self.core.run(fn)

    @staticmethod
    def _actor(session: Session, username: str | None) -> Actor | None:
        return Core.actor(session, username)

    # -- set-up ------------------------------------------------------------------------

    def upgrade_schema(self, revision: str = "head") -> None:
        """Create or migrate the database schema (Alembic)."""
        schema.upgrade(self.url, revision)

    def seed_demo(self, password: str | None = None) -> dict[str, int]:
        """The demo district (idempotent): what was added, by kind."""
        return self._run(lambda s: seed.seed_demo(s, password=password))

    # -- processes -------------------------------------------------------------------

    def deploy(
        self,
        bpmn_xml: str | bytes,
        forms: dict[str, dict] | None,
        actor: str | None = None,
        comment: str = "",
        now: datetime | None = None,
        expect_key: str | None = None,
        templates: dict[str, bytes] | None = None,
    ) -> Deployed:
        """Deploy as `actor` (a process owner or administrator; None: the system); forms
        None keeps those of the process's newest version. BpmnRejected lists the problems.
        `expect_key`: see engine.deploy.deploy (an editor's guard on the process id)."""

        def go(s: Session) -> Deployed:
            user = get_user(s, actor, day_of(now)) if actor else None
            version, created = deploying.deploy(
                s, bpmn_xml, forms, user, now or utcnow(), comment, expect_key, templates
            )
            return {
                "key": version.process_key,
                "version": version.version,
                "content_hash": version.content_hash,
                "created": created,
            }

        deployed = self._run(go)
        self.runtime.forget_reference_data()  # the processes' names (queries.process_names)
        return deployed

    def validate(self, bpmn_xml: str, forms: dict[str, dict]) -> Validation:
        """Check a BPMN against this installation without deploying it (no write).

        {"executable": no errors, "errors": [problem…], "warnings": [problem…]}; each
        problem is {"element_id", "message", "severity", "rule", "line"}.
        """
        problems = self._run(lambda s: deploying.check(s, bpmn_xml, forms))
        return {
            "executable": not any(p.severity == "error" for p in problems),
            "errors": [p.as_dict() for p in problems if p.severity == "error"],
            "warnings": [p.as_dict() for p in problems if p.severity == "warning"],
        }

    def deploy_file(self, path: str | Path, actor: str | None = None) -> Deployed:
        """Deploy a .bpmn file with the forms it names from the `forms/` folder beside it
        and the .docx templates it names from `templates/`."""
        path = Path(path)
        try:
            xml = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise InvalidInput(
                N_("Không đọc được tệp {path}: {error}"), params={"path": path, "error": str(err)}
            ) from err
        templates = read_templates(path.parent / "templates")
        return self.deploy(xml, read_forms(path.parent / "forms"), actor, templates=templates)

    def processes(self, username: str | None = None) -> list[ProcessView]:
        return self._run(
            lambda s: queries.processes(
                s, self.runtime, get_user(s, username) if username else None
            )
        )

    # -- instances -------------------------------------------------------------------

    def start(
        self,
        key: str,
        username: str,
        data: dict[str, Any] | None = None,
        now: datetime | None = None,
    ) -> Outcome:
        def go(s: Session) -> Outcome:
            user = get_user(s, username, day_of(now))
            run = starting.start(s, self.runtime, key, user, data or {}, now or utcnow())
            return run.outcome()

        return self._run(go)

    def show(self, instance_id: int, username: str | None = None) -> InstanceView:
        """The instance; with a username, only if that user may see it (else NotFound)."""
        return self._run(
            lambda s: queries.show_instance(s, self.runtime, instance_id, self._actor(s, username))
        )

    def history(self, instance_id: int, username: str | None = None) -> list[HistoryEvent]:
        return self._run(
            lambda s: queries.history(s, self.runtime, instance_id, self._actor(s, username))
        )

    def instances(self, username: str | None, **filters: Any) -> InstanceListPage:
        """A page of visible instances; filters: process, status, unit, started_by,
        date_from, date_to (dates), page, per_page."""
        return self._run(
            lambda s: queries.instances(s, self.runtime, self._actor(s, username), **filters)
        )

    def bpmn_xml(
        self, instance_id: int, username: str | None = None, version: int | None = None
    ) -> str:
        """The BPMN of the version the instance runs (for its diagram), or of `version`, one
        it ran before a migration (NotFound for any other)."""

        def go(s: Session) -> str:
            instance = queries.visible_instance(
                s, self.runtime, instance_id, self._actor(s, username)
            )
            version_id = instance.process_version_id
            if version is not None:
                version_id = queries.versions_run(s, instance).get(version, 0)
            row = s.get(ProcessVersion, version_id)
            if row is None:
                raise NotFound(
                    N_("Hồ sơ {id} chưa từng chạy phiên bản {version}."),
                    params={"id": instance_id, "version": version},
                )
            return row.bpmn_xml

        return self._run(go)

    def cancel(self, instance_id: int, actor: str, now: datetime | None = None) -> InstanceStatus:
        return self._run(
            lambda s: InstanceStatus(
                lifecycle.cancel(s, self.runtime, instance_id, actor, now or utcnow()).status
            )
        )

    def suspend(self, instance_id: int, actor: str, now: datetime | None = None) -> InstanceStatus:
        return self._set_suspended(instance_id, True, actor, now)

    def resume(self, instance_id: int, actor: str, now: datetime | None = None) -> InstanceStatus:
        return self._set_suspended(instance_id, False, actor, now)

    def _set_suspended(
        self, instance_id: int, suspended: bool, actor: str, now: datetime | None
    ) -> InstanceStatus:
        return self._run(
            lambda s: InstanceStatus(
                lifecycle.set_suspended(s, instance_id, suspended, actor, now or utcnow()).status
            )
        )

    def deliver_message(
        self,
        name: str,
        payload: dict[str, Any] | None = None,
        actor: str = "system",
        instance_id: int | None = None,
        now: datetime | None = None,
    ) -> list[int]:
        return self._run(
            lambda s: lifecycle.deliver_message(
                s, self.runtime, name, payload or {}, actor, now or utcnow(), instance_id
            )
        )

    def fire_due_timers(self, now: datetime | None = None) -> dict[int, list[str]]:
        """Fire every timer due at `now`, one transaction per instance; {instance: timers}.
        A model that fails leaves an incident (and its instance out of later sweeps)."""
        now = now or utcnow()
        fired: dict[int, list[str]] = {}
        for instance_id in self._run(lambda s: lifecycle.due_timer_instances(s, now)):
            try:
                ids = self._fire_timers(instance_id, now)
            except Conflict:
                continue  # another worker fired it; the next sweep sees what is left
            except ProcessFailed:
                continue  # recorded as an incident: an operator fixes and retries it
            if ids:
                fired[instance_id] = ids
        return fired

    def _fire_timers(self, instance_id: int, now: datetime) -> list[str]:
        return run_recorded(
            self.core,
            instance_id,
            IncidentKind.TIMER,
            now,
            lambda s: lifecycle.fire_timers(s, self.runtime, instance_id, now),
        )

    # -- people's work ---------------------------------------------------------------

    def inbox(self, username: str, now: datetime | None = None, **filters: Any) -> InboxPage:
        """A page of a box ("open", "mine", "completed") with the navigation's counts;
        filters: box, process, unit, due ("overdue"|"today"|"later"), q, page, per_page."""
        return self._run(
            lambda s: queries.inbox(
                s, self.runtime, get_user(s, username, day_of(now)), now or utcnow(), **filters
            )
        )

    def task(self, task_id: str, username: str) -> TaskDetail:
        """One task with its instance and what the user may do with it."""
        return self._run(
            lambda s: queries.task_detail(s, self.runtime, task_id, get_user(s, username), utcnow())
        )

    def reassign(
        self, task_id: str, username: str, to_username: str, comment: str = "",
        now: datetime | None = None,
    ) -> None:  # fmt: skip
        self._run(
            lambda s: collaboration.reassign(
                s,
                self.runtime,
                task_id,
                get_user(s, username, day_of(now)),
                to_username,
                comment,
                now or utcnow(),
            )
        )

    def add_comment(
        self, instance_id: int, username: str, body: str, task_id: str | None = None,
        now: datetime | None = None,
    ) -> None:  # fmt: skip
        self._run(
            lambda s: collaboration.add_comment(
                s,
                self.runtime,
                instance_id,
                get_user(s, username, day_of(now)),
                body,
                now or utcnow(),
                task_id,
            )
        )

    def add_attachment(
        self, instance_id: int, username: str, filename: str, content_type: str,
        content: bytes, task_id: str | None = None, now: datetime | None = None,
    ) -> str:  # fmt: skip
        return self._run(
            lambda s: collaboration.add_attachment(
                s,
                self.runtime,
                instance_id,
                get_user(s, username, day_of(now)),
                filename,
                content_type,
                content,
                now or utcnow(),
                task_id,
            )
        )

    def attachment(self, attachment_id: str, username: str | None) -> tuple[AttachmentMeta, bytes]:
        return self._run(
            lambda s: collaboration.get_attachment(
                s, self.runtime, attachment_id, self._actor(s, username)
            )
        )

    def tasks(self, username: str) -> list[TaskView]:
        return self._run(lambda s: queries.tasks_for(s, self.runtime, get_user(s, username)))

    def claim(self, task_id: str, username: str, now: datetime | None = None) -> None:
        self._run(
            lambda s: work.claim(
                s, self.runtime, task_id, get_user(s, username, day_of(now)), now or utcnow()
            )
        )

    def unclaim(self, task_id: str, username: str, now: datetime | None = None) -> None:
        self._run(
            lambda s: work.unclaim(
                s, self.runtime, task_id, get_user(s, username, day_of(now)), now or utcnow()
            )
        )

    def complete(
        self,
        task_id: str,
        username: str,
        data: dict[str, Any] | None = None,
        now: datetime | None = None,
    ) -> Outcome:
        def go(s: Session) -> Outcome:
            user = get_user(s, username, day_of(now))
            run = work.complete(s, self.runtime, task_id, user, data or {}, now or utcnow())
            return run.outcome()

        return self._run(go)

    # -- notices ---------------------------------------------------------------------

    def notices(self, username: str, limit: int = 100) -> list[Notice]:
        return self._run(lambda s: queries.notices(s, get_user(s, username), limit))

    def unread_notices(self, username: str) -> int:
        return self._run(lambda s: queries.unread_count(s, get_user(s, username)))

    def mark_notices_read(self, username: str, now: datetime | None = None) -> int:
        return self._run(
            lambda s: queries.mark_read(s, get_user(s, username, day_of(now)), now or utcnow())
        )


def day_of(now: datetime | None) -> date | None:
    """The local date whose role holdings a command given `now` acts with (None: today)."""
    return local_date(now) if now is not None else None


def read_templates(folder: Path) -> dict[str, bytes]:
    """The .docx templates of a folder by key (file name without .docx)."""
    if not folder.is_dir():
        return {}
    return {file.stem: file.read_bytes() for file in sorted(folder.glob("*.docx"))}


def read_forms(folder: Path) -> dict[str, dict]:
    import json

    forms: dict[str, dict] = {}
    if folder.is_dir():
        for file in sorted(folder.glob("*.json")):
            try:
                forms[file.name] = json.loads(file.read_text(encoding="utf-8"))
            except (OSError, ValueError) as err:
                raise InvalidInput(
                    N_("Biểu mẫu {name} không phải JSON hợp lệ: {error}"),
                    params={"name": file.name, "error": str(err)},
                ) from err
    return forms
