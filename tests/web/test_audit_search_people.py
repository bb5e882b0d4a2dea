"""Issue 18 item 10: the audit search finds people by full name too, its result downloads
as CSV and JSON (same filters, same visibility), and the auditor lands on the log."""

import csv
import io
import json
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine.facade import Policyflow
from tests.processes import start_document
from tests.web.test_web_ui import csrf, login
from web import create_app


@pytest.fixture
def app(deployed: Policyflow) -> Iterator[Flask]:
    yield create_app({"DATABASE_URL": deployed.url, "TESTING": True, "SECRET_KEY": "test"})


def full_name(pf: Policyflow, username: str) -> str:
    """The name the log shows for the user (who has acted)."""
    return str(pf.audit.events("admin", actor=username)["items"][0]["actor_name"])


def test_the_actor_filter_takes_a_full_name(deployed: Policyflow) -> None:
    start_document(deployed, "QĐ")
    by_username = deployed.audit.events("admin", actor="cv_vhtt")
    assert by_username["total"] >= 1
    name = full_name(deployed, "cv_vhtt")
    for typed in (name, name.lower(), name.split()[-1], " ".join(name.split()[-2:]).lower()):
        found = deployed.audit.events("admin", actor=typed)
        assert {e["actor"] for e in found["items"]} >= {"cv_vhtt"}, typed
        assert all(typed.lower() in e["actor_name"].lower() or e["actor"] == typed
                   for e in found["items"]), typed  # fmt: skip
    assert deployed.audit.events("admin", actor="Không Có Ai Tên Này")["total"] == 0
    assert deployed.audit.events("admin", actor="%")["total"] == 0  # literal, not a wildcard


def test_the_search_result_downloads_as_csv_and_json(deployed: Policyflow, app: Flask) -> None:
    start_document(deployed, "QĐ")
    start_document(deployed, "KH")
    client: FlaskClient = app.test_client()
    login(client, "admin")
    name = full_name(deployed, "cv_vhtt")
    page = client.get("/audit", query_string={"actor": name})
    assert page.status_code == 200
    assert "/audit/export.csv?actor=" in page.text and "/audit/export.json?actor=" in page.text
    expected = deployed.audit.events("admin", actor=name, per_page=200)
    response = client.get("/audit/export.csv", query_string={"actor": name})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == expected["total"] >= 2
    assert [int(r["global_seq"]) for r in rows] == [e["global_seq"] for e in expected["items"]]
    assert {r["actor_name"] for r in rows} == {name}
    body = json.loads(client.get("/audit/export.json", query_string={"actor": name}).text)
    assert body["total"] == expected["total"] and not body["truncated"]
    assert body["filters"]["actor"] == name
    assert [e["global_seq"] for e in body["events"]] == [e["global_seq"] for e in expected["items"]]
    # a filter the search refuses is refused by the export too
    assert client.get("/audit/export.csv", query_string={"unit": "khong-co"}).status_code == 400


def test_a_commune_exports_only_what_it_may_see(deployed: Policyflow, app: Flask) -> None:
    start_document(deployed, "QĐ")
    client: FlaskClient = app.test_client()
    login(client, "xa_xuanbac")
    body = json.loads(client.get("/audit/export.json").text)
    assert body["total"] == deployed.audit.events("xa_xuanbac")["total"]
    assert "cv_vhtt" not in {e["actor"] for e in body["events"]}


def test_the_auditor_lands_on_the_audit_page(app: Flask) -> None:
    client: FlaskClient = app.test_client()
    page = client.get("/login")
    response = client.post(
        "/login", data={"username": "kiem_toan", "password": "demo", "csrf_token": csrf(page.text)}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/audit")
    other: FlaskClient = app.test_client()
    page = other.get("/login")
    response = other.post(
        "/login", data={"username": "cv_vhtt", "password": "demo", "csrf_token": csrf(page.text)}
    )
    assert response.headers["Location"].endswith("/")
