"""Input no page or endpoint may let through to the engine, refused for the whole app:
ids beyond the database's 32-bit range (404, as for any id that does not exist), NUL
characters in the URL, the query string or a submitted form (400; PostgreSQL refuses NUL
in text), and JSON too deeply nested to parse (400, not a RecursionError)."""

from typing import Any

from flask import Flask, render_template, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter, Map
from werkzeug.wrappers import Response

from web import i18n
from web.api import error_response

MAX_ID = 2147483647  # ids are 32-bit in the database (the API's routes say so too)
NUL = "\x00"


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: at most MAX_ID unless the rule says otherwise, so a
    larger number matches no route (404) instead of overflowing the database's integer."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


class JSONProvider(DefaultJSONProvider):
    """JSON too deeply nested for the parser is malformed JSON (ValueError: Flask answers
    400), not a RecursionError (500)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError as err:
            raise ValueError("JSON nested too deeply") from err


def has_nul() -> bool:
    """A NUL in the path, a query parameter (name or value) or, for the pages, a form
    field. The API's bodies are read by the endpoints (web/api/routes.py refuses NUL in
    JSON), and its multipart deploys keep their own size limit, so its form is not read."""
    if NUL in request.path or any(NUL in k or NUL in v for k, v in request.args.items(True)):
        return True
    if request.path.startswith("/api/"):
        return False
    return any(NUL in k or NUL in v for k, v in request.form.items(True))


def init_app(app: Flask) -> None:
    """Call before the blueprints are registered (their rules take the converter)."""
    app.url_map.converters["int"] = IdConverter
    app.json_provider_class = JSONProvider
    app.json = JSONProvider(app)

    @app.before_request
    def refuse_nul() -> Response | tuple[str, int] | None:
        if not has_nul():
            return None
        message = i18n._("Địa chỉ hoặc dữ liệu gửi lên chứa ký tự NUL (mã 0), không được phép.")
        if request.path.startswith("/api/"):
            return error_response(400, "invalid", message)
        title = i18n._("Dữ liệu không hợp lệ")
        return render_template("error.html", status=400, title=title, message=message), 400
