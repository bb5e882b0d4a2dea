"""The server-rendered UI through Flask's test client: login, inbox, task forms, instances."""

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine.facade import Policyflow, read_forms
from tests.conftest import DATA, NOW
from web import create_app

# Each instance a test leaves must re-execute exactly from its audit log (issue 6).
pytestmark = pytest.mark.usefixtures("every_instance_replays")

P3_START = {"year": 2024, "outline_ref": "123/VHTT"}
FIGURES = [
    "training_courses", "trainees", "comm_staff", "spokespersons", "press_conferences",
    "press_requests_received", "press_requests_answered", "unexpected_events",
    "unexpected_events_on_time", "news_portal", "news_media_centre", "news_loudspeaker",
    "draft_policies", "fake_news_detected", "fake_news_handled", "budget_spent",
]  # fmt: skip
UNIT_REPORT = dict.fromkeys(FIGURES, "1") | {
    "difficulties": "Thiếu kinh phí",
    "proposals": "Bổ sung biên chế",
}


@pytest.fixture
def app(deployed: Policyflow) -> Iterator[Flask]:
    yield create_app({"DATABASE_URL": deployed.url, "TESTING": True, "SECRET_KEY": "test"})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def login(client: FlaskClient, username: str, password: str = "demo") -> None:
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf(page.text)},
    )
    assert response.status_code == 302, response.text


def post(client: FlaskClient, url: str, data: dict, page: str = "/") -> object:
    """POST a form the way a browser does: with the CSRF token of a page it showed."""
    token = csrf(client.get(page).text)
    return client.post(url, data={**data, "csrf_token": token})


def task_of(pf: Policyflow, username: str, element_id: str) -> dict:
    [task] = [t for t in pf.tasks(username) if t["element_id"] == element_id]
    return task


def test_login_right_and_wrong_password(client: FlaskClient) -> None:
    assert client.get("/").status_code == 302  # to the login page
    page = client.get("/login")
    wrong = client.post(
        "/login", data={"username": "cv_vhtt", "password": "x", "csrf_token": csrf(page.text)}
    )
    assert wrong.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu" in wrong.text
    assert 'value="cv_vhtt"' in wrong.text  # the username stays typed
    login(client, "cv_vhtt")
    inbox = client.get("/")
    assert inbox.status_code == 200
    assert "Nguyễn Thị Hoa" in inbox.text
    assert '<html lang="vi">' in inbox.text and '<meta charset="utf-8">' in inbox.text


def test_post_without_csrf_token_is_refused(client: FlaskClient) -> None:
    response = client.post("/login", data={"username": "cv_vhtt", "password": "demo"})
    assert response.status_code == 400
    login(client, "cv_vhtt")
    assert client.post("/logout").status_code == 400  # still signed in
    assert client.get("/").status_code == 200


def test_login_is_throttled_after_repeated_failures(client: FlaskClient) -> None:
    page = client.get("/login").text
    for _ in range(5):
        client.post(
            "/login", data={"username": "tu_phap", "password": "x", "csrf_token": csrf(page)}
        )
    refused = client.post(
        "/login", data={"username": "tu_phap", "password": "demo", "csrf_token": csrf(page)}
    )
    assert refused.status_code == 429
    assert "thử lại sau" in refused.text


def test_commune_user_sees_only_their_communes_task(
    client: FlaskClient, deployed: Policyflow
) -> None:
    deployed.start("annual_report", "cv_vhtt", P3_START, now=NOW)
    login(client, "xa_xuanbac")
    page = client.get("/").text
    assert page.count('class="t-name"') == 1
    rows = page[page.index("<tbody") : page.index("</tbody>")]  # the task list, not the filters
    assert "Xã Trà Lũ" in rows and "Xã Xuân Ninh" not in rows
    assert "Quá hạn" in page  # the nav and the overdue badge (deadline 2024)
    assert 'class="overdue' in page


def test_task_page_renders_the_form_with_labels_and_required_marks(
    client: FlaskClient, deployed: Policyflow
) -> None:
    deployed.start("annual_report", "cv_vhtt", P3_START, now=NOW)
    task = task_of(deployed, "xa_xuanbac", "Unit_draft")
    login(client, "xa_xuanbac")
    page = client.get(f"/tasks/{task['id']}").text
    assert "Số lớp tập huấn, bồi dưỡng đã tổ chức" in page
    assert re.search(r'name="training_courses" required[^>]*type="number"', page)
    assert 'class="req"' in page
    assert 'id="diagram"' in page and f'data-current="{task["element_id"]}"' in page
    assert "Năm báo cáo" in page  # the instance's earlier data, with the form's label


