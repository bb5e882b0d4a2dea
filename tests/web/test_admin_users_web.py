"""The administrator's people pages (issue 19 items 1-2): the list and its search, a new
user whose one-time password is shown once, the engine's errors next to the fields with
what was typed kept, roles granted and ended, deactivation, password reset, unlock, the
CSV import's preview and apply — and 403 for anyone but an administrator."""

import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine.facade import Policyflow
from tests.web_client import signed_in
from web import create_app

NEW = {"username": "xa_ninh_moi", "full_name": "Phạm Văn Mới", "position": "Công chức VH-XH",
       "email": "moi@example.vn", "phone": "0912 345 678"}  # fmt: skip
ROLE = {"role": "don_vi", "unit": "xa-xuan-ninh", "from": "2025-01-01"}
OTP = re.compile(r'id="one-time-password">([^<]+)<')


@pytest.fixture
def app(pf: Policyflow) -> Flask:
    return create_app({"DATABASE_URL": pf.url, "TESTING": True, "SECRET_KEY": "test"})


def create(admin: FlaskClient, token: str, **extra: str) -> tuple[int, str]:
    res = admin.post("/admin/users/new", data={"csrf_token": token, **NEW, **extra})
    return res.status_code, res.get_data(as_text=True)


def test_the_list_searches_by_name_unit_role_and_state(app: Flask) -> None:
    admin, _ = signed_in(app, "admin")
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "Thêm người dùng" in page and "cv_vhtt" in page
    assert "Quản trị người dùng" in admin.get("/").get_data(as_text=True)  # the navigation
    found = admin.get("/admin/users?q=xuanninh").get_data(as_text=True)
    assert "xa_xuanninh" in found and "cv_vhtt" not in found
    by_unit = admin.get("/admin/users?unit=xa-xuan-ninh&role=don_vi").get_data(as_text=True)
    assert "xa_xuanninh" in by_unit and "cv_vhtt" not in by_unit
    inactive = admin.get("/admin/users?active=false").get_data(as_text=True)
    assert "cv_vhtt" not in inactive
    assert admin.get("/admin/users?unit=no-such-unit").status_code == 400
    first = admin.get("/admin/users").get_data(as_text=True)
    if "Trang 1/" in first:  # more users than a page holds: the next page has others
        second = admin.get("/admin/users?page=2").get_data(as_text=True)
        assert set(re.findall(r"<code>([a-z0-9_.-]+)</code>", second)).isdisjoint(
            re.findall(r"<code>([a-z0-9_.-]+)</code>", first)
        )


def test_a_new_user_gets_a_one_time_password_shown_once(app: Flask, pf: Policyflow) -> None:
    admin, token = signed_in(app, "admin")
    status, page = create(admin, token, **ROLE)
    assert status == 200, page
    [password] = OTP.findall(page)
    assert "Mật khẩu dùng một lần" in page and "trao tận tay" in page
    assert pf.accounts.authenticate(NEW["username"], password)["username"] == NEW["username"]
    holdings = pf.people.get("admin", NEW["username"])["holdings"]
    assert [(h["role"], h["unit"], h["valid_from"]) for h in holdings] == [
        ("don_vi", "xa-xuan-ninh", "2025-01-01")
    ]
    details = admin.get(f"/admin/users/{NEW['username']}").get_data(as_text=True)
    assert password not in details and "01/01/2025" in details  # dates as dd/mm/yyyy
    assert 'value="Phạm Văn Mới"' in details and 'value="moi@example.vn"' in details
    assert f"Đã tạo người dùng {NEW['username']}" in page  # the new user, not the admin
    assert password not in admin.get("/admin/users").get_data(as_text=True)
    status, again = create(admin, token)
    assert status == 409 and 'class="field-error"' in again  # the username is taken


def test_field_errors_stand_next_to_the_fields_and_keep_the_input(
    app: Flask, pf: Policyflow
) -> None:
    admin, token = signed_in(app, "admin")
    status, page = create(admin, token, email="not-an-address", role="don_vi",
                          unit="xa-xuan-ninh", **{"from": ""})  # fmt: skip
    assert status == 400
    assert 'id="u-email-err"' in page and "not-an-address" in page
    assert 'id="h-from-err"' in page and "Phạm Văn Mới" in page
    assert NEW["username"] not in {u["username"] for u in pf.people.search("admin")["items"]}
    status, page = create(admin, token, username="Khong Hop Le")
    assert status == 400 and 'id="u-username-err"' in page and "Khong Hop Le" in page


