"""The audit log for auditors (issue 6): an instance's history exported as JSON and as a
printable page, and the search across instances (page and API), each under the same
visibility rules as the instance page.

The log: a district document (started, drafted, reviewed, then commented on just after
local midnight), the annual report (both communes claim their own task) and a short
process whose instance belongs to Xuân Bắc.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select, update

from engine.audit.blobs import canonical
from engine.audit.chain import GENESIS
from engine.facade import Policyflow
from engine.store.db import transaction
from engine.store.models import AuditEvent
from tests.api.test_api import DEMO_USERS, PREFIX, Api, error_of, reset_demo_passwords
from tests.conftest import NOW, deploy_test_model
from tests.processes import DRAFT, REVIEW_OK, act
from tests.web.test_web_ui import csrf, login
from web import create_app
from web.views import audit as audit_views

DOC_START = {"doc_type": "KH", "doc_title": "Kế hoạch truyền thông"}
P3_START = {"year": 2024, "outline_ref": "123/VHTT"}
COMMENT_AT = NOW + timedelta(hours=9, minutes=30)  # 17:30 UTC: 00:30 on 2 Oct in Việt Nam


@dataclass
class Log:
    pf: Policyflow
    app: Flask
    api: Api
    doc: int  # document_approval: start, Draft, Review (1 Oct), a comment (2 Oct local)
    report: int  # annual_report: start (1 Oct), Xuân Bắc claims (3 Oct), Xuân Ninh (4 Oct)
    bac: int  # linear3 of Xuân Bắc's unit: start (5 Oct)

    def client(self, username: str) -> FlaskClient:
        client = self.app.test_client()
        login(client, username)
        return client


def own_task(pf: Policyflow, username: str, instance_id: int) -> str:
    [task] = [t for t in pf.tasks(username) if t["instance_id"] == instance_id]
    return str(task["id"])


@pytest.fixture
def log(deployed: Policyflow) -> Log:
    reset_demo_passwords(deployed.url)
    app = create_app({"DATABASE_URL": deployed.url, "TESTING": True, "SECRET_KEY": "test"})
    pf: Policyflow = app.extensions["policyflow"]
    deploy_test_model(pf, "linear3.bpmn")
    doc = pf.start("document_approval", "cv_vhtt", DOC_START, now=NOW)["id"]
    act(pf, doc, "cv_vhtt", "Draft", DRAFT, NOW + timedelta(hours=1))
    act(pf, doc, "tp_vhtt", "Review", REVIEW_OK, NOW + timedelta(hours=2))
    report = pf.start("annual_report", "cv_vhtt", P3_START, now=NOW + timedelta(hours=3))["id"]
    pf.add_comment(doc, "vp_ubnd", "Đã xem thể thức", now=COMMENT_AT)
    pf.claim(own_task(pf, "xa_xuanbac", report), "xa_xuanbac", now=NOW + timedelta(days=2))
    pf.claim(own_task(pf, "xa_xuanninh", report), "xa_xuanninh", now=NOW + timedelta(days=3))
    bac = pf.start("linear3", "cv_vhtt", {"unit": "xa-tra-lu"}, now=NOW + timedelta(days=4))
    client = app.test_client()
    api = Api(client, client.get(f"{PREFIX}/openapi.json").json)
    return Log(pf, app, api, doc, report, bac["id"])


def events(log: Log, user: str, **query: object) -> list[tuple[int, int]]:
    """(instance, seq) of every event the API finds for the user, in its order."""
    body = log.api.get(user, "/audit/events", per_page=200, **query).json
    assert body["total"] == len(body["items"])
    return [(e["instance_id"], e["seq"]) for e in body["items"]]


def stored(log: Log, instance_id: int) -> list[AuditEvent]:
    with transaction(log.pf.url) as s:
        query = select(AuditEvent).where(AuditEvent.instance_id == instance_id)
        return list(s.scalars(query.order_by(AuditEvent.seq)))


# -- the JSON export ----------------------------------------------------------------


def test_the_json_export_has_every_event_its_hashes_and_the_intact_chain(log: Log) -> None:
    res = log.client("kiem_toan").get(f"/instances/{log.doc}/history.json")
    assert res.status_code == 200 and res.mimetype == "application/json"
    disposition = res.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="ho-so-{log.doc}-lich-su.json"'
    body = json.loads(res.get_data(as_text=True))
    assert set(body) == {"instance", "events", "blobs", "chain", "exported_at", "exported_by"}
    [digest] = body["blobs"]  # the start's shared data, which the export proves too
    assert body["events"][0]["payload"]["injected_ref"] == digest
    assert hashlib.sha256(canonical(body["blobs"][digest])).hexdigest() == digest
    assert body["instance"] == {
        "id": log.doc, "process_key": "document_approval",
        "process_name": body["instance"]["process_name"], "version": 1,
        "case_title": body["instance"]["case_title"], "status": "running",
        "unit": "phong-vhtt", "unit_name": "Phòng Văn hóa và Thông tin",
        "started_by": "cv_vhtt", "started_at": NOW.isoformat(), "ended_at": None,
    }  # fmt: skip
    assert "Kế hoạch truyền thông" in body["instance"]["case_title"]
    assert body["chain"] == {"intact": True, "breaks": []}
    assert body["exported_by"] == "kiem_toan"
    assert datetime.fromisoformat(body["exported_at"]) > NOW
    rows = stored(log, log.doc)
    assert [e["seq"] for e in body["events"]] == [r.seq for r in rows] == [1, 2, 3, 4]
    for event, row in zip(body["events"], rows, strict=True):
        assert (event["hash"], event["prev_hash"]) == (row.hash, row.prev_hash)
        assert (event["global_seq"], event["checkpoint"]) == (row.id, None)  # none written yet
        assert (event["payload"], event["result"]) == (row.payload, row.result)
        assert datetime.fromisoformat(event["at"]) == row.at
    assert [e["prev_hash"] for e in body["events"]] == [
        GENESIS,
        *(e["hash"] for e in body["events"][:-1]),
    ]
    first, draft, _, comment = body["events"]
    assert (first["actor"], first["actor_name"], first["command"]) == (
        "cv_vhtt",
        "Nguyễn Thị Hoa",
        "start",
    )
    assert first["payload"]["data"] == DOC_START
    assert draft["command"] == "complete" and draft["task_name"] == "Soạn thảo, hoàn thiện dự thảo"
    assert (comment["actor_name"], comment["payload"]["body"]) == ("Lê Thị Lan", "Đã xem thể thức")


def test_the_export_of_a_tampered_log_reports_the_broken_chain(log: Log) -> None:
    draft = stored(log, log.doc)[1]
    forged = {**draft.payload, "data": {**draft.payload["data"], "draft_summary": "Khác"}}
    with transaction(log.pf.url) as s:
        s.execute(update(AuditEvent).where(AuditEvent.id == draft.id).values(payload=forged))
    client = log.client("kiem_toan")
    body = client.get(f"/instances/{log.doc}/history.json").json
    assert body["chain"] == {
        "intact": False,
        "breaks": [{"seq": 2, "reason": "content changed after it was written"}],
    }
    assert body["events"][1]["payload"] == forged  # what the database holds, flagged
    page = client.get(f"/instances/{log.doc}/history/print").text
    assert "Chuỗi băm: bị phá vỡ tại sự kiện 2 (nội dung đã bị sửa sau khi ghi)" in page
    assert "Chuỗi băm: nguyên vẹn" not in page


def test_a_deleted_last_event_is_reported(log: Log) -> None:
    with transaction(log.pf.url) as s:
        last = select(AuditEvent.id).where(AuditEvent.instance_id == log.doc, AuditEvent.seq == 4)
        s.execute(delete(AuditEvent).where(AuditEvent.id == last.scalar_subquery()))
    body = log.client("admin").get(f"/instances/{log.doc}/history.json").json
    assert [e["seq"] for e in body["events"]] == [1, 2, 3]
    assert body["chain"]["breaks"] == [{"seq": 3, "reason": "the last event is missing"}]
    page = log.client("admin").get(f"/instances/{log.doc}/history/print").text
    assert "bị phá vỡ tại sự kiện 3 (sự kiện cuối cùng đã bị xóa)" in page


def test_a_commune_exports_only_its_part_and_nothing_of_others(log: Log) -> None:
    client = log.client("xa_xuanbac")
    body = client.get(f"/instances/{log.report}/history.json").json
    assert [(e["seq"], e["actor"]) for e in body["events"]] == [(1, "cv_vhtt"), (2, "xa_xuanbac")]
    assert body["chain"]["intact"]
    for suffix in ("history.json", "history/print"):
        assert client.get(f"/instances/{log.doc}/{suffix}").status_code == 404
        assert client.get(f"/instances/999999/{suffix}").status_code == 404
    page = client.get(f"/instances/{log.report}/history/print").text
    assert "Đặng Văn Bắc" in page and "Mai Thị Ninh" not in page
    anonymous = log.app.test_client().get(f"/instances/{log.doc}/history.json")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


# -- the printable page -------------------------------------------------------------


def test_the_printable_page_lists_every_step_in_words(log: Log) -> None:
    res = log.client("kiem_toan").get(f"/instances/{log.doc}/history/print")
    assert res.status_code == 200
    page = res.text
    assert "UBND huyện Xuân Trường" in page and "Lịch sử xử lý hồ sơ" in page
    assert "Kế hoạch truyền thông" in page  # the case's title
    rows = page[page.index("<tbody") : page.index("</tbody>")]
    assert rows.count("<tr data-seq=") == 4
    assert "01/10/2024 15:00" in rows and "02/10/2024 00:30" in rows  # local time
    for text in (
        "Nguyễn Thị Hoa", "Trần Văn Minh", "Lê Thị Lan",  # who, by full name
        "khởi tạo hồ sơ", "hoàn thành", "góp ý kiến",  # the command in Vietnamese
        "Soạn thảo, hoàn thiện dự thảo",  # the task's name
        "Loại văn bản:</span> Kế hoạch (KH)",  # submitted data, titled, choices in words
        "Trích yếu nội dung văn bản:</span> Kế hoạch truyền thông",
        "Ý kiến của Trưởng phòng:</span> Đồng ý nội dung, trình tiếp",
        "Ý kiến trao đổi:</span> Đã xem thể thức",
    ):  # fmt: skip
        assert text in rows, text
    for row in stored(log, log.doc):
        assert f'<code title="{row.hash}">{row.hash[:12]}</code>' in rows
    assert "Chuỗi băm: nguyên vẹn" in page


def test_the_printable_page_prints_with_a_static_script_and_an_a4_stylesheet(log: Log) -> None:
    client = log.client("kiem_toan")
    page = client.get(f"/instances/{log.doc}/history/print").text
    assert 'id="print-page"' in page and "In / Lưu PDF" in page
    assert '<script src="/static/history_print.js"' in page
    assert "<script>" not in page and "onclick" not in page  # the CSP forbids inline scripts
    assert 'href="/static/history_print.css"' in page
    script = client.get("/static/history_print.js").get_data(as_text=True)
    assert "window.print()" in script and "print-page" in script
    css = client.get("/static/history_print.css").get_data(as_text=True)
    printed = css[css.index("@media print") :]
    assert "size: A4" in printed and ".side" in printed and ".top" in printed
    assert ".no-print" in printed and 'class="print-tools no-print"' in page


def test_the_instance_page_links_to_both_exports(log: Log) -> None:
    page = log.client("xa_xuanbac").get(f"/instances/{log.report}").text
    assert f'href="/instances/{log.report}/history/print"' in page
    assert f'href="/instances/{log.report}/history.json"' in page


# -- the search: the API --------------------------------------------------------------


def test_the_auditor_finds_every_event_newest_first(log: Log) -> None:
    body = log.api.get("kiem_toan", "/audit/events").json
    assert (body["total"], body["page"], body["per_page"]) == (8, 1, 50)
    found = [(e["instance_id"], e["seq"]) for e in body["items"]]
    assert found == [
        (log.bac, 1), (log.report, 3), (log.report, 2), (log.doc, 4),
        (log.report, 1), (log.doc, 3), (log.doc, 2), (log.doc, 1),
    ]  # fmt: skip
    assert [e["global_seq"] for e in body["items"]] == list(range(8, 0, -1))
    claim = body["items"][2]
    assert claim["actor"] == "xa_xuanbac" and claim["actor_name"] == "Đặng Văn Bắc"
    assert claim["command"] == "claim" and claim["task_name"] == "Xây dựng báo cáo của đơn vị"
    assert (claim["unit"], claim["process_key"], claim["whole_instance"]) == (
        "phong-vhtt",
        "annual_report",
        True,
    )
    assert claim["hash"] == stored(log, log.report)[1].hash


def test_each_filter_and_their_combinations(log: Log) -> None:
    doc, report, bac = log.doc, log.report, log.bac
    assert events(log, "kiem_toan", actor="tp_vhtt") == [(doc, 3)]
    assert events(log, "kiem_toan", actor="nobody") == []
    assert events(log, "kiem_toan", unit="xa-tra-lu") == [(bac, 1)]
    assert len(events(log, "kiem_toan", unit="phong-vhtt")) == 7
    assert events(log, "kiem_toan", unit="huyen-xuan-truong") == []  # the unit itself only
    assert events(log, "kiem_toan", process="linear3") == [(bac, 1)]
    assert events(log, "kiem_toan", command="claim") == [(report, 3), (report, 2)]
    assert events(log, "kiem_toan", command="comment") == [(doc, 4)]
    assert events(log, "kiem_toan", command="timer") == []
    # Local dates: the comment at 17:30 UTC on 1 October was made on 2 October.
    assert events(log, "kiem_toan", date_to="2024-10-01") == [
        (report, 1), (doc, 3), (doc, 2), (doc, 1),
    ]  # fmt: skip
    assert events(log, "kiem_toan", date_from="2024-10-02", date_to="2024-10-03") == [
        (report, 2), (doc, 4),
    ]  # fmt: skip
    assert events(log, "kiem_toan", date_from="2024-10-05") == [(bac, 1)]
    assert events(log, "kiem_toan", process="annual_report", command="claim",
                  actor="xa_xuanninh") == [(report, 3)]  # fmt: skip
    assert events(log, "kiem_toan", process="document_approval", command="complete",
                  date_from="2024-10-01", date_to="2024-10-01") == [(doc, 3), (doc, 2)]  # fmt: skip
    assert events(log, "kiem_toan", unit="xa-tra-lu", command="claim") == []


def test_bad_parameters_are_400_naming_the_parameter(log: Log) -> None:
    error = error_of(log.api.get("kiem_toan", "/audit/events?unit=no-such-unit"), 400, "invalid")
    assert set(error["field_errors"]) == {"unit"} and "no-such-unit" in error["message"]
    for query, field in (
        ("command=delete", "command"),
        ("date_from=yesterday", "date_from"),
        ("date_to=2024-13-01", "date_to"),
        ("per_page=500", "per_page"),
        ("page=0", "page"),
    ):
        error = error_of(log.api.get("kiem_toan", f"/audit/events?{query}"), 400, "invalid")
        assert set(error["field_errors"]) == {field}, query
    error_of(log.api.get(None, "/audit/events"), 401, "unauthorized")


def page(log: Log, number: int) -> dict:
    return log.api.get("kiem_toan", "/audit/events", per_page=3, page=number).json


def test_pagination(log: Log) -> None:
    everything = events(log, "kiem_toan")
    pages = [page(log, n) for n in range(1, 5)]
    assert [len(p["items"]) for p in pages] == [3, 3, 2, 0]
    assert {p["total"] for p in pages} == {8}
    assert [(e["instance_id"], e["seq"]) for p in pages for e in p["items"]] == everything
    filtered = log.api.get("kiem_toan", "/audit/events", per_page=1, page=2, command="claim").json
    assert filtered["total"] == 2 and [e["seq"] for e in filtered["items"]] == [2]


def test_a_commune_finds_only_its_own_part(log: Log) -> None:
    assert events(log, "xa_xuanbac") == [(log.bac, 1), (log.report, 2), (log.report, 1)]
    assert events(log, "xa_xuanninh") == [(log.report, 3), (log.report, 1)]
    # Not even by asking for the other commune's unit, actor or event type.
    assert events(log, "xa_xuanninh", actor="xa_xuanbac") == []
    assert events(log, "xa_xuanninh", unit="xa-tra-lu") == []
    assert events(log, "xa_xuanninh", process="document_approval") == []
    assert events(log, "xa_xuanbac", command="claim") == [(log.report, 2)]
    items = log.api.get("xa_xuanbac", "/audit/events").json["items"]
    assert {e["instance_id"]: e["whole_instance"] for e in items} == {
        log.bac: True,  # of its own commune
        log.report: False,  # the district's, it only takes part in
    }


def test_everyone_finds_exactly_the_history_they_may_see(log: Log) -> None:
    """The search and the instance page's history agree, user by user."""
    for user in DEMO_USERS:
        visible = [i["id"] for i in log.pf.instances(user)["items"]]
        expected = {(i, e["seq"]) for i in visible for e in log.pf.history(i, user)}
        assert set(events(log, user)) == expected, user
    assert len(events(log, "admin")) == len(events(log, "kiem_toan")) == 8


