"""What the public tracking page shows of an information request: never the case's
internal data, comments or people — its public status, deadline and letters."""

from datetime import date, datetime
from typing import Literal, TypedDict

PublicStatus = Literal[
    "in_progress", "awaiting_completion", "provided", "refused", "redirected", "closed"
]


class PublicLetter(TypedDict):
    symbol: str  # "05/UBND-VP"
    kind: str
    title: str
    body: str
    issued_on: date  # local date
    due_on: date | None
    document: bool  # its .docx/PDF is rendered (engine/documents) and may be downloaded


class PublicRequest(TypedDict):
    status: PublicStatus
    committee: str  # "UBND huyện Xuân Trường"
    channel: str
    filed_on: date
    due_on: date | None  # the answer deadline in force (after an extension, the new one)
    extended: bool
    letters: list[PublicLetter]


class StaffFile(TypedDict):
    id: int
    filename: str
    content_type: str
    size: int
    added_at: datetime
