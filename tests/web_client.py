"""Signing in through the Flask test client, as a browser does (with CSRF tokens)."""

import re

from flask import Flask
from flask.testing import FlaskClient


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def signed_in(app: Flask, username: str) -> tuple[FlaskClient, str]:
    """A client signed in as `username`, and the CSRF token of its session."""
    client = app.test_client()
    page = client.get("/login")
    res = client.post(
        "/login", data={"username": username, "password": "demo", "csrf_token": csrf(page.text)}
    )
    assert res.status_code == 302, res.text
    return client, csrf(client.get("/password").text)
