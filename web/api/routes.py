"""The endpoints: each parses the request, calls one `Policyflow` method, returns JSON.

Visibility and permissions are the engine's: it answers NotFound for what the caller may
not see and PermissionDenied for what they see but may not do.
"""

import json
import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, TypeVar, cast

from flask import Response, current_app, jsonify, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from engine.errors import InvalidInput, NotFound, PermissionDenied
from engine.facade import (
    AUDIT_COMMANDS,
    LOCAL_TIME,
    UNIT_KINDS,
    InstanceStatus,
    refuse_unstorable,
    utcnow,
)
from web.api import ApiError, api_bp
from web.api.auth import engine, token_required, username
from web.api.openapi import MAX_ID, MAX_PAGE, MAX_PER_PAGE, MAX_TEXT, document
from web.i18n import error_text

BOXES = ("open", "mine", "completed")
DUE_STATES = ("overdue", "today", "later")
SORTS = ("due", "-due", "created", "-created")
STATUSES = tuple(InstanceStatus)
PER_PAGE = 50
INTEGER = re.compile(r"-?[0-9]{1,12}")
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MIGRATION_ACTIONS = ("dry_run", "suspend", "migrate")
INSTANCE = f"/instances/<int(max={MAX_ID}):instance_id>"
Found = TypeVar("Found")  # what a listing found

# -- reading the request -------------------------------------------------------------


