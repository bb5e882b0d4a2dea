"""`pf.info_requests`: P4's public request page (file, track by code, complete) and the
staff's view of the files a citizen attached.

A code look-up is counted in a transaction of its own before the code is checked, so a
wrong code (which rolls nothing back but raises NotFound) is counted all the same: the
per-address cap is what stops guessing.
"""

import hashlib
from datetime import datetime

from sqlalchemy.orm import Session

from engine.access import org
from engine.commands import info_requests as requests
from engine.commands.info_requests import Limits, Upload
from engine.context import utcnow
from engine.errors import N_, NotFound
from engine.facade.core import Core
from engine.queries import info_requests as views
from engine.queries.instances import visible_instance
from engine.results.info_requests import PublicRequest, StaffFile
from engine.store.models import InfoRequest, InfoRequestFile

SALT = "policyflow/public-page/"


def address_key(address: str) -> str:
    """What is stored for a client address: a digest, never the address itself."""
    return hashlib.sha256((SALT + str(address or "")[:64]).encode()).hexdigest()


class InfoRequestsFacade:
    def __init__(self, core: Core, limits: Limits | None = None) -> None:
        self.core = core
        self.limits = limits or Limits()

    def committees(self, now: datetime | None = None) -> list[tuple[str, str]]:
        """(code, title) of the People's Committees a request may go to today."""
        on = org.local_date(now or utcnow())

        def go(s: Session) -> list[tuple[str, str]]:
            tree = self.core.runtime.org_tree(s)
            units = requests.committees(s, self.core.runtime, on)
            return [(u.code, tree.committee_title(u.id)) for u in units]

        return self.core.run(go)

    def file(
        self, form: dict, uploads: list[Upload], address: str, now: datetime | None = None
    ) -> str:
        """File a request; the tracking code (shown to the citizen once)."""
        when = now or utcnow()
        return self.core.run(
            lambda s: requests.file_request(
                s, self.core.runtime, form, uploads, address_key(address), when, self.limits
            )
        )

    def track(self, code: str, address: str, now: datetime | None = None) -> PublicRequest:
        """The public view of the request with this code (NotFound otherwise)."""
        when = now or utcnow()
        self._count_lookup(code, address, when)

        def go(s: Session) -> PublicRequest:
            return views.public_view(s, self.core.runtime, requests.find(s, code))

        return self.core.run(go)

    def complete(
        self, code: str, supplement: str, uploads: list[Upload], address: str,
        now: datetime | None = None,
    ) -> None:  # fmt: skip
        """The citizen completes a request the office asked to complete."""
        when = now or utcnow()
        self._count_lookup(code, address, when)
        self.core.run(
            lambda s: requests.complete_request(
                s, self.core.runtime, code, supplement, uploads, when, self.limits
            )
        )

    def letter_file(
        self, code: str, symbol: str, address: str, now: datetime | None = None
    ) -> tuple[str, str, bytes]:
        """A letter of the request with this code, as a file (its PDF, else its .docx)."""
        self._count_lookup(code, address, now or utcnow())

        def go(s: Session) -> tuple[str, str, bytes]:
            return views.letter_file(s, requests.find(s, code), str(symbol)[:60])

        return self.core.run(go)

    def _count_lookup(self, code: str, address: str, when: datetime) -> None:
        """Count a look-up by the address; an empty code guesses nothing: NotFound."""
        if not requests.normalized(code):
            raise NotFound(requests.NOT_FOUND)
        key, limits = address_key(address), self.limits
        self.core.run(
            lambda s: requests.count_hit(
                s, "track", key, when, limits.lookups, limits.lookups_window
            )
        )

    def files(self, instance_id: int, username: str) -> list[StaffFile]:
        """The citizen's files of an instance the user may see."""

        def go(s: Session) -> list[StaffFile]:
            visible_instance(s, self.core.runtime, instance_id, Core.actor(s, username))
            return views.staff_files(s, instance_id)

        return self.core.run(go)

    def file_content(self, file_id: int, username: str) -> tuple[StaffFile, bytes]:
        def go(s: Session) -> tuple[StaffFile, bytes]:
            row = s.get(InfoRequestFile, file_id)
            request = s.get(InfoRequest, row.request_id) if row else None
            if row is None or request is None:
                raise NotFound(N_("Không có tệp đính kèm này."))
            visible_instance(s, self.core.runtime, request.instance_id, Core.actor(s, username))
            meta: StaffFile = {"id": row.id, "filename": row.filename,
                               "content_type": row.content_type, "size": row.size,
                               "added_at": row.added_at}  # fmt: skip
            return meta, row.content

        return self.core.run(go)
