"""Documents in the UI (issue 15): an instance's page lists its documents with the .docx
and the PDF; a process version's templates page lets a process owner download, preview
(PDF) and upload a changed template, which becomes the process's next version."""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask

from engine.facade import Policyflow
from tests.engine.documents.test_documents import (
    NEXT_DAY,
    changed_template,
    drive_report,
    only_three_units,
    run_jobs,
)
from tests.web_client import signed_in
from web import create_app


@pytest.fixture
def app(deployed: Policyflow) -> Flask:
    return create_app({"DATABASE_URL": deployed.url, "TESTING": True})


def test_the_instance_page_offers_each_document_as_docx_and_pdf(
    deployed: Policyflow, app: Flask, tmp_path: Path
) -> None:
    case = drive_report(deployed, only_three_units(deployed))
    client, _ = signed_in(app, "cv_vhtt")
    assert "Chưa có văn bản nào." in client.get(f"/instances/{case.id}").text
    run_jobs(deployed, tmp_path, NEXT_DAY + timedelta(hours=3))
    page = client.get(f"/instances/{case.id}").text
    report = [
        d for d in deployed.documents.of_instance(case.id, None) if d["template"] == "ar_report"
    ]
    assert report and report[0]["symbol"] in page
    docx = client.get(f"/documents/{report[0]['id']}.docx")
    assert docx.status_code == 200 and docx.data.startswith(b"PK")
    assert f'href="/documents/{report[0]["id"]}.pdf"' in page
    pdf = client.get(f"/documents/{report[0]['id']}.pdf")
    assert (pdf.status_code, pdf.mimetype) == (200, "application/pdf")


def test_a_process_owner_previews_and_uploads_a_template(app: Flask) -> None:
    owner, token = signed_in(app, "chu_quy_trinh")
    base = "/processes/annual_report/versions/1/templates"
    page = owner.get(base)
    assert (
        page.status_code == 200
        and "ar_report.docx" in page.text
        and "ar_reminder.docx" in page.text
    )
    assert owner.get(f"{base}/ar_report.docx").data.startswith(b"PK")
    preview = owner.get(f"{base}/ar_report.pdf")
    assert (preview.status_code, preview.mimetype) == (200, "application/pdf")
    assert preview.data.startswith(b"%PDF")

    upload = "/processes/annual_report/templates/ar_report"
    refused = owner.post(
        upload, data={"csrf_token": token, "file": (io.BytesIO(b"not a docx"), "x.docx")}
    )
    assert refused.status_code == 302 and refused.location.endswith(base)
    assert "không phải tệp .docx" in owner.get(base).text
    done = owner.post(
        upload,
        data={"csrf_token": token, "file": (io.BytesIO(changed_template()), "bao-cao.docx")},
    )
    assert done.status_code == 302 and done.location.endswith("/versions/2/templates")
    assert "Đã triển khai phiên bản 2" in owner.get(done.location).text

    clerk, _ = signed_in(app, "cv_vhtt")
    assert clerk.get(base).status_code == 403
