"""The people administration over the API (/api/v1/admin/users, /admin/roles): every
answer checked against the OpenAPI document (tests.api.test_api.Api), admins only."""

import pytest
from flask import Flask

from engine.facade import Policyflow
from tests.api.test_api import PREFIX, Api, error_of, reset_demo_passwords
from tests.conftest import NOW
from web import create_app

P3_START = {"year": 2024, "outline_ref": "123/VHTT"}
NEW = {"username": "xa_ninh_api", "full_name": "Đỗ Thị Mới", "email": "api@example.vn"}
ROLE = {"role": "don_vi", "unit": "xa-xuan-ninh", "from": "2025-01-01"}


@pytest.fixture
def app(deployed: Policyflow) -> Flask:
    reset_demo_passwords(deployed.url)
    return create_app({"DATABASE_URL": deployed.url, "TESTING": True, "WTF_CSRF_ENABLED": True})


@pytest.fixture
def engine(app: Flask) -> Policyflow:
    return app.extensions["policyflow"]


@pytest.fixture
def api(app: Flask) -> Api:
    client = app.test_client()
    return Api(client, client.get(f"{PREFIX}/openapi.json").json)


TARGETS = [
    ("GET", "/admin/users"),
    ("POST", "/admin/users"),
    ("GET", "/admin/users/xa_xuanbac"),
    ("PATCH", "/admin/users/xa_xuanbac"),
    ("POST", "/admin/users/xa_xuanbac/deactivate"),
    ("POST", "/admin/users/xa_xuanbac/reset-password"),
    ("POST", "/admin/users/xa_xuanbac/unlock"),
    ("POST", "/admin/users/xa_xuanbac/roles"),
    ("POST", "/admin/roles/1/end"),
]


def test_an_admin_creates_a_user_grants_a_role_and_the_user_works(
    api: Api, engine: Policyflow
) -> None:
    created = api.post("admin", "/admin/users", {**NEW, "reason": "tuyển dụng"})
    assert created.status_code == 200, created.json
    password = created.json["one_time_password"]
    granted = api.post("admin", f"/admin/users/{NEW['username']}/roles", ROLE)
    assert granted.status_code == 200, granted.json
    holding = granted.json["holding"]["id"]
    engine.start("annual_report", "cv_vhtt", P3_START, now=NOW)
    res = api.call(None, "POST", "/auth/token", {"username": NEW["username"], "password": password})
    assert res.status_code == 200
    api.tokens[NEW["username"]] = res.json["token"]
    tasks = api.get(NEW["username"], "/tasks").json["items"]
    assert [t["unit"] for t in tasks] == ["xa-xuan-ninh"]
    assert api.post(NEW["username"], f"/tasks/{tasks[0]['id']}/claim").status_code == 200
    listed = api.get("admin", "/admin/users", q="mới", unit="xa-xuan-ninh").json
    assert [u["username"] for u in listed["items"]] == [NEW["username"]]
    ended = api.post("admin", f"/admin/roles/{holding}/end", {"on": "2025-06-02"})
    assert ended.status_code == 200, ended.json
    assert [r["task_id"] for r in ended.json["released"]] == [tasks[0]["id"]]
    assert api.get(NEW["username"], "/tasks").json["items"] == []
    again = api.post("admin", f"/admin/roles/{holding}/end", {"on": "2025-06-02"})
    error_of(again, 409)
    patched = api.call("admin", "PATCH", f"/admin/users/{NEW['username']}", {"phone": "0912"})
    assert patched.status_code == 200 and patched.json["phone"] == "0912"
    reset = api.post("admin", f"/admin/users/{NEW['username']}/reset-password", {})
    assert reset.status_code == 200
    assert api.get(NEW["username"], "/me").status_code == 401  # the old token ended
    assert api.post("admin", f"/admin/users/{NEW['username']}/unlock").status_code == 200
    gone = api.post("admin", f"/admin/users/{NEW['username']}/deactivate", {"reason": "nghỉ"})
    assert gone.status_code == 200 and not gone.json["user"]["active"]
    commands = [e["command"] for e in engine.audit.admin_events("admin")["items"]]
    assert commands == [
        "user_deactivate",
        "user_unlock",
        "password_reset",
        "user_update",
        "role_end",
        "role_grant",
        "user_create",
    ]
    assert engine.audit.verify_log()["intact"]


def test_bad_input_is_400_with_field_errors_and_stores_nothing(api: Api) -> None:
    bad = api.post("admin", "/admin/users", {"username": "Có Dấu", "full_name": ""})
    assert set(error_of(bad, 400)["field_errors"]) == {"username", "full_name"}
    error_of(api.post("admin", "/admin/users", {"username": "admin", "full_name": "A"}), 409)
    grant = api.post("admin", "/admin/users/xa_xuanbac/roles", {"role": "x", "unit": "y"})
    assert set(error_of(grant, 400)["field_errors"]) == {"role", "unit", "from"}
    error_of(api.get("admin", "/admin/users/no_such_user"), 404)
    assert api.get("admin", "/admin/users", q="Có Dấu").json["total"] == 0


def test_csv_import_with_a_dry_run(api: Api) -> None:
    csv = "username,full_name,role,unit,from\nxa_csv,Người CSV,don_vi,xa-xuan-ninh,2025-01-01\n"
    dry = api.call("admin", "POST", "/admin/users/import?dry_run=1", raw=csv,
                   content_type="text/csv")  # fmt: skip
    assert dry.status_code == 200, dry.json
    assert dry.json["dry_run"] and dry.json["counts"] == {"users": 1, "holdings": 1}
    error_of(api.get("admin", "/admin/users/xa_csv"), 404)
    done = api.call("admin", "POST", "/admin/users/import", raw=csv, content_type="text/csv")
    assert done.status_code == 200 and list(done.json["one_time_passwords"]) == ["xa_csv"]
    assert api.get("admin", "/admin/users/xa_csv").json["holdings"][0]["unit"] == "xa-xuan-ninh"
    wrong = api.call("admin", "POST", "/admin/users/import", raw=csv, content_type="text/plain")
    error_of(wrong, 415)


def test_non_admins_get_403_on_every_admin_route(api: Api, app: Flask) -> None:
    for user in ("xa_xuanbac", "ct_ubnd", "kiem_toan", "chu_quy_trinh"):
        for method, path in TARGETS:
            res = api.call(user, method, path, {})
            error_of(res, 403)
        res = api.call(user, "POST", "/admin/users/import", raw="a,b\n", content_type="text/csv")
        error_of(res, 403)
    assert api.get("admin", "/admin/users/xa_xuanbac").json["active"]
