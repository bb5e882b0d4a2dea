"""What every sub-facade shares: the database URL, the runtime caches, and one
transaction per command, with database errors turned into the engine's own."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine.access.org import Actor, get_user
from engine.background import outbox
from engine.commands.runner import Runtime
from engine.errors import N_, Conflict
from engine.store.db import database_url, new_session, normalize_url
from engine.store.db_errors import AUDIT_SEQUENCE, is_contention, violated_constraint

T = TypeVar("T")

CHANGED_UNDER_YOU = N_("Hồ sơ vừa được người khác cập nhật; hãy tải lại và thử lại.")
BUSY = N_("Hồ sơ đang được cập nhật; hãy thử lại.")


class Core:
    """One per `Policyflow`: each sub-facade runs its commands through `run`."""

    def __init__(self, url: str | None = None) -> None:
        self.url = normalize_url(url or database_url())
        self.runtime = Runtime()
        # Called after a commit that recorded background jobs, with their ids (the web
        # app and the workers hand them to the queue at once; without it a relay finds
        # them). It must not raise: the command is already committed.
        self.on_jobs: Callable[[list[int]], None] | None = None

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One transaction: committed if the block ends, rolled back if it raises; a lost
        race (stale row version, audit sequence taken, lock contention) is a Conflict."""
        session = new_session(self.url)
        try:
            with session.begin():
                yield session
                new_jobs = outbox.new_job_ids(session)
        except StaleDataError as err:
            raise Conflict(CHANGED_UNDER_YOU) from err
        except IntegrityError as err:
            if violated_constraint(err) not in AUDIT_SEQUENCE:
                raise
            raise Conflict(CHANGED_UNDER_YOU) from err
        except OperationalError as err:
            if not is_contention(err):
                raise
            raise Conflict(BUSY) from err
        finally:
            session.close()
        if new_jobs and self.on_jobs is not None:
            self.on_jobs(new_jobs)

    def run(self, fn: Callable[[Session], T]) -> T:
        """`fn` in its own transaction."""
        with self.transaction() as session:
            return fn(session)

    @staticmethod
    def actor(session: Session, username: str | None) -> Actor | None:
        """The user by name (NotFound if unknown), or None for the system."""
        return get_user(session, username) if username else None