# -- the search: the page -------------------------------------------------------------


def rows_of(page: str) -> str:
    return page[page.index("<tbody") : page.index("</tbody>")] if "<tbody" in page else ""


def test_the_search_page_links_each_event_to_its_instance_and_replay_step(log: Log) -> None:
    client = log.client("kiem_toan")
    page = client.get("/audit").text
    assert "Nhật ký" in page and 'href="/audit"' in page  # the navigation's link
    rows = rows_of(page)
    assert rows.count("<tr data-event=") == 8
    assert f'href="/instances/{log.report}"' in rows
    for instance_id, seq in ((log.doc, 1), (log.report, 3), (log.bac, 1)):
        assert f'href="/instances/{instance_id}/replay?step={seq}"' in rows
    assert "Đặng Văn Bắc" in rows and "nhận việc" in rows and "Xây dựng báo cáo" in rows
    assert "01/10/2024 15:00" in rows


def test_the_search_page_filters(log: Log) -> None:
    client = log.client("kiem_toan")
    rows = rows_of(client.get("/audit?command=claim&process=annual_report").text)
    assert rows.count("<tr data-event=") == 2
    assert f'data-event="{log.report}-3"' in rows and f'data-event="{log.report}-2"' in rows
    rows = rows_of(client.get("/audit?actor=vp_ubnd&date_from=2024-10-02&unit=phong-vhtt").text)
    assert rows.count("<tr data-event=") == 1 and f'data-event="{log.doc}-4"' in rows
    page = client.get("/audit?command=delete&date_from=never").text  # unusable: ignored
    assert rows_of(page).count("<tr data-event=") == 8
    page = client.get("/audit?actor=nobody").text
    assert "Không có sự kiện nào." in page