def json_object(required: tuple[str, ...] = ()) -> dict[str, Any]:
    """The body as a JSON object ({} when empty); 415 when it is not sent as JSON, 400 when
    malformed, nested too deep, not an object, or holding a NUL character."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        data: Any = {}
    else:
        if not request.is_json:  # text/plain and the like are not read as JSON
            message = "Nội dung phải gửi dạng application/json."
            raise ApiError(415, message, code="unsupported_media_type")
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as err:
            message = f"Nội dung không phải JSON hợp lệ: {err}"
            raise ApiError(400, message, code="invalid_json") from err
        except RecursionError as err:
            message = "Nội dung JSON lồng nhau quá sâu."
            raise ApiError(400, message, code="invalid_json") from err
    if not isinstance(data, dict):
        raise ApiError(400, "Nội dung phải là một đối tượng JSON ({...}).", code="invalid_json")
    refuse_unstorable(data)  # NUL anywhere, nesting too deep: 400 naming the fields
    missing = {name: ["Trường bắt buộc, chưa điền."] for name in required if name not in data}
    if missing:
        raise ApiError(400, f"Thiếu: {', '.join(missing)}.", missing)
    return data


def _bad_param(name: str, message: str) -> ApiError:
    return ApiError(400, f"Tham số '{name}' không hợp lệ: {message}", {name: [message]})


def query_raw(name: str) -> str | None:
    """The parameter as sent, None when absent; 400 when sent more than once."""
    values = request.args.getlist(name)
    if len(values) > 1:
        raise _bad_param(name, "chỉ gửi một lần.")
    return values[0] if values else None


def query_text(name: str) -> str | None:
    """Free text: blank is the same as absent."""
    value = (query_raw(name) or "").strip()
    return value or None


def query_choice(name: str, choices: tuple[str, ...]) -> str | None:
    value = query_raw(name)
    if value is not None and value not in choices:
        raise _bad_param(name, f"cần một trong {', '.join(choices)}.")
    return value


def query_int(name: str, default: int, minimum: int, maximum: int) -> int:
    raw = query_raw(name)
    if raw is None:
        return default
    if not INTEGER.fullmatch(raw):  # ASCII digits only: int() would take " 5", "5_0", "٥"
        raise _bad_param(name, "cần một số nguyên.")
    value = int(raw)
    if not minimum <= value <= maximum:
        raise _bad_param(name, f"cần từ {minimum} đến {maximum}.")
    return value


def query_date(name: str) -> date | None:
    raw = query_raw(name)
    if raw is None:
        return None
    try:
        if not DATE.fullmatch(raw):  # fromisoformat would take "20240101", "2024-W01-1"
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise _bad_param(name, "cần một ngày dạng YYYY-MM-DD.") from None


def paging() -> dict[str, int]:
    return {
        "page": query_int("page", 1, 1, MAX_PAGE),
        "per_page": query_int("per_page", PER_PAGE, 1, MAX_PER_PAGE),
    }


def unit_filtered(fetch: Callable[[], Found], unit: str | None) -> Found:
    """Run a listing filtered by a unit code; an unknown code is a bad parameter (400)."""
    try:
        return fetch()
    except NotFound as err:
        if unit is None:
            raise
        raise _bad_param("unit", error_text(err)) from err


XML_TYPES = ("application/xml", "text/xml")


def deploy_body() -> tuple[bytes, dict[str, dict] | None, str]:
    """(BPMN bytes, forms or None to keep the newest version's, comment) of a deploy: the
    raw XML (comment in ?comment=), or multipart/form-data with a `bpmn` file, `forms`
    files (JSON; the file name is the form's name) and a `comment` field. 413 above
    MAX_BPMN_BYTES, 415 for another content type, 400 for a missing or unreadable part."""
    limit = int(current_app.config["MAX_BPMN_BYTES"])
    request.max_content_length = limit
    try:
        if request.mimetype in XML_TYPES:
            return request.get_data(cache=True), None, request.args.get("comment", "")
        if request.mimetype != "multipart/form-data":
            raise ApiError(
                415,
                "Gửi tệp BPMN dạng application/xml, hoặc multipart/form-data với phần 'bpmn'.",
            )
        upload = request.files.get("bpmn")
        text = request.form.get("bpmn")  # a part without a file name is a field
        if upload is None and text is None:
            message = "Thiếu tệp BPMN: phần 'bpmn' của biểu mẫu multipart."
            raise ApiError(400, message, {"bpmn": ["Cần một tệp BPMN."]})
        forms = read_form_parts()
        bpmn = upload.read() if upload is not None else (text or "").encode("utf-8")
        return bpmn, forms or None, request.form.get("comment", "")
    except RequestEntityTooLarge as err:
        message = f"Nội dung gửi lên vượt giới hạn {limit / 1024 / 1024:g} MB cho một tệp BPMN."
        raise ApiError(413, message, code="too_large") from err


def read_form_parts() -> dict[str, dict]:
    """The `forms` parts of a multipart deploy: file name → its JSON (400 if not JSON)."""
    forms: dict[str, dict] = {}
    problems: list[str] = []
    for part in request.files.getlist("forms"):
        name = (part.filename or "").strip()
        if not name:
            problems.append("Một phần 'forms' không có tên tệp (tên tệp là tên biểu mẫu).")
            continue
        try:
            forms[name] = json.loads(part.read().decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as err:
            problems.append(f"Biểu mẫu {name} không phải JSON hợp lệ: {err}")
    if problems:
        raise ApiError(400, " ".join(problems), {"forms": problems})
    return forms


def whole(value: Any) -> int | None:
    """A JSON integer (2 or 2.0, as JSON Schema counts them) as an int; None otherwise."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if type(value) is int else None


def created(body: Mapping[str, Any], location: str) -> tuple[Response, int, dict[str, str]]:
    return jsonify(body), 201, {"Location": location}


# -- endpoints -----------------------------------------------------------------------


@api_bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(document())


@api_bp.post("/auth/token")
def issue_token() -> tuple[Response, int]:
    body = json_object(required=("username", "password"))
    name, password = body["username"], body["password"]
    if not isinstance(name, str) or not isinstance(password, str):
        fields = {k: ["Cần một chuỗi ký tự."] for k in ("username", "password")
                  if not isinstance(body[k], str)}  # fmt: skip
        raise ApiError(400, "Tên đăng nhập và mật khẩu phải là chuỗi ký tự.", fields)
    try:
        issued = engine().accounts.issue_token(name.strip(), password, request.remote_addr or "")
    except InvalidInput as err:  # wrong username or password (the failure is recorded)
        raise ApiError(401, error_text(err)) from err
    except PermissionDenied as err:  # too many failures: refused for a while
        raise ApiError(429, error_text(err)) from err
    return jsonify(issued), 200


@api_bp.get("/me")
@token_required
def me() -> Response:
    return jsonify(engine().accounts.user(username()))


@api_bp.get("/org-units")
@token_required
def org_units() -> Response:
    """The units in force on `at` (default: today by the engine's clock), of `kind`."""
    at = query_date("at") or utcnow().astimezone(LOCAL_TIME).date()
    kind = query_choice("kind", UNIT_KINDS)
    items = engine().org.units(at, kind)
    return jsonify({"at": at.isoformat(), "kind": kind, "items": items})


@api_bp.get("/processes")
@token_required
def processes() -> Response:
    return jsonify({"items": engine().processes(username())})


@api_bp.post("/processes")
@token_required
def deploy() -> tuple[Response, int] | tuple[Response, int, dict[str, str]]:
    """Deploy a BPMN (raw XML, or multipart with its forms); nothing is stored on error."""
    engine().versions.require_deployer(username())  # 403 before the body is read
    bpmn, forms, comment = deploy_body()
    deployed = engine().deploy(bpmn, forms, username(), comment)
    if not deployed["created"]:
        return jsonify(deployed), 200
    location = url_for("api.version_bpmn", key=deployed["key"], version=deployed["version"])
    return created(deployed, location)


@api_bp.get("/processes/<key>/versions")
@token_required
def versions(key: str) -> Response:
    return jsonify({"key": key, "items": engine().versions.list(key, username())})


@api_bp.get(f"/processes/<key>/versions/<int(max={MAX_ID}):version>/bpmn")
@token_required
def version_bpmn(key: str, version: int) -> Response:
    xml = engine().versions.bpmn(key, version, username())
    return Response(xml, content_type="application/xml; charset=utf-8")


@api_bp.post("/processes/<key>/migrations")
@token_required
def migrations(key: str) -> Response:
    """Move instances to a newer version: a dry run (default), suspend, or migrate."""
    engine().versions.require_deployer(username())  # 403 before the body is read
    body = json_object()
    action = body.get("action", "dry_run")
    ids, target = body.get("instance_ids"), whole(body.get("to_version"))
    if isinstance(ids, list):
        ids = [whole(i) for i in ids]
    errors: dict[str, list[str]] = {}
    if action not in MIGRATION_ACTIONS:
        errors["action"] = [f"Một trong: {', '.join(MIGRATION_ACTIONS)}."]
    if "instance_ids" in body and not (  # null is not a list: the document says so
        isinstance(ids, list) and all(i is not None and 0 < i <= MAX_ID for i in ids)
    ):
        errors["instance_ids"] = ["Cần một danh sách mã hồ sơ (số nguyên dương)."]
    if ids is None and action != "dry_run":
        errors["instance_ids"] = ["Hãy chọn hồ sơ."]
    if "to_version" in body and not (target is not None and 0 < target <= MAX_ID):
        errors["to_version"] = ["Cần một số phiên bản (số nguyên dương)."]
    comment = body.get("comment", "")
    if not isinstance(comment, str) or len(comment) > MAX_TEXT:
        errors["comment"] = [f"Cần một chuỗi tối đa {MAX_TEXT} ký tự."]
    if not isinstance(body.get("resume", False), bool):
        errors["resume"] = ["Cần true hoặc false."]
    if errors:
        raise ApiError(400, "Yêu cầu chuyển phiên bản không hợp lệ.", errors)
    pf, user, ids = engine(), username(), cast(list[int] | None, ids)
    if action == "dry_run":
        return jsonify(pf.moves.plan(key, target, ids, user))
    if action == "suspend":
        return jsonify({"results": pf.moves.suspend(ids or [], user)})
    resume = body.get("resume") is True
    results = pf.moves.migrate(key, ids or [], user, target, body.get("comment", ""), resume=resume)
    return jsonify({"results": results})


@api_bp.post("/processes/<key>/instances")
@token_required
def start(key: str) -> tuple[Response, int, dict[str, str]]:
    outcome = engine().start(key, username(), json_object())
    return created(outcome, url_for("api.instance", instance_id=outcome["id"]))


@api_bp.get("/tasks")
@token_required
def tasks() -> Response:
    filters: dict[str, Any] = {
        "box": query_choice("box", BOXES) or "open",
        "process": query_text("process"),
        "unit": query_text("unit"),
        "due": query_choice("due", DUE_STATES),
        "q": query_text("q"),
        "sort": query_choice("sort", SORTS) or "due",
        **paging(),
    }
    found = unit_filtered(lambda: engine().inbox(username(), **filters), filters["unit"])
    return jsonify({**found, "page": filters["page"], "per_page": filters["per_page"]})


@api_bp.get("/tasks/<task_id>")
@token_required
def task(task_id: str) -> Response:
    return jsonify(engine().task(task_id, username()))


@api_bp.post("/tasks/<task_id>/claim")
@token_required
def claim(task_id: str) -> Response:
    engine().claim(task_id, username())
    return jsonify({"id": task_id, "claimed_by": username()})


@api_bp.post("/tasks/<task_id>/unclaim")
@token_required
def unclaim(task_id: str) -> Response:
    engine().unclaim(task_id, username())
    return jsonify({"id": task_id, "claimed_by": None})


@api_bp.post("/tasks/<task_id>/complete")
@token_required
def complete(task_id: str) -> Response:
    return jsonify(engine().complete(task_id, username(), json_object()))


@api_bp.get("/instances")
@token_required
def instances() -> Response:
    filters: dict[str, Any] = {
        "process": query_text("process"),
        "status": query_choice("status", STATUSES),
        "unit": query_text("unit"),
        "started_by": query_text("started_by"),
        "date_from": query_date("date_from"),
        "date_to": query_date("date_to"),
        **paging(),
    }
    found = unit_filtered(lambda: engine().instances(username(), **filters), filters["unit"])
    return jsonify({**found, "page": filters["page"], "per_page": filters["per_page"]})


@api_bp.get(INSTANCE)
@token_required
def instance(instance_id: int) -> Response:
    return jsonify(engine().show(instance_id, username()))


@api_bp.get(f"{INSTANCE}/history")
@token_required
def history(instance_id: int) -> Response:
    return jsonify({"items": engine().history(instance_id, username())})


@api_bp.get("/audit/admin-events")
@token_required
def admin_events() -> Response:
    page = paging()
    found = engine().audit.admin_events(username(), **page)
    return jsonify({**found, **page})


@api_bp.get("/audit/events")
@token_required
def audit_events() -> Response:
    filters: dict[str, Any] = {
        "actor": query_text("actor"),
        "unit": query_text("unit"),
        "process": query_text("process"),
        "date_from": query_date("date_from"),
        "date_to": query_date("date_to"),
        "command": query_choice("command", AUDIT_COMMANDS),
        **paging(),
    }
    found = unit_filtered(lambda: engine().audit.events(username(), **filters), filters["unit"])
    return jsonify({**found, "page": filters["page"], "per_page": filters["per_page"]})


@api_bp.get(f"{INSTANCE}/replay")
@token_required
def replay(instance_id: int) -> Response:
    """The instance re-executed up to `step` (the last by default), each step with the
    diagram's states and the data as they stood."""
    step = query_int("step", 0, 1, MAX_ID) or None
    found = engine().audit.replay(instance_id, step, username())
    count = found["verdict"]["steps"]  # the events up to `step`
    if step is not None and count < step:
        raise _bad_param("step", f"hồ sơ có {count} bước.")
    step = step or count
    current = next((s for s in found["steps"] if s["seq"] == step), None)
    return jsonify({**found, "step": step, "current": current})


@api_bp.post(f"{INSTANCE}/verify")
@token_required
def verify(instance_id: int) -> Response:
    """Re-execute the instance and check its chain; changes nothing."""
    return jsonify(engine().audit.verify(instance_id, username()))