def test_roles_are_granted_and_ended(app: Flask, pf: Policyflow) -> None:
    admin, token = signed_in(app, "admin")
    create(admin, token)
    url = f"/admin/users/{NEW['username']}"
    bad = admin.post(f"{url}/roles", data={"csrf_token": token, "role": "don_vi", "from": ""})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400 and 'id="g-unit-err"' in page and 'id="g-from-err"' in page
    res = admin.post(f"{url}/roles", data={"csrf_token": token, **ROLE, "reason": "phân công"})
    assert res.status_code == 302
    [held] = pf.people.get("admin", NEW["username"])["holdings"]
    assert "đang có hiệu lực" in admin.get(url).get_data(as_text=True)
    end = f"{url}/roles/{held['id']}/end"
    early = admin.post(end, data={"csrf_token": token, "on": "2024-12-01"})
    assert early.status_code == 400
    assert f'id="end-on-{held["id"]}-err"' in early.get_data(as_text=True)
    res = admin.post(end, data={"csrf_token": token, "on": "2025-06-02", "reason": "chuyển"})
    assert res.status_code == 302
    [ended] = pf.people.get("admin", NEW["username"])["holdings"]
    assert ended["valid_to"] == "2025-06-01" and not ended["in_force"]
    assert "đã kết thúc" in admin.get(url).get_data(as_text=True)
    elsewhere = f"/admin/users/cv_vhtt/roles/{held['id']}/end"  # not cv_vhtt's holding
    assert admin.post(elsewhere, data={"csrf_token": token, "on": "2025-06-02"}).status_code == 404


def test_edit_deactivate_reset_and_unlock(app: Flask, pf: Policyflow) -> None:
    admin, token = signed_in(app, "admin")
    create(admin, token)
    url = f"/admin/users/{NEW['username']}"
    bad = admin.post(url, data={"csrf_token": token, "full_name": "", "phone": "abc"})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400 and 'id="e-phone-err"' in page and 'value="abc"' in page
    edit = {"csrf_token": token, "full_name": "Phạm Văn Mới", "position": "Phó trưởng phòng",
            "email": "", "phone": ""}  # fmt: skip
    assert admin.post(url, data=edit).status_code == 302
    record = pf.people.get("admin", NEW["username"])
    assert record["position"] == "Phó trưởng phòng" and record["email"] is None
    reset = admin.post(f"{url}/reset-password", data={"csrf_token": token})
    [password] = OTP.findall(reset.get_data(as_text=True))
    assert reset.headers["Cache-Control"] == "no-store"
    assert pf.accounts.authenticate(NEW["username"], password)
    assert admin.post(f"{url}/unlock", data={"csrf_token": token}).status_code == 302
    res = admin.post(f"{url}/deactivate", data={"csrf_token": token, "reason": "nghỉ hưu"})
    assert res.status_code == 302
    assert not pf.people.get("admin", NEW["username"])["active"]
    assert "Đã ngừng" in admin.get(url).get_data(as_text=True)
    again = admin.post(f"{url}/deactivate", data={"csrf_token": token})
    assert again.status_code == 409
    commands = [e["command"] for e in pf.audit.admin_events("admin", per_page=50)["items"]]
    assert {"user_create", "user_update", "password_reset", "user_deactivate"} <= set(commands)
    assert "ngừng tài khoản người dùng" in admin.get("/audit/admin").get_data(as_text=True)


def test_the_csv_import_previews_then_applies(app: Flask, pf: Policyflow) -> None:
    admin, token = signed_in(app, "admin")
    csv_text = ("username,full_name,role,unit,from\n"
                "xa_csv_mot,Nguyễn Văn Một,don_vi,xa-xuan-ninh,2025-01-01\n")  # fmt: skip

    def send(action: str, text: str) -> tuple[int, str]:
        data = {"csrf_token": token, "action": action,
                "file": (io.BytesIO(text.encode()), "people.csv")}  # fmt: skip
        res = admin.post("/admin/users/import", data=data, content_type="multipart/form-data")
        return res.status_code, res.get_data(as_text=True)

    status, page = send("preview", csv_text)
    assert status == 200 and "+ user xa_csv_mot" in page and "Xem trước" in page
    assert "xa_csv_mot" not in {u["username"] for u in pf.people.search("admin")["items"]}
    status, page = send("apply", csv_text)
    assert status == 200 and 'class="otp"' in page
    assert pf.people.get("admin", "xa_csv_mot")["holdings"][0]["unit"] == "xa-xuan-ninh"
    status, page = send("preview", "username,full_name,email\nx y,Tên,not-mail\n")
    assert status == 400 and "row 2: email" in page


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("GET", "/admin/users"),
        ("GET", "/admin/users/new"),
        ("POST", "/admin/users/new"),
        ("GET", "/admin/users/cv_vhtt"),
        ("POST", "/admin/users/cv_vhtt"),
        ("POST", "/admin/users/cv_vhtt/roles"),
        ("POST", "/admin/users/cv_vhtt/roles/1/end"),
        ("POST", "/admin/users/cv_vhtt/deactivate"),
        ("POST", "/admin/users/cv_vhtt/reset-password"),
        ("POST", "/admin/users/cv_vhtt/unlock"),
        ("GET", "/admin/users/import"),
        ("POST", "/admin/users/import"),
    ],
)
def test_others_get_403(app: Flask, pf: Policyflow, method: str, url: str) -> None:
    other, token = signed_in(app, "cv_vhtt")
    data = {"csrf_token": token, **NEW, **ROLE} if method == "POST" else None
    assert other.open(url, method=method, data=data).status_code == 403
    assert "Quản trị người dùng" not in other.get("/").get_data(as_text=True)
    assert pf.people.get("admin", "cv_vhtt")["active"]