def test_a_form_error_keeps_the_typed_values(client: FlaskClient, deployed: Policyflow) -> None:
    deployed.start("annual_report", "cv_vhtt", P3_START, now=NOW)
    task = task_of(deployed, "xa_xuanbac", "Unit_draft")
    login(client, "xa_xuanbac")
    url = f"/tasks/{task['id']}"
    typed = {**UNIT_REPORT, "trainees": "mười"}  # not a number
    response = post(client, url, typed, url)
    assert response.status_code == 400
    assert "Cần một số nguyên." in response.text
    assert 'value="mười"' in response.text and "Thiếu kinh phí" in response.text
    missing = {k: v for k, v in UNIT_REPORT.items() if k != "budget_spent"}
    response = post(client, url, missing, url)
    assert response.status_code == 400  # the engine's field error, next to the field
    assert re.search(r'id="f-budget_spent-err">Trường bắt buộc', response.text)
    assert "Bổ sung biên chế" in response.text
    assert deployed.task(task["id"], "xa_xuanbac")["state"] == "open"


def test_completing_a_task_moves_it_out_of_the_inbox(
    client: FlaskClient, deployed: Policyflow
) -> None:
    deployed.start("annual_report", "cv_vhtt", P3_START, now=NOW)
    task = task_of(deployed, "xa_xuanbac", "Unit_draft")
    login(client, "xa_xuanbac")
    url = f"/tasks/{task['id']}"
    response = post(client, url, UNIT_REPORT, url)
    assert response.status_code == 302
    assert task["id"] not in client.get("/").text
    assert task["id"] in client.get("/?box=completed").text
    [done] = [e for e in deployed.history(task["instance_id"]) if e["command"] == "complete"]
    assert done["payload"]["data"]["training_courses"] == 1  # typed: an integer


def test_claim_and_unclaim_from_the_inbox(client: FlaskClient, deployed: Policyflow) -> None:
    deployed.start("annual_report", "cv_vhtt", P3_START, now=NOW)
    task = task_of(deployed, "xa_xuanbac", "Unit_draft")
    login(client, "xa_xuanbac")
    assert post(client, f"/tasks/{task['id']}/claim", {"next": "/"}).status_code == 302
    mine = client.get("/?box=mine").text
    assert task["id"] in mine and "Bạn đã nhận công việc." in mine
    assert post(client, f"/tasks/{task['id']}/unclaim", {}).status_code == 302
    assert task["id"] not in client.get("/?box=mine").text


def test_html_in_a_form_value_is_stored_as_given_and_shown_escaped(
    client: FlaskClient, deployed: Policyflow
) -> None:
    title = "Kế hoạch <script>alert(1)</script> & <b>đậm</b>"
    login(client, "cv_vhtt")
    started = post(
        client,
        "/processes/document_approval/start",
        {"doc_type": "KH", "doc_title": title},
        "/processes/document_approval/start",
    )
    assert started.status_code == 302
    instance_id = deployed.instances(None)["items"][0]["id"]
    assert deployed.show(instance_id)["data"]["doc_title"] == title
    for page in (client.get(started.location).text, client.get(f"/instances/{instance_id}").text):
        assert "<script>" not in page and "<b>đậm" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_language_switch_to_english(client: FlaskClient) -> None:
    login(client, "cv_vhtt")
    response = post(client, "/lang/en", {"next": "/instances"})
    assert response.status_code == 302 and response.location.endswith("/instances")
    page = client.get("/").text
    assert '<html lang="en">' in page and "Sign out" in page and "To do" in page
    post(client, "/lang/vi", {})
    assert "Đăng xuất" in client.get("/").text


def test_instance_page_shows_timeline_and_diagram(
    client: FlaskClient, deployed: Policyflow
) -> None:
    started = deployed.start("annual_report", "cv_vhtt", P3_START, now=NOW)
    login(client, "cv_vhtt")
    page = client.get(f"/instances/{started['id']}").text
    assert 'id="diagram"' in page and "data-states=" in page and "data-flows=" in page
    assert "Nguyễn Thị Hoa" in page and "khởi tạo hồ sơ" in page  # the timeline
    assert "19/11/2024 23:59" in page  # dates as dd/mm/yyyy (report_due_at)
    xml = client.get(f"/instances/{started['id']}/diagram.xml")
    assert xml.status_code == 200 and b"bpmndi:BPMNDiagram" in xml.data
    post(client, f"/instances/{started['id']}/comments", {"body": "Đề nghị <i>khẩn</i>"})
    page = client.get(f"/instances/{started['id']}").text
    assert "Đề nghị &lt;i&gt;khẩn&lt;/i&gt;" in page


