"""Issue 12, items 6 and 7 through the pages: a copied session cookie stops working after
logout and after a password change; a wrong-password flood from one address does not
keep the account's owner out from another."""

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine.facade import Policyflow
from tests.web_client import csrf
from web import create_app

A, B = "203.0.113.7", "198.51.100.20"


@pytest.fixture
def app(pf: Policyflow) -> Iterator[Flask]:
    yield create_app({"DATABASE_URL": pf.url, "TESTING": True, "SECRET_KEY": "test"})


def client_at(app: Flask, address: str = A) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def log_in(client: FlaskClient, username: str, password: str = "demo") -> int:
    page = client.get("/login")
    data = {"username": username, "password": password, "csrf_token": csrf(page.text)}
    return client.post("/login", data=data).status_code


def copy_of(app: Flask, client: FlaskClient) -> FlaskClient:
    """Another browser holding the very same session cookie (a copied or stolen one)."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    other = client_at(app, B)
    other.set_cookie("session", cookie.value)
    return other


def signed_out(client: FlaskClient) -> bool:
    res = client.get("/")
    return res.status_code == 302 and "/login" in res.headers["Location"]


def test_a_copied_cookie_stops_working_after_logout(app: Flask) -> None:
    browser = client_at(app)
    assert log_in(browser, "cv_vhtt") == 302
    copy = copy_of(app, browser)
    assert copy.get("/").status_code == 200  # the copy works while the session lasts
    page = browser.get("/password")
    assert browser.post("/logout", data={"csrf_token": csrf(page.text)}).status_code == 302
    assert signed_out(browser)
    assert signed_out(copy)  # before: 200, the signed cookie stayed valid
    assert log_in(browser, "cv_vhtt") == 302  # signing in again works
    assert browser.get("/").status_code == 200


def test_a_password_change_ends_every_other_session(app: Flask) -> None:
    browser = client_at(app)
    assert log_in(browser, "cong_an") == 302
    copy = copy_of(app, browser)
    page = browser.get("/password")
    changed = browser.post(
        "/password",
        data={
            "old_password": "demo",
            "new_password": "long-enough-1",
            "confirm_password": "long-enough-1",
            "csrf_token": csrf(page.text),
        },
    )
    assert changed.status_code == 302
    assert browser.get("/").status_code == 200  # the browser that changed it carries on
    assert signed_out(copy)  # the old cookie is refused
    assert log_in(client_at(app, B), "cong_an", "long-enough-1") == 302


def test_a_flood_from_one_address_does_not_lock_the_owner_out(app: Flask) -> None:
    attacker = client_at(app, A)
    for _ in range(5):
        assert log_in(attacker, "ct_ubnd", "wrong") == 401
    assert log_in(attacker, "ct_ubnd", "demo") == 429  # refused from A for a while
    chairman = client_at(app, B)
    assert log_in(chairman, "ct_ubnd") == 302  # before: 429, the account was locked
    assert chairman.get("/").status_code == 200


def test_an_admin_unlocks_from_the_lockouts_page(app: Flask) -> None:
    attacker = client_at(app, A)
    for _ in range(5):
        log_in(attacker, "ct_ubnd", "wrong")
    clerk = client_at(app, B)
    assert log_in(clerk, "cv_vhtt") == 302
    assert clerk.get("/lockouts").status_code == 403
    page = clerk.get("/password")
    refused = clerk.post("/lockouts/ct_ubnd/unlock", data={"csrf_token": csrf(page.text)})
    assert refused.status_code == 403
    admin = client_at(app, B)
    assert log_in(admin, "admin") == 302
    listed = admin.get("/lockouts")
    assert listed.status_code == 200 and "ct_ubnd" in listed.text and A in listed.text
    unlocked = admin.post("/lockouts/ct_ubnd/unlock", data={"csrf_token": csrf(listed.text)})
    assert unlocked.status_code == 302
    after = admin.get("/lockouts").text
    assert A not in after and "Không có tài khoản nào đang bị khóa." in after
    assert log_in(attacker, "ct_ubnd") == 302  # A may try again
