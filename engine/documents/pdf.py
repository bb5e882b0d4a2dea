"""The PDF of a document, through LibreOffice headless (`soffice --convert-to pdf`,
Debian package libreoffice-writer-nogui). Without LibreOffice the .docx still stands and
the conversion records why there is no PDF."""

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

TIMEOUT = 120  # seconds: a first start of LibreOffice builds its profile
NO_SOFFICE = "LibreOffice (soffice) không có trên máy chủ: chưa tạo được bản PDF."


@dataclass(frozen=True)
class Converted:
    content: bytes | None
    error: str | None = None


def soffice() -> str | None:
    return os.environ.get("POLICYFLOW_SOFFICE") or shutil.which("soffice")


def to_pdf(docx: bytes) -> Converted:
    """Convert in a private folder with a private LibreOffice profile (two conversions
    at once must not share one: the second would fail on the profile's lock)."""
    program = soffice()
    if program is None or not Path(program).exists():
        return Converted(None, NO_SOFFICE)
    with tempfile.TemporaryDirectory(prefix="policyflow-pdf-") as folder:
        source = Path(folder) / "document.docx"
        source.write_bytes(docx)
        command = [
            program,
            f"-env:UserInstallation=file://{folder}/profile",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            folder,
            str(source),
        ]
        try:
            done = subprocess.run(command, capture_output=True, timeout=TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired) as err:
            return Converted(None, f"LibreOffice: {err}")
        target = Path(folder) / "document.pdf"
        if done.returncode != 0 or not target.exists():
            reason = done.stderr.decode("utf-8", "replace").strip()[:500]
            return Converted(None, f"LibreOffice ({done.returncode}): {reason or 'no PDF'}")
        return Converted(target.read_bytes())