def test_admin_only_buttons(client: FlaskClient, deployed: Policyflow) -> None:
    started = deployed.start("annual_report", "cv_vhtt", P3_START, now=NOW)
    url = f"/instances/{started['id']}"
    login(client, "cv_vhtt")
    assert "/suspend" not in client.get(url).text
    assert post(client, f"{url}/cancel", {}, url).status_code == 403
    assert deployed.show(started["id"])["status"] == "running"
    client.get("/login")
    post(client, "/logout", {})
    login(client, "admin")
    page = client.get(url).text
    assert f"{url}/suspend" in page and f"{url}/cancel" in page
    assert post(client, f"{url}/suspend", {}, url).status_code == 302
    assert deployed.show(started["id"])["status"] == "suspended"


def test_start_redirects_to_the_first_task_when_it_is_mine(client: FlaskClient) -> None:
    login(client, "cv_vhtt")
    url = "/processes/document_approval/start"
    response = post(client, url, {"doc_type": "QĐ", "doc_title": "Quyết định thành lập Tổ"}, url)
    assert response.status_code == 302 and "/tasks/" in response.location
    page = client.get(response.location).text
    assert "Soạn thảo" in page


def test_review_form_marks_the_return_choice(client: FlaskClient, deployed: Policyflow) -> None:
    deployed.start("document_approval", "cv_vhtt", {"doc_type": "KH", "doc_title": "KH"}, now=NOW)
    draft = task_of(deployed, "cv_vhtt", "Draft")
    deployed.complete(draft["id"], "cv_vhtt", {"draft_summary": "Dự thảo"}, now=NOW)
    review = task_of(deployed, "tp_vhtt", "Review")
    login(client, "tp_vhtt")
    page = client.get(f"/tasks/{review['id']}").text
    assert "Trả lại, yêu cầu chỉnh sửa" in page
    assert re.search(r'class="choice choice-return">\s*<input type="radio"', page)
    assert "Giao cho người khác" in page  # a leader may reassign


def test_bpmn_js_is_served_from_node_modules(client: FlaskClient) -> None:
    login(client, "cv_vhtt")
    script = client.get("/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js")
    assert script.status_code == 200 and b"BpmnJS" in script.data[:100000]
    assert client.get("/vendor/bpmn-js/../../package.json").status_code == 404


def test_form_values_are_typed_from_the_schema(app: Flask) -> None:
    from werkzeug.datastructures import MultiDict

    from web import forms

    schema = {
        "properties": {
            "at": {"type": "string", "format": "date-time", "title": "Lúc"},
            "on": {"type": "string", "format": "date"},
            "n": {"type": "number"},
            "ok": {"type": "boolean"},
            "units": {"type": "array", "items": {"type": "string", "format": "org-unit"}},
            "to": {
                "type": "array",
                "items": {"type": "string", "oneOf": [{"const": "a"}, {"const": "b"}]},
            },
            "note": {"type": "string", "x-widget": "textarea"},
        },
        "required": ["at"],
    }
    form = MultiDict(
        [("at", "2024-10-01T08:30"), ("on", "2024-10-02"), ("n", "1,5"), ("units", "xa-tra-lu"),
         ("units", "xa-xuan-ninh"), ("to", "b"), ("note", "")]
    )  # fmt: skip
    with app.test_request_context():
        data, _raw, errors = forms.parse(schema, form)
        described = forms.fields(schema, forms.initial(schema, data))
    assert errors == {}
    assert data == {
        "at": "2024-10-01T08:30:00+07:00",
        "on": "2024-10-02",
        "n": 1.5,
        "ok": False,
        "units": ["xa-tra-lu", "xa-xuan-ninh"],
        "to": ["b"],
    }
    widgets = {f.name: f.widget for f in described}
    assert widgets == {
        "at": "datetime", "on": "date", "n": "number", "ok": "checkbox", "units": "units",
        "to": "checkboxes", "note": "textarea",
    }  # fmt: skip
    assert described[0].value == "2024-10-01T08:30" and described[0].required


