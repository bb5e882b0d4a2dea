"""The engine's public face: one method per command, one transaction per command.

web/, tasks/ and the CLI call only this. Each method opens its own transaction, so a
failed command changes nothing; `now` may be given (tests, replays, moved clocks),
otherwise it is the current UTC time.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine import queries
from engine.access import accounts
from engine.access.org import get_user
from engine.audit.chain import ChainBreak, verify_chain
from engine.background import outbox
from engine.commands import claim_complete as work
from engine.commands import collaboration, lifecycle
from engine.commands import deploy as deploying
from engine.commands import start as starting
from engine.commands.runner import Runtime
from engine.context import utcnow
from engine.errors import Conflict, InvalidInput, NotFound
from engine.facade.audit import AuditCommands
from engine.facade.jobs import BackgroundCommands
from engine.facade.moves import MigrationCommands
from engine.store.db import database_url, new_session, normalize_url
from engine.store.models import ProcessVersion

T = TypeVar("T")


class Policyflow(AuditCommands, BackgroundCommands, MigrationCommands):
    """The engine: every command and query, one transaction each (audit and background
    work, migration live in engine/api_audit.py, api_background.py, api_migration.py)."""

    def __init__(self, url: str | None = None) -> None:
        self.url = normalize_url(url or database_url())
        self.runtime = Runtime()
        # Called after a commit that recorded background jobs, with their ids (the web
        # app and the workers hand them to the queue at once; without it a relay finds
        # them). It must not raise: the command is already committed.
        self.on_jobs: Callable[[list[int]], None] | None = None

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        session = new_session(self.url)
        try:
            with session.begin():
                yield session
                new_jobs = outbox.new_job_ids(session)
        except StaleDataError as err:
            raise Conflict("Hồ sơ vừa được người khác cập nhật; hãy tải lại và thử lại.") from err
        except IntegrityError as err:
            if "audit" not in str(err):  # two writers raced to the same audit sequence number
                raise
            raise Conflict("Hồ sơ vừa được người khác cập nhật; hãy tải lại và thử lại.") from err
        except OperationalError as err:
            if "could not serialize" in str(err) or "database is locked" in str(err):
                raise Conflict("Hồ sơ đang được cập nhật; hãy thử lại.") from err
            raise
        finally:
            session.close()
        if new_jobs and self.on_jobs is not None:
            self.on_jobs(new_jobs)

    def _run(self, fn: Callable[[Session], T]) -> T:
        with self.transaction() as session:
            return fn(session)

    # -- processes -------------------------------------------------------------------

    def deploy(
        self,
        bpmn_xml: str | bytes,
        forms: dict[str, dict] | None,
        actor: str | None = None,
        comment: str = "",
        now: datetime | None = None,
        expect_key: str | None = None,
    ) -> dict[str, Any]:
        """Deploy as `actor` (a process owner or administrator; None: the system); forms
        None keeps those of the process's newest version. BpmnRejected lists the problems.
        `expect_key`: see engine.deploy.deploy (an editor's guard on the process id)."""

        def go(s: Session) -> dict[str, Any]:
            user = get_user(s, actor) if actor else None
            version, created = deploying.deploy(
                s, bpmn_xml, forms, user, now or utcnow(), comment, expect_key
            )
            return {
                "key": version.process_key,
                "version": version.version,
                "content_hash": version.content_hash,
                "created": created,
            }

        return self._run(go)

    def rollback(
        self, key: str, version: int, actor: str | None, comment: str, now: datetime | None = None
    ) -> dict[str, Any]:
        """Deploy `version` of `key` again (its BPMN and its own forms) as the newest."""

        def go(s: Session) -> dict[str, Any]:
            user = get_user(s, actor) if actor else None
            done, created = deploying.rollback(s, key, version, user, now or utcnow(), comment)
            return {"key": key, "version": done.version, "created": created}

        return self._run(go)

    def validate(self, bpmn_xml: str, forms: dict[str, dict]) -> dict[str, Any]:
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

    def require_deployer(self, username: str) -> None:
        """PermissionDenied unless the user may deploy processes and read their versions
        (process owners and administrators); lets the API refuse before reading a body."""
        self._run(lambda s: deploying.require_deployer(get_user(s, username)))

    def versions(self, key: str, username: str | None = None) -> list[dict[str, Any]]:
        """Every deployed version of a process, newest first; with a username, only for a
        process owner or administrator (else PermissionDenied)."""

        def go(s: Session) -> list[dict[str, Any]]:
            deploying.require_deployer(self._actor(s, username))
            return queries.versions(s, key)

        return self._run(go)

    def version_bpmn(self, key: str, version: int, username: str | None = None) -> str:
        """The stored BPMN of one version, for a process owner or administrator."""
        return self._read_version(key, version, username, lambda v: v.bpmn_xml)

    def version_forms(
        self, key: str, version: int | None = None, username: str | None = None
    ) -> dict[str, dict]:
        """The forms of one version (the newest without `version`), {filename: JSON
        Schema}, for a process owner or administrator; NotFound for no such version."""
        return self._read_version(key, version, username, lambda v: dict(v.forms))

    def _read_version(
        self,
        key: str,
        version: int | None,
        username: str | None,
        read: Callable[[ProcessVersion], T],
    ) -> T:
        def go(s: Session) -> T:
            deploying.require_deployer(self._actor(s, username))
            return read(deploying.find_version(s, key, version))

        return self._run(go)

    def deploy_file(self, path: str | Path, actor: str | None = None) -> dict[str, Any]:
        """Deploy a .bpmn file with the forms it names from the `forms/` folder beside it."""
        path = Path(path)
        try:
            xml = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise InvalidInput(f"Không đọc được tệp {path}: {err}") from err
        return self.deploy(xml, read_forms(path.parent / "forms"), actor)

    def org_units(self, on: date | None = None) -> list[dict[str, Any]]:
        """The org units (in force on `on`, if given), for pickers and filters."""
        return self._run(lambda s: queries.org_units(self.runtime.org_tree(s), on))

    def processes(self, username: str | None = None) -> list[dict[str, Any]]:
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
    ) -> dict[str, Any]:
        def go(s: Session) -> dict[str, Any]:
            user = get_user(s, username)
            run = starting.start(s, self.runtime, key, user, data or {}, now or utcnow())
            return run.outcome()

        return self._run(go)

    def show(self, instance_id: int, username: str | None = None) -> dict[str, Any]:
        """The instance; with a username, only if that user may see it (else NotFound)."""
        return self._run(
            lambda s: queries.show_instance(s, self.runtime, instance_id, self._actor(s, username))
        )

    def history(self, instance_id: int, username: str | None = None) -> list[dict[str, Any]]:
        return self._run(
            lambda s: queries.history(s, self.runtime, instance_id, self._actor(s, username))
        )

    def instances(self, username: str | None, **filters: Any) -> dict[str, Any]:
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
                raise NotFound(f"Hồ sơ {instance_id} chưa từng chạy phiên bản {version}.")
            return row.bpmn_xml

        return self._run(go)

    def bpmn_for(self, process_key: str, version: int | None = None) -> str:
        """The BPMN of a deployed version (the newest without `version`)."""

        def go(s: Session) -> str:
            row = deploying.find_version(s, process_key, version)
            return row.bpmn_xml

        return self._run(go)

    @staticmethod
    def _actor(session: Session, username: str | None) -> Any:
        return get_user(session, username) if username else None

    def verify_chain(self, instance_id: int) -> list[ChainBreak]:
        return self._run(lambda s: verify_chain(s, instance_id))

    def cancel(self, instance_id: int, actor: str, now: datetime | None = None) -> str:
        return self._run(
            lambda s: lifecycle.cancel(s, self.runtime, instance_id, actor, now or utcnow()).status
        )

    def suspend(self, instance_id: int, actor: str, now: datetime | None = None) -> str:
        return self._run(
            lambda s: lifecycle.set_suspended(s, instance_id, True, actor, now or utcnow()).status
        )

    def resume(self, instance_id: int, actor: str, now: datetime | None = None) -> str:
        return self._run(
            lambda s: lifecycle.set_suspended(s, instance_id, False, actor, now or utcnow()).status
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
        """Fire every timer due at `now`, one transaction per instance; {instance: timers}."""
        now = now or utcnow()
        fired: dict[int, list[str]] = {}
        for instance_id in self._run(lambda s: lifecycle.due_timer_instances(s, now)):
            try:
                ids = self._run(
                    lambda s, i=instance_id: lifecycle.fire_timers(s, self.runtime, i, now)
                )
            except Conflict:
                continue  # another worker fired it; the next sweep sees what is left
            if ids:
                fired[instance_id] = ids
        return fired

    # -- accounts --------------------------------------------------------------------

    def authenticate(self, username: str, password: str) -> dict[str, Any]:
        """The user's description if the password is right; failures are throttled."""
        with self.transaction() as s:
            actor = accounts.authenticate(s, username, password, utcnow())
            described = accounts.describe(s, self.runtime.org_tree(s), actor) if actor else None
        if described is None:  # the failure is committed above, then reported
            raise InvalidInput(accounts.WRONG)
        return described

    def user(self, username: str) -> dict[str, Any]:
        return self._run(
            lambda s: accounts.describe(s, self.runtime.org_tree(s), get_user(s, username))
        )

    def change_password(self, username: str, old_password: str, new_password: str) -> None:
        with self.transaction() as s:
            changed = accounts.change_password(s, username, old_password, new_password, utcnow())
        if not changed:
            raise InvalidInput(accounts.WRONG, {"old_password": ["Mật khẩu hiện tại không đúng."]})

    def issue_token(self, username: str, password: str) -> dict[str, Any]:
        """A bearer token for the API, after checking the password."""
        self.authenticate(username, password)

        def go(s: Session) -> dict[str, Any]:
            token, expires = accounts.issue_token(s, get_user(s, username), utcnow())
            return {"token": token, "expires_at": expires.isoformat()}

        return self._run(go)

    def user_for_token(self, token: str) -> str:
        return self._run(lambda s: accounts.user_for_token(s, token, utcnow()).username)

    # -- people's work ---------------------------------------------------------------

    def inbox(self, username: str, now: datetime | None = None, **filters: Any) -> dict[str, Any]:
        """A page of a box ("open", "mine", "completed") with the navigation's counts;
        filters: box, process, unit, due ("overdue"|"today"|"later"), q, page, per_page."""
        return self._run(
            lambda s: queries.inbox(
                s, self.runtime, get_user(s, username), now or utcnow(), **filters
            )
        )

    def task(self, task_id: str, username: str) -> dict[str, Any]:
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
                get_user(s, username),
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
                get_user(s, username),
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
                get_user(s, username),
                filename,
                content_type,
                content,
                now or utcnow(),
                task_id,
            )
        )

    def attachment(self, attachment_id: str, username: str | None) -> tuple[dict, bytes]:
        return self._run(
            lambda s: collaboration.get_attachment(
                s, self.runtime, attachment_id, self._actor(s, username)
            )
        )

    def tasks(self, username: str) -> list[dict[str, Any]]:
        return self._run(lambda s: queries.tasks_for(s, self.runtime, get_user(s, username)))

    def claim(self, task_id: str, username: str, now: datetime | None = None) -> None:
        self._run(
            lambda s: work.claim(s, self.runtime, task_id, get_user(s, username), now or utcnow())
        )

    def unclaim(self, task_id: str, username: str, now: datetime | None = None) -> None:
        self._run(
            lambda s: work.unclaim(s, self.runtime, task_id, get_user(s, username), now or utcnow())
        )

    def complete(
        self,
        task_id: str,
        username: str,
        data: dict[str, Any] | None = None,
        now: datetime | None = None,
    ) -> dict[str, Any]:
        def go(s: Session) -> dict[str, Any]:
            user = get_user(s, username)
            run = work.complete(s, self.runtime, task_id, user, data or {}, now or utcnow())
            return run.outcome()

        return self._run(go)

    # -- notices ---------------------------------------------------------------------

    def notices(self, username: str, limit: int = 100) -> list[dict[str, Any]]:
        return self._run(lambda s: queries.notices(s, get_user(s, username), limit))

    def unread_notices(self, username: str) -> int:
        return self._run(lambda s: queries.unread_count(s, get_user(s, username)))

    def mark_notices_read(self, username: str, now: datetime | None = None) -> int:
        return self._run(lambda s: queries.mark_read(s, get_user(s, username), now or utcnow()))


def read_forms(folder: Path) -> dict[str, dict]:
    import json

    forms: dict[str, dict] = {}
    if folder.is_dir():
        for file in sorted(folder.glob("*.json")):
            try:
                forms[file.name] = json.loads(file.read_text(encoding="utf-8"))
            except (OSError, ValueError) as err:
                raise InvalidInput(f"Biểu mẫu {file.name} không phải JSON hợp lệ: {err}") from err
    return forms
