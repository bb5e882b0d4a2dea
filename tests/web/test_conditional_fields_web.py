"""Conditional form fields (issue 14 item 12): a field a JSON Schema `if/then/else` part
asks for only on one choice carries the data attributes static/conditional.js reads (the
choice it waits for, whether it is then required), and its asterisk; the server refuses
the form without it when that choice is made."""

import json
import re

from engine.facade import Policyflow
from tests.conftest import WORKFLOWS
from tests.processes import DRAFT, start_document
from tests.web_client import signed_in
from web import create_app
from web.forms import conditions, fields, initial


def field_div(html: str, name: str) -> str:
    found = re.search(
        rf'<div class="field[^"]*"([^>]*)>\s*<label for="f-{name}">(.*?)</label>', html, re.S
    )
    assert found, f"no field {name}"
    return found.group(1) + found.group(2)


def test_then_parts_become_conditions() -> None:
    schema = {
        "type": "object",
        "properties": {
            "decision": {"type": "string", "oneOf": [{"const": "ok"}, {"const": "return"}]},
            "comments": {"type": "string"},
            "channel": {"type": "string"},
            "note": {"type": "string"},
        },
        "required": ["decision"],
        "allOf": [
            {
                "if": {"properties": {"decision": {"const": "return"}}, "required": ["decision"]},
                "then": {"required": ["comments"]},
                "else": {"required": ["channel"]},
            }
        ],
    }
    found = conditions(schema)
    assert found == {
        "comments": {"field": "decision", "values": ["return"], "negate": False, "required": True},
        "channel": {"field": "decision", "values": ["return"], "negate": True, "required": True},
    }
    shown = {f.name: f for f in fields(schema, initial(schema))}
    assert shown["comments"].when == found["comments"] and shown["note"].when is None
    assert not shown["comments"].required  # not before the choice: the script decides


def test_the_review_form_shows_the_comment_only_when_returning(deployed: Policyflow) -> None:
    case = start_document(deployed, "QĐ")
    case.act("cv_vhtt", "Draft", DRAFT)
    task = case.task("tp_vhtt", "Review")
    app = create_app({"DATABASE_URL": deployed.url, "TESTING": True, "SECRET_KEY": "t"})
    client, token = signed_in(app, "tp_vhtt")
    client.post(f"/tasks/{task['id']}/claim", data={"csrf_token": token})
    page = client.get(f"/tasks/{task['id']}").text
    div = field_div(page, "review_comments")
    assert 'data-when-field="review_decision"' in div
    assert 'data-when-values="[&#34;return&#34;]"' in div
    assert 'data-when-required="1"' in div and 'class="req"' in div  # the asterisk
    assert "/static/conditional.js" in page and "<script>" not in page  # no inline script

    refused = client.post(
        f"/tasks/{task['id']}",
        data={"csrf_token": token, "review_decision": "return"},
    )
    assert refused.status_code == 400
    assert case.open() == ["Review"]  # nothing written
    done = client.post(
        f"/tasks/{task['id']}",
        data={"csrf_token": token, "review_decision": "return", "review_comments": "Sửa mục II"},
    )
    assert done.status_code in (302, 303), done.text
    assert case.open() == ["Draft"]
    assert case.data()["review_comments"] == "Sửa mục II"


def test_a_field_asked_for_two_choices_is_shown_for_both() -> None:
    """P1's start form asks for the press agency for a press request and for a false
    report (two if/then parts): the field is shown for either choice, not the first only."""
    schema = json.loads((WORKFLOWS / "forms" / "ps_start.json").read_text(encoding="utf-8"))
    when = conditions(schema)["press_agency"]
    assert when["field"] == "trigger" and not when["negate"] and when["required"]
    assert sorted(when["values"]) == ["false_report", "press_request"]