def test_an_attachment_field_uploads_once_and_keeps_the_id(app: Flask) -> None:
    from io import BytesIO

    from werkzeug.datastructures import FileStorage, MultiDict

    from web import forms

    schema = {"properties": {"file": {"type": "string", "format": "attachment", "title": "Tệp"}}}
    uploaded: list[str] = []

    def upload(file: FileStorage) -> str:
        uploaded.append(file.filename or "")
        return "att-1"

    files = {"file": FileStorage(BytesIO(b"%PDF"), filename="báo cáo.pdf")}
    with app.test_request_context():
        data, raw, _errors = forms.parse(schema, MultiDict(), files, upload)
        [field] = forms.fields(schema, raw)
        again, _raw, _errors = forms.parse(schema, MultiDict(raw), {}, upload)
    assert data == again == {"file": "att-1"} and uploaded == ["báo cáo.pdf"]
    assert field.widget == "file" and field.value == "att-1" and field.filename == "báo cáo.pdf"


# -- the QA pass: who acts, what the case is, readable data ----------------------------


def test_inbox_rows_name_the_case_the_role_and_the_unit(
    client: FlaskClient, deployed: Policyflow
) -> None:
    started = deployed.start("annual_report", "cv_vhtt", P3_START, now=NOW)
    deployed.start("document_approval", "cv_vhtt", {"doc_type": "KH", "doc_title": "KH 2025"})
    task = task_of(deployed, "xa_xuanbac", "Unit_draft")
    login(client, "xa_xuanbac")
    page = client.get("/").text
    row = page[page.index(f'data-task-id="{task["id"]}"') :]
    row = row[: row.index("</tr>")]
    assert f'data-instance-id="{started["id"]}"' in row
    assert "Báo cáo kết quả truyền thông chính sách năm 2024" in row  # the case, by its year
    assert "Cơ quan, đơn vị; UBND xã, thị trấn" in row and "Xã Trà Lũ" in row  # role, unit
    client.get("/login")
    post(client, "/logout", {})
    login(client, "cv_vhtt")
    page = client.get("/").text
    draft = task_of(deployed, "cv_vhtt", "Draft")
    row = page[page.index(f'data-task-id="{draft["id"]}"') :]
    assert "KH 2025" in row[: row.index("</tr>")]  # the document's title
    assert "Chuyên viên Phòng VH&amp;TT" in row[: row.index("</tr>")]


def test_instance_page_names_people_and_labels_the_data(
    client: FlaskClient, deployed: Policyflow
) -> None:
    started = deployed.start("annual_report", "cv_vhtt", P3_START, now=NOW)
    login(client, "cv_vhtt")
    page = client.get(f"/instances/{started['id']}").text
    facts = page[page.index('class="facts"') : page.index("</dl>", page.index('class="facts"'))]
    assert '<dd title="cv_vhtt">Nguyễn Thị Hoa</dd>' in facts  # the name, the username on hover
    waiting = page[
        page.index('id="open-title"') : page.index("</section>", page.index("open-title"))
    ]
    assert "Cơ quan, đơn vị; UBND xã, thị trấn" in waiting  # the role of each open task
    data = page[page.index('id="data-title"') :]
    data = data[: data.index("</section>")]
    assert "Năm báo cáo" in data and "Công văn hướng dẫn, đề cương" in data
    for internal in ("reporting_units", "instance_unit", "initiator", "config", "deadline_at"):
        assert internal not in data
    assert 'class="diagram-tools"' in page and 'data-zoom="fit"' in page
    assert 'data-zoom="current"' not in page  # only a task page has a current step


def test_a_units_figures_are_labelled_and_unit_codes_named(
    client: FlaskClient, deployed: Policyflow
) -> None:
    deployed.start("annual_report", "cv_vhtt", P3_START, now=NOW)
    draft = task_of(deployed, "xa_xuanbac", "Unit_draft")
    report = {k: int(v) for k, v in UNIT_REPORT.items() if k in FIGURES}
    deployed.complete(draft["id"], "xa_xuanbac", {**report, "budget_spent": 12500000})
    approve = task_of(deployed, "xa_xuanbac", "Unit_approve")
    login(client, "xa_xuanbac")
    page = client.get(f"/tasks/{approve['id']}").text
    side = page[page.index('id="data-title"') :]
    side = side[: side.index("</section>")]
    assert "Kinh phí đã sử dụng (đồng)" in side and "12.500.000" in side
    assert "Dữ liệu khác" not in side  # nothing left under raw keys
    assert "reporting_unit" not in side and "Khó khăn, vướng mắc" not in side  # empty: left out


