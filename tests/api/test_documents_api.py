"""The documents of an instance over the API (issue 15): the list with each file's
SHA-256, the .docx and the PDF by id, every answer checked against the OpenAPI document."""

import hashlib
from datetime import timedelta
from pathlib import Path

from engine.facade import Policyflow
from tests.api.test_api import Api, api, app  # noqa: F401  (fixtures)
from tests.engine.documents.test_documents import (
    NEXT_DAY,
    drive_report,
    only_three_units,
    run_jobs,
)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_an_instances_documents_are_listed_and_downloaded(
    deployed: Policyflow,
    api: Api,  # noqa: F811
    tmp_path: Path,
) -> None:
    case = drive_report(deployed, only_three_units(deployed))
    path = f"/instances/{case.id}/documents"
    assert api.get("cv_vhtt", path).json == {"items": []}  # the job has not run yet
    run_jobs(deployed, tmp_path, NEXT_DAY + timedelta(hours=3))

    items = api.get("cv_vhtt", path).json["items"]
    assert [i["template"] for i in items] == ["ar_reminder", "ar_report"]
    report = items[1]
    assert report["symbol"].endswith("/BC-UBND") and report["pdf"] is True
    docx = api.get("cv_vhtt", f"/documents/{report['id']}/docx")
    assert (docx.status_code, docx.mimetype) == (200, DOCX)
    assert hashlib.sha256(docx.data).hexdigest() == report["sha256"]
    assert report["filename"] in docx.headers["Content-Disposition"]
    pdf = api.get("xa_xuanbac", f"/documents/{report['id']}/pdf")  # a unit that reported
    assert (pdf.status_code, pdf.mimetype) == (200, "application/pdf")
    assert (
        pdf.data.startswith(b"%PDF")
        and hashlib.sha256(pdf.data).hexdigest() == report["pdf_sha256"]
    )
    assert api.get(None, f"/documents/{report['id']}/docx").status_code == 401
    assert api.get("cv_vhtt", "/documents/999999/pdf").status_code == 404
