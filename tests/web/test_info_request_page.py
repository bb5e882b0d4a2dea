"""P4's public request page `/yeu-cau-thong-tin` (issue 16 item 1), through the Flask
test client as a browser posts it (CSRF token, form token, multipart files): no login;
the bot check (forged or missing form token, honeypot, posted too fast); size limits
(body, file count, file size); files checked by their real type; per-address limits on
filing and on code look-ups; a wrong code and a code that never existed answer alike;
completion from the tracking page restarts the clock.
"""

import io
import re
import zipfile
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from engine.commands.info_requests import ALPHABET, digest, normalized
from engine.facade import Policyflow
from engine.store.db import transaction
from engine.store.models import InfoRequest, InfoRequestFile, Instance
from tasks.embedded import EmbeddedRunner
from tasks.senders import FolderMailer, FolderPublisher, Senders
from tasks.settings import Settings
from tests.processes import Case, at
from tests.web_client import csrf, signed_in
from web import create_app

pytestmark = pytest.mark.usefixtures("every_instance_replays")

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64
FORM = {
    "unit": "huyen-xuan-truong",
    "requester_name": "Trần Thị Bình",
    "requester_email": "binh@example.org",
    "channel": "online",
    "request_content": "Đề nghị cung cấp kế hoạch truyền thông chính sách năm 2024.",
}


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "x")
    return buffer.getvalue()


@pytest.fixture
def app(deployed: Policyflow) -> Flask:
    config = {"DATABASE_URL": deployed.url, "TESTING": True, "SECRET_KEY": "test",
              "INFO_REQUEST_MIN_FILL_SECONDS": 0}  # fmt: skip
    return create_app(config)


def client(app: Flask, address: str) -> FlaskClient:
    """A browser at this address (the per-address limits count by it)."""
    c = app.test_client()
    c.environ_base["REMOTE_ADDR"] = address
    return c


def tokens(c: FlaskClient) -> dict[str, str]:
    page = c.get("/yeu-cau-thong-tin").text
    found = re.search(r'name="form_token" value="([^"]+)"', page)
    assert found
    return {"csrf_token": csrf(page), "form_token": found.group(1)}


def post(c: FlaskClient, files: list[tuple[bytes, str]] = (), **extra: str):  # type: ignore[assignment]
    data: dict = {**tokens(c), **FORM, **extra}
    data["files"] = [(io.BytesIO(content), name) for content, name in files]
    return c.post("/yeu-cau-thong-tin", data=data, content_type="multipart/form-data")


def code_of(html: str) -> str:
    found = re.search(r'id="tracking-code">([^<]+)<', html)
    assert found, html[:2000]
    return found.group(1)


def error_of(html: str) -> str:
    found = re.search(r'role="alert"[^>]*>([^<]+)<', html)
    return found.group(1).strip() if found else ""


def track(c: FlaskClient, code: str):
    page = c.get("/yeu-cau-thong-tin/tra-cuu").text
    return c.post("/yeu-cau-thong-tin/tra-cuu", data={"code": code, "csrf_token": csrf(page)})


def test_a_request_is_filed_without_login_and_followed_by_its_code(app: Flask) -> None:
    c = client(app, "10.2.0.1")
    res = post(c, [(PDF, "don.pdf"), (PNG, "anh.png"), (docx(), "to-trinh.docx")])
    assert res.status_code == 200, error_of(res.text)
    code = code_of(res.text)
    raw = normalized(code)
    assert len(raw) == 12 and set(raw) <= set(ALPHABET)
    with transaction(app.config["DATABASE_URL"]) as s:
        request = s.scalar(select(InfoRequest).where(InfoRequest.code_hash == digest(raw)))
        assert request is not None and raw not in {str(request.instance_id), str(request.id)}
        types = sorted(s.scalars(select(InfoRequestFile.content_type)))
        instance = s.get(Instance, request.instance_id)
        assert instance is not None and instance.started_by is None
    assert len(types) == 3 and "application/pdf" in types
    page = track(c, code.lower())  # typed in lower case, with dashes: the same code
    assert page.status_code == 200
    assert 'data-status="in_progress"' in page.text
    assert "/UBND-VP" in page.text  # the numbered receipt letter
    for internal in ("vp_ubnd", "check_note", "instance", "Lê Thị Lan"):
        assert internal not in page.text


def test_the_form_is_csrf_protected(app: Flask) -> None:
    c = client(app, "10.2.0.2")
    data = {**tokens(c), **FORM}
    del data["csrf_token"]
    assert c.post("/yeu-cau-thong-tin", data=data).status_code == 400


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"website": "http://spam.example"}, "trường không hợp lệ"),  # the honeypot
        ({"form_token": "forged"}, "hết hạn"),
        ({"form_token": ""}, "hết hạn"),
    ],
)
def test_the_bot_check_refuses(app: Flask, change: dict, reason: str) -> None:
    c = client(app, "10.2.0.3")
    res = post(c, **change)
    assert res.status_code == 400 and reason in error_of(res.text)
    with transaction(app.config["DATABASE_URL"]) as s:
        assert s.scalar(select(InfoRequest.id)) is None


def test_a_form_posted_at_once_is_refused(deployed: Policyflow) -> None:
    app = create_app({"DATABASE_URL": deployed.url, "TESTING": True, "SECRET_KEY": "test"})
    res = post(client(app, "10.2.0.4"))  # the default minimum fill time: 3 seconds
    assert res.status_code == 400 and "quá nhanh" in error_of(res.text)