def test_empty_difficulties_and_proposals_are_sent_as_empty_text(
    client: FlaskClient, deployed: Policyflow
) -> None:
    deployed.start("annual_report", "cv_vhtt", P3_START, now=NOW)
    task = task_of(deployed, "xa_xuanbac", "Unit_draft")
    login(client, "xa_xuanbac")
    url = f"/tasks/{task['id']}"
    page = client.get(url).text
    assert not re.search(r'name="difficulties" required', page)
    assert re.search(r'<input type="file" id="f-report_file" name="report_file"', page)
    blank = UNIT_REPORT | {"difficulties": "", "proposals": "  "}
    assert post(client, url, blank, url).status_code == 302
    [done] = [e for e in deployed.history(task["instance_id"]) if e["command"] == "complete"]
    assert done["payload"]["data"]["difficulties"] == ""
    assert done["payload"]["data"]["proposals"] == ""  # only spaces: nothing to report


def test_claim_is_explained_and_the_start_flash_links_the_case(
    client: FlaskClient, deployed: Policyflow
) -> None:
    deployed.start("annual_report", "cv_vhtt", P3_START, now=NOW)
    task = task_of(deployed, "xa_xuanbac", "Unit_draft")
    login(client, "xa_xuanbac")
    page = client.get(f"/tasks/{task['id']}").text
    assert "Nhận việc để người khác biết bạn đang xử lý — không bắt buộc." in page
    assert 'data-zoom="current"' in page
    client.get("/login")
    post(client, "/logout", {})
    login(client, "cv_vhtt")
    url = "/processes/document_approval/start"
    response = post(client, url, {"doc_type": "KH", "doc_title": "Kế hoạch"}, url)
    instance_id = deployed.instances(None)["items"][0]["id"]
    page = client.get(response.location).text
    assert re.search(
        rf'Đã khởi tạo hồ sơ số {instance_id}\. <a href="/instances/{instance_id}"', page
    )


def test_optional_text_with_an_empty_default_is_sent_empty(app: Flask) -> None:
    from werkzeug.datastructures import MultiDict

    from web import forms

    schema = {
        "properties": {
            "note": {"type": "string", "default": ""},
            "kept": {"type": "string", "default": "x"},
            "must": {"type": "string", "default": ""},
        },
        "required": ["must"],
    }
    with app.test_request_context():
        data, _raw, errors = forms.parse(schema, MultiDict({"note": "", "kept": "", "must": ""}))
    assert data == {"note": ""} and errors == {}  # required stays required; "x" not invented


def test_case_titles_and_hidden_keys(app: Flask) -> None:
    from engine.commands.start import case_title
    from web import forms

    with app.test_request_context():
        assert case_title("Báo cáo năm", {"year": 2025}) == "Báo cáo năm 2025"
        assert case_title("P", {"case_title": " Vụ A ", "year": 2025}) == "Vụ A"
        assert case_title("P", {"doc_type": "KH"}) == ""
        main, other = forms.describe_data(
            {"spiff_x": 1, "notify_result": {"sent": 2}, "data_objects": {}, "foo": "bar",
             "response_due": "5WD", "decision": "provide"},
            [{"properties": {"decision": {"title": "Quyết định",
                                          "oneOf": [{"const": "provide", "title": "Cung cấp"}]}}}],
            {"decision": "Quyết định (nhãn)"},
        )  # fmt: skip
    assert [(e.label, e.text) for e in main] == [
        ("Quyết định", "Cung cấp"),
        ("Hạn trả lời", "5 ngày làm việc"),
    ]
    assert [e.label for e in other] == ["foo"]


def test_an_overdue_escalation_reaches_the_notifications_page(
    client: FlaskClient, deployed: Policyflow
) -> None:
    deployed.deploy(
        (DATA / "linear3.bpmn").read_text(), read_forms(DATA / "forms"), "chu_quy_trinh"
    )
    deployed.start("linear3", "cv_vhtt", {}, now=NOW)
    assert deployed.jobs.send_reminders(NOW + timedelta(days=10)) == 1  # Draft (2WD) is overdue
    login(client, "cv_vhtt")
    inbox = client.get("/").text
    assert re.search(r"Thông báo</span><span class=\"count\">1<", inbox)
    page = client.get("/notifications").text
    assert "QUÁ HẠN: việc «Soạn thảo» đã quá hạn" in page
    assert "notice unread overdue" in page
    response = post(client, "/notifications/read", {}, "/notifications")
    assert response.status_code == 302
    assert "notice unread" not in client.get("/notifications").text
    assert not re.search(r"Thông báo</span><span class=\"count\">", client.get("/").text)
