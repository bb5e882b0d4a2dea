"""Issue 18 item 11: a yes/no box that may stay unticked carries no red asterisk (false is
an answer, the form sends it); one the schema demands ticked (const true) does."""

from werkzeug.datastructures import MultiDict

from web import forms

SCHEMA = {
    "properties": {
        "notify": {"type": "boolean", "title": "Gửi thông báo"},
        "confirm": {"type": "boolean", "const": True, "title": "Tôi xác nhận"},
        "name": {"type": "string", "title": "Tên"},
    },
    "required": ["notify", "confirm", "name"],
}


def test_only_a_box_that_must_be_ticked_is_marked_required() -> None:
    shown = {f.name: f for f in forms.fields(SCHEMA, MultiDict())}
    assert shown["notify"].widget == "checkbox" and not shown["notify"].required
    assert shown["confirm"].required
    assert shown["name"].required
    data, _raw, errors = forms.parse(SCHEMA, MultiDict([("name", "A"), ("confirm", "on")]))
    assert errors == {} and data["notify"] is False