def test_an_unknown_unit_is_said_so_on_the_page(log: Log) -> None:
    res = log.client("kiem_toan").get("/audit?unit=no-such-unit")
    assert res.status_code == 400
    assert "Không có đơn vị mã &#39;no-such-unit&#39;." in res.text
    assert "Không có sự kiện nào." in res.text


def test_the_search_page_paginates(log: Log, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit_views, "PER_PAGE", 3)
    client = log.client("kiem_toan")
    first = client.get("/audit").text
    last = client.get("/audit?page=3").text
    assert rows_of(first).count("<tr data-event=") == 3 and "Trang 1/3" in first
    assert "page=2" in first
    assert rows_of(last).count("<tr data-event=") == 2 and "Trang 3/3" in last


def test_a_commune_sees_its_part_on_the_page_without_replay_links(log: Log) -> None:
    rows = rows_of(log.client("xa_xuanninh").get("/audit").text)
    assert rows.count("<tr data-event=") == 2
    assert "Đặng Văn Bắc" not in rows and f"/instances/{log.doc}" not in rows
    assert "/replay" not in rows  # the replay page is for those who see the whole instance
    rows = rows_of(log.client("xa_xuanbac").get("/audit").text)
    assert f'href="/instances/{log.bac}/replay?step=1"' in rows
    assert f"/instances/{log.report}/replay" not in rows


def test_the_page_in_english(log: Log) -> None:
    client = log.client("kiem_toan")
    page = client.get("/audit").text
    client.post("/lang/en", data={"csrf_token": csrf(page), "next": "/audit"})
    english = client.get("/audit").text
    assert "Audit log" in english and "Event type" in english and "claimed" in english
    printed = client.get(f"/instances/{log.doc}/history/print").text
    assert "Case history" in printed and "Hash chain: intact" in printed
