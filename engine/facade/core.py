"""What every sub-facade shares: the database URL, the runtime caches, and one
transaction per command, with database errors turned into the engine's own."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine.access.org import ACTORS, Actor, get_user
from engine.background import outbox
from engine.commands.runner import Runtime
from engine.errors import N_, Conflict
from engine.store.db import database_url, new_session, normalize_url
from engine.store.db_errors import AUDIT_SEQUENCE, is_contention, violated_constraint

T = TypeVar("T")

CHANGED_UNDER_YOU = N_("Hồ sơ vừa được người khác cập nhật; hãy tải lại và thử lại.")
BUSY = N_("Hồ sơ đang được cập nhật; hãy thử lại.")


@dataclass
class _Shared:
    """The transaction a `Core.shared()` block runs its calls in."""

    core: "Core"
    session: Session
    broken: bool = False  # a call failed: the rest run apart, this one is rolled back


_shared: ContextVar[_Shared | None] = ContextVar("policyflow_shared", default=None)


@contextmanager
def lost_races_as_conflicts() -> Iterator[None]:
    """A lost race (a stale row version, an audit sequence number taken, lock contention)
    raised in the block is the engine's Conflict, which callers show as such."""
    try:
        yield
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
        race (stale row version, audit sequence taken, lock contention) is a Conflict.
        Inside `shared()`, the shared transaction instead (see there)."""
        held = _shared.get()
        if held is not None and held.core is self and not held.broken:
            try:
                with lost_races_as_conflicts():
                    yield held.session
            except BaseException:
                held.broken = True  # the rest of the scope runs as if unshared
                held.session.rollback()  # and gives its connection back at once
                raise
            return
        session = new_session(self.url)
        try:
            with lost_races_as_conflicts(), session.begin():
                yield session
                new_jobs = outbox.new_job_ids(session)
        finally:
            session.close()
        if new_jobs and self.on_jobs is not None:
            self.on_jobs(new_jobs)

    @contextmanager
    def shared(self) -> Iterator[None]:
        """Every command and query inside the block runs in one transaction: a page of the
        web UI reads its user, its content and its navigation's figures in one BEGIN …
        COMMIT, not one each (issue 17), and reads the same user once (`org.get_user`
        remembers it for the transaction). For reads (the web app opens it for GET and
        HEAD requests only): should a call inside fail, the transaction is rolled back at
        the end (nothing a read wrote is kept) and the calls after it run in their own
        transactions, as outside a shared block."""
        if (outer := _shared.get()) is not None and outer.core is self:
            yield  # already inside one: its transaction is this block's too
            return
        session = new_session(self.url)
        held = _Shared(self, session)
        session.info[ACTORS] = {}
        reset = _shared.set(held)
        new_jobs: list[int] = []
        try:
            session.begin()
            yield
            if not held.broken:
                new_jobs = outbox.new_job_ids(session)
                with lost_races_as_conflicts():
                    session.commit()
        finally:
            _shared.reset(reset)
            session.close()  # rolls back what was not committed
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
