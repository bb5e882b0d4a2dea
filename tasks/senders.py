"""Where e-mails and portal pages go: real servers when configured, local folders otherwise.

Both are pluggable: anything with the same call signature will do. Folder senders name
each file after what it carries (the Message-ID, the job id), so sending twice writes once.
"""

import json
import os
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from .settings import Settings


class Mailer(Protocol):
    def __call__(self, message: EmailMessage) -> None: ...


class Publisher(Protocol):
    def __call__(self, page_id: int, page: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class SmtpMailer:
    host: str
    port: int
    timeout: float = 10.0

    def __call__(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.send_message(message)


@dataclass(frozen=True)
class FolderMailer:
    folder: Path

    def __call__(self, message: EmailMessage) -> None:
        name = str(message["Message-ID"]).strip("<>").replace("@", "_").replace("/", "_")
        _write_once(self.folder / f"{name}.eml", message.as_bytes())


@dataclass(frozen=True)
class FolderPublisher:
    """The demo portal: one JSON file per page in spool/portal."""

    folder: Path

    def __call__(self, page_id: int, page: dict[str, Any]) -> None:
        body = json.dumps({"id": page_id, **page}, ensure_ascii=False, indent=2)
        _write_once(self.folder / f"page-{page_id}.json", body.encode())


def _write_once(path: Path, content: bytes) -> None:
    """Write atomically; a file already there means this was done before."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + f".{os.getpid()}.tmp")
    tmp.write_bytes(content)
    tmp.replace(path)


@dataclass(frozen=True)
class Senders:
    mail: Mailer
    publish: Publisher

    @classmethod
    def from_settings(cls, settings: Settings) -> "Senders":
        if settings.smtp_url:
            url = urlsplit(settings.smtp_url)
            mail: Mailer = SmtpMailer(url.hostname or "127.0.0.1", url.port or 25)
        else:
            mail = FolderMailer(settings.spool / "mail")
        return cls(mail=mail, publish=FolderPublisher(settings.spool / "portal"))
