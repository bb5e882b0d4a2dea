"""The dashboard page, its CSV and XLSX files, the API, and the plan page (issue 15 items
4 and 5): figures from the case records, a commune that sees only itself, progress
marked by a unit and shown to the leadership."""

import csv
import io
from types import SimpleNamespace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from engine.access.org import OrgTree
from engine.facade import Policyflow
from engine.rules.case_services import record_case
from engine.rules.services import HostServices
from engine.store.db import transaction
from tests.api.test_api import PREFIX, Api, reset_demo_passwords
from tests.processes import at, start_document
from tests.web.test_web_ui import csrf, login
from web import create_app

# (unit, kind, figures, recorded at): two press requests in Xuân Ninh, a crisis in Trà Lũ.
CASES = [
    ("xa-xuan-ninh", "press_request", {"press_requests_received": 2,
     "press_requests_answered": 2, "press_requests_on_time": 1}, "2024-10-10T03:00:00+00:00"),
    ("xa-tra-lu", "crisis", {"unexpected_events": 1, "unexpected_events_on_time": 0},
     "2024-11-03T03:00:00+00:00"),
]  # fmt: skip


@pytest.fixture
def app(deployed: Policyflow) -> Flask:
    reset_demo_passwords(deployed.url)
    app = create_app({"DATABASE_URL": deployed.url, "TESTING": True, "SECRET_KEY": "test"})
    holder = start_document(deployed)
    with transaction(deployed.url) as s:
        tree = OrgTree.load(s)
        for code, kind, figures, when in CASES:
            case = SimpleNamespace(id=holder.id, process_key="test", unit_id=tree.unit(code).id)
            record_case(HostServices(s, tree, case, at(when)), kind, figures)  # type: ignore[arg-type]
    return app


def client(app: Flask, username: str) -> FlaskClient:
    found = app.test_client()
    login(found, username)
    return found


def test_the_page_draws_its_charts_from_the_case_records(app: Flask) -> None:
    page = client(app, "ct_ubnd").get("/dashboard?nam=2024&quy=4&chi_tieu=p1_received")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('<svg class="chart') == 2 and 'class="bar"' in html
    assert 'data-value="2"' in html  # Xuân Ninh's two requests, a bar of its own
    assert 'data-unit="xa-tra-lu"' in html and 'href="/dashboard"' in html  # the navigation


def test_csv_and_xlsx_hold_the_same_figures(app: Flask) -> None:
    leader = client(app, "ct_ubnd")
    body = leader.get("/dashboard.csv?nam=2024").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(body)))
    received = rows[0].index("Yêu cầu của báo chí đã nhận")
    incidents = rows[0].index("Sự cố, khủng hoảng đã xử lý")
    by_unit = {r[0]: r for r in rows[1:]}
    assert by_unit["xa-xuan-ninh"][received] == "2" and by_unit["xa-tra-lu"][incidents] == "1"
    assert rows[-1][1] == "Tổng cộng" and rows[-1][received] == "2"
    answer = leader.get("/dashboard.xlsx?nam=2024")
    assert answer.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(answer.data))
    sheet = book.worksheets[0]
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    column = cells[0].index("Yêu cầu của báo chí đã nhận")
    assert next(r for r in cells if r[0] == "xa-xuan-ninh")[column] == 2
    months = [[c.value for c in row] for row in book["Theo tháng"].iter_rows()]
    assert next(r for r in months if r[0] == "2024-10")[column - 1] == 2


def test_a_commune_reads_only_itself_on_the_page_and_the_api(app: Flask) -> None:
    ninh = client(app, "xa_xuanninh")
    own = ninh.get("/dashboard?nam=2024").get_data(as_text=True)
    assert 'data-unit="xa-xuan-ninh"' in own and 'data-unit="xa-tra-lu"' not in own
    assert ninh.get("/dashboard?nam=2024&don_vi=xa-tra-lu").status_code == 403
    assert "xa-tra-lu" not in ninh.get("/dashboard.csv?nam=2024").get_data(as_text=True)
    api_client = app.test_client()
    api = Api(api_client, api_client.get(f"{PREFIX}/openapi.json").json)
    mine = api.call("xa_xuanninh", "GET", "/indicators?year=2024")
    assert mine.status_code == 200 and [u["unit"] for u in mine.json["units"]] == ["xa-xuan-ninh"]
    other = api.call("xa_xuanninh", "GET", "/indicators?year=2024&unit=xa-tra-lu")
    assert other.status_code == 403
    whole = api.call("cv_vhtt", "GET", "/indicators?year=2024&quarter=4")
    assert whole.json["totals"]["p2_incidents"] == 1 and whole.json["scope"] == "all"


def test_progress_marked_on_the_plan_page_is_shown_to_the_leaders(app: Flask) -> None:
    ninh = client(app, "xa_xuanninh")
    page = ninh.get("/ke-hoach/2024")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and html.count('class="plan-form"') == 5  # "*": II.2–II.6
    note = "Đã công khai 12 văn bản"
    form = {"csrf_token": csrf(html), "code": "II.3", "unit": "xa-xuan-ninh",
            "status": "hoan_thanh", "note": note}  # fmt: skip
    assert ninh.post("/ke-hoach/2024/tien-do", data=form).status_code == 302
    shown = client(app, "ct_ubnd").get("/ke-hoach/2024").get_data(as_text=True)
    assert note in shown
    api_client = app.test_client()
    api = Api(api_client, api_client.get(f"{PREFIX}/openapi.json").json)
    body = {"code": "II.2", "unit": "xa-xuan-ninh", "status": "dang_thuc_hien"}
    assert api.call("xa_xuanninh", "POST", "/plan/2024/progress", body).status_code == 201
    body["unit"] = "xa-tra-lu"
    assert api.call("xa_xuanninh", "POST", "/plan/2024/progress", body).status_code == 403
    plan = api.call("ct_ubnd", "GET", "/plan/2024").json
    task = next(t for t in plan["tasks"] if t["code"] == "II.3")
    assert next(u for u in task["units"] if u["unit"] == "xa-xuan-ninh")["status"] == "hoan_thanh"
    report = api.call("ct_ubnd", "GET", "/indicators?year=2024").json
    second = next(t for t in report["plan"] if t["code"] == "II.2")
    assert next(u for u in second["units"] if u["unit"] == "xa-xuan-ninh")["status"] == (
        "dang_thuc_hien"
    )


def test_now_is_the_suites_clock(app: Flask) -> None:
    """The page's default year is the engine clock's (2025 in the suite)."""
    html = client(app, "ct_ubnd").get("/dashboard").get_data(as_text=True)
    assert 'name="nam" min="2000" max="2100" value="2025"' in html


def test_the_month_axis_speaks_the_readers_language(app: Flask) -> None:
    """The trend's months were written "T10/24" (tháng) whatever the language."""
    reader = client(app, "ct_ubnd")
    vietnamese = reader.get("/dashboard?nam=2024&chi_tieu=p1_received").get_data(as_text=True)
    assert ">T10/24</text>" in vietnamese
    reader.post(
        "/lang/en", data={"csrf_token": csrf(reader.get("/dashboard").get_data(as_text=True))}
    )
    english = reader.get("/dashboard?nam=2024&chi_tieu=p1_received").get_data(as_text=True)
    assert ">10/24</text>" in english and ">T10/24</text>" not in english