@pytest.mark.parametrize(
    ("files", "reason"),
    [
        ([(EXE, "ke-hoach.pdf")], "không phải PDF"),  # an .exe renamed .pdf
        ([(plain_zip(), "van-ban.docx")], "không phải PDF"),  # a ZIP that is no Word file
        ([(b"<html>", "a.png")], "không phải PDF"),
        ([(PDF, "a.pdf")] * 4, "Tối đa 3 tệp"),
        ([(PDF + b"\x00" * (2 * 1024 * 1024), "lon.pdf")], "lớn hơn 2 MB"),
    ],
)
def test_files_are_checked_by_type_count_and_size(app: Flask, files: list, reason: str) -> None:
    res = post(client(app, "10.2.0.5"), files)
    assert res.status_code == 400 and reason in error_of(res.text), error_of(res.text)


def test_a_body_over_the_limit_is_refused_before_parsing(app: Flask) -> None:
    big = [(PDF + b"\x00" * (3 * 1024 * 1024), f"{i}.pdf") for i in range(3)]
    res = post(client(app, "10.2.0.6"), big)
    assert res.status_code == 413


def test_filings_are_limited_per_address(app: Flask) -> None:
    c = client(app, "10.2.0.7")
    for _ in range(5):
        assert post(c).status_code == 200
    refused = post(c)
    assert refused.status_code == 429 and "Quá nhiều yêu cầu" in error_of(refused.text)
    assert post(client(app, "10.2.0.8")).status_code == 200  # another address may file


def test_wrong_and_unknown_codes_answer_alike_and_lookups_are_limited(app: Flask) -> None:
    c = client(app, "10.2.0.9")
    code = normalized(code_of(post(c).text))
    wrong = code[:-1] + ("A" if code[-1] != "A" else "B")  # one character off a real code
    unknown = "ZZZZZZZZZZZZ"

    def answer(value: str) -> tuple[int, str]:
        res = track(c, value)
        html = re.sub(r'value="[^"]*"', 'value=""', res.text)  # the CSRF token, the typed code
        return res.status_code, html

    assert answer(wrong) == answer(unknown)
    assert answer(wrong)[0] == 404
    guesser = client(app, "10.2.0.10")
    for _ in range(30):
        assert track(guesser, unknown).status_code == 404
    assert track(guesser, code).status_code == 429  # even the right code, once over the cap
    assert track(c, code).status_code == 200  # the citizen's own address is not blocked


def test_completion_from_the_tracking_page_restarts_the_clock(app: Flask) -> None:
    pf = Policyflow(app.config["DATABASE_URL"])
    c = client(app, "10.2.0.11")
    code = code_of(post(c).text)
    with transaction(pf.url) as s:
        instance_id = s.scalar(select(InfoRequest.instance_id))
    assert instance_id is not None
    case = Case(pf, instance_id, "citizen")
    case.act("vp_ubnd", "Check", {"validity": "incomplete", "missing_items": "Số, ngày văn bản"})
    page = track(c, code)
    assert 'data-status="awaiting_completion"' in page.text and "Số, ngày văn bản" in page.text
    form = {"code": code, "supplement": "Kế hoạch số 12/KH-UBND", "csrf_token": csrf(page.text),
            "files": [(io.BytesIO(EXE), "bo-sung.pdf")]}  # fmt: skip
    refused = c.post("/yeu-cau-thong-tin/bo-sung", data=form, content_type="multipart/form-data")
    assert refused.status_code == 400 and case.open() == []  # nothing delivered
    form["files"] = [(io.BytesIO(PNG), "bo-sung.png")]
    done = c.post("/yeu-cau-thong-tin/bo-sung", data=form, content_type="multipart/form-data")
    assert done.status_code == 200 and 'data-status="in_progress"' in done.text
    assert case.open() == ["Check"]
    assert case.data()["supplement"] == "Kế hoạch số 12/KH-UBND"
    assert at(case.data()["clock_start"]) >= at(case.data()["received_at"])


def test_the_citizens_files_are_for_the_staff_who_see_the_case(app: Flask) -> None:
    c = client(app, "10.2.0.12")
    post(c, [(PDF, "don.pdf")])
    with transaction(app.config["DATABASE_URL"]) as s:
        file_id = s.scalar(select(InfoRequestFile.id))
        instance_id = s.scalar(select(InfoRequest.instance_id))
    url = f"/yeu-cau-thong-tin/tep/{file_id}"
    assert c.get(url).status_code == 302  # anonymous: to the login page
    office, _ = signed_in(app, "vp_ubnd")
    assert office.get(url).data == PDF
    page = office.get(f"/instances/{instance_id}").text
    assert 'id="citizen-files"' in page and "don.pdf" in page
    commune, _ = signed_in(app, "xa_xuanbac")  # a commune does not see the district's case
    assert commune.get(url).status_code == 404


def test_the_citizen_downloads_the_letters_rendered_for_them(app: Flask, tmp_path: Path) -> None:
    c = client(app, "10.2.0.13")
    code = code_of(post(c).text)
    page = track(c, code)
    assert "Tải văn bản" not in page.text  # not rendered yet
    pf = Policyflow(app.config["DATABASE_URL"])
    senders = Senders(FolderMailer(tmp_path / "m"), FolderPublisher(tmp_path / "p"))
    EmbeddedRunner(pf, Settings.from_env(), senders).tick()
    page = track(c, code)
    symbol = re.search(r'name="symbol" value="([^"]+)"', page.text)
    assert symbol, page.text
    form = {"code": code, "symbol": symbol.group(1), "csrf_token": csrf(page.text)}
    got = c.post("/yeu-cau-thong-tin/van-ban", data=form)
    assert got.status_code == 200 and got.data[:4] in (b"%PDF", b"PK\x03\x04")
    wrong = c.post("/yeu-cau-thong-tin/van-ban", data={**form, "code": "ZZZZZZZZZZZZ"})
    assert wrong.status_code == 404  # another's letter needs their code
