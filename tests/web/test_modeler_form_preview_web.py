"""The form editor's live preview (POST /modeler/form-preview): a JSON Schema drawn by the
task page's own code (web/forms.py, the form_fields macro), for process owners only; a
schema that is not an object, or one the drawing code cannot read, is a 400 in words."""

from collections.abc import Iterator

import pytest
from flask import Flask

from engine.facade import Policyflow
from tests.web_client import signed_in
from web import create_app

SCHEMA = {
    "type": "object",
    "properties": {
        "ket_luan": {
            "type": "string",
            "title": "Kết luận",
            "oneOf": [{"const": "dong_y", "title": "Đồng ý"}, {"const": "khac", "title": "Khác"}],
        },
        "ly_do": {"type": "string", "title": "Lý do", "description": "Nêu <rõ> lý do"},
        "ngay": {"type": "string", "format": "date", "title": "Ngày kiểm tra"},
    },
    "required": ["ket_luan"],
    "allOf": [
        {
            "if": {"properties": {"ket_luan": {"const": "khac"}}, "required": ["ket_luan"]},
            "then": {"required": ["ly_do"]},
        }
    ],
}


@pytest.fixture
def app(deployed: Policyflow) -> Iterator[Flask]:
    yield create_app({"DATABASE_URL": deployed.url, "TESTING": True, "SECRET_KEY": "test"})


def test_the_preview_is_the_task_pages_form(app: Flask) -> None:
    client, token = signed_in(app, "chu_quy_trinh")
    res = client.post("/modeler/form-preview", json={"schema": SCHEMA},
                      headers={"X-CSRFToken": token})  # fmt: skip
    assert res.status_code == 200
    html = res.get_json()["html"]
    assert 'id="f-ngay"' in html and 'type="radio" name="ket_luan"' in html
    assert 'data-when-field="ket_luan"' in html  # the condition, as on the task page
    assert "Nêu &lt;rõ&gt; lý do" in html  # escaped


@pytest.mark.parametrize("body", [{}, {"schema": [1, 2]}, {"schema": {"properties": 3}}])
def test_a_bad_schema_is_a_400(app: Flask, body: dict) -> None:
    client, token = signed_in(app, "chu_quy_trinh")
    res = client.post("/modeler/form-preview", json=body, headers={"X-CSRFToken": token})
    assert res.status_code == 400
    assert res.get_json()["error"]


def test_only_process_owners_preview(app: Flask) -> None:
    client, token = signed_in(app, "cv_vhtt")
    res = client.post("/modeler/form-preview", json={"schema": SCHEMA},
                      headers={"X-CSRFToken": token})  # fmt: skip
    assert res.status_code == 403
