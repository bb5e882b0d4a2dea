"""P5's pages and API: `/monitoring` lists the items with their state in Vietnamese, the
platform's overdue 24 hours marked; an item's case and the P1 rebuttal it started link to
each other on their instance pages; GET /api/v1/monitoring-items answers as documented; a
commune officer of another administration sees none of the district's items."""

import pytest
from flask import Flask

from engine.facade import Policyflow
from tests.api.test_api import PREFIX, Api, reset_demo_passwords
from tests.engine.processes.test_fake_news import (
    TUESDAY,
    evidence_and_classify,
    found_item,
    local,
    request_removal,
    scan_day,
    start_term,
)
from tests.web_client import signed_in
from web import create_app

pytestmark = pytest.mark.usefixtures("every_instance_replays")


@pytest.fixture
def app(deployed: Policyflow) -> Flask:
    reset_demo_passwords(deployed.url)
    return create_app({"DATABASE_URL": deployed.url, "TESTING": True, "SECRET_KEY": "test"})


def two_items(pf: Policyflow) -> tuple[int, int, int]:
    """A rebuttal (its item case, its P1 case) and a removal left past its 24 hours."""
    term = start_term(pf, TUESDAY)
    scan_day(term, "2024-10-02")
    rebutted = found_item(pf, term)
    evidence_and_classify(rebutted, "policy_misinfo", local("2024-10-02", 10))
    press = rebutted.data()["press_case"]["instance_id"]
    late = found_item(pf, term)
    request_removal(late, local("2024-10-02", 11))
    pf.fire_due_timers(local("2024-10-03", 12))
    return rebutted.id, press, late.id


def test_the_list_and_the_links_both_ways(app: Flask, deployed: Policyflow) -> None:
    item, press, late = two_items(deployed)
    head, _ = signed_in(app, "tp_vhtt")
    page = head.get("/monitoring")
    assert page.status_code == 200
    assert "Theo dõi tin trên mạng" in page.text and 'href="/monitoring"' in page.text
    assert "Phát ngôn cải chính (P1)" in page.text and "Sai về chủ trương, chính sách" in page.text
    assert "Đã yêu cầu gỡ bỏ" in page.text and "Quá hạn" in page.text
    assert f'href="/instances/{press}"' in page.text and f'href="/instances/{late}"' in page.text
    assert "Ảnh chụp màn hình" in page.text and "Hạn gỡ bỏ 03/10/2024 11:00" in page.text  # local
    only = head.get("/monitoring?status=rebuttal").text
    assert f'href="/instances/{item}"' in only and f'href="/instances/{late}"' not in only
    # The P1 case names its item; the item's case names the P1 case.
    p1_page = head.get(f"/instances/{press}").text
    assert "Tin theo dõi liên quan" in p1_page and f'href="/instances/{item}"' in p1_page
    item_page = head.get(f"/instances/{item}").text
    assert "Tin theo dõi liên quan" in item_page and f'href="/instances/{press}"' in item_page
    other, _ = signed_in(app, "xa_xuanbac")
    assert "Chưa có tin nào." in other.get("/monitoring").text


def test_the_api_lists_the_items(app: Flask, deployed: Policyflow) -> None:
    item, press, late = two_items(deployed)
    client = app.test_client()
    api = Api(client, client.get(f"{PREFIX}/openapi.json").json)
    found = api.get("tp_vhtt", "/monitoring-items")
    assert found.status_code == 200
    rows = {r["instance_id"]: r for r in found.json["items"]}
    assert rows[item]["press_instance_id"] == press and rows[item]["status"] == "rebuttal"
    assert rows[late]["removal_overdue"] is True and rows[late]["status"] == "removal_requested"
    removed = api.get("tp_vhtt", "/monitoring-items", status="removed")
    assert removed.status_code == 200 and removed.json["items"] == []
    assert api.get("tp_vhtt", "/monitoring-items", status="gone").status_code == 400
    assert api.get("xa_xuanbac", "/monitoring-items").json["items"] == []
