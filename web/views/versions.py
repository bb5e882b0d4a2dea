"""`/processes/<key>/versions`: a process's deployed versions, a diff of two, roll back
(issue 5). For process owners and administrators only (the engine's `require_deployer`).

The diff comes from engine/bpmn/diff.py; the page draws both diagrams with the bpmn-js
NavigatedViewer (web/static/diagram.js) and marks the elements through data-states.

Rolling back deploys the older version (its BPMN and its own forms) again as a new version.
"""

import json

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from engine.errors import BpmnRejected, InvalidInput
from engine.facade import diff_versions as diff
from engine.facade import results
from web.auth import engine, login_required, process_owner
from web.i18n import _, error_text

bp = Blueprint("versions", __name__, url_prefix="/processes/<key>/versions")


def _pair(key: str, username: str) -> tuple[list[results.VersionInfo], int, int]:
    listed = engine().versions.list(key, username)
    numbers = [v["version"] for v in listed]
    newest = max(numbers)
    try:
        a = int(request.args.get("a", 0)) or None
        b = int(request.args.get("b", 0)) or newest
    except ValueError:
        raise InvalidInput(_("Số phiên bản không hợp lệ.")) from None
    if a is None:
        a = max([n for n in numbers if n < b], default=b)
    return listed, a, b


def _compare(key: str) -> tuple[list[results.VersionInfo], int, int, results.VersionDiff]:
    username = process_owner()
    listed, a, b = _pair(key, username)
    pf = engine()
    result = diff(pf.versions.bpmn(key, a, username), pf.versions.bpmn(key, b, username))
    return listed, a, b, result


@bp.get("")
@login_required
def index(key: str) -> str:
    username = process_owner()
    listed = engine().versions.list(key, username)
    return render_template("versions.html", key=key, versions=listed)


@bp.get("/<int:version>.xml")
@login_required
def bpmn(key: str, version: int) -> Response:
    xml = engine().versions.bpmn(key, version, process_owner())
    return Response(xml, mimetype="application/xml")


@bp.get("/diff.json")
@login_required
def diff_json(key: str) -> Response:
    _listed, a, b, result = _compare(key)
    return jsonify({"key": key, "a": a, "b": b, **result})


@bp.get("/diff")
@login_required
def diff_page(key: str) -> str:
    listed, a, b, result = _compare(key)
    old_states = {i: "removed" for i in result["removed"]}
    new_states = {i: "added" for i in result["added"]}
    for i in result["changed"]:
        old_states[i] = new_states[i] = "changed"
    return render_template(
        "version_diff.html",
        key=key,
        versions=listed,
        a=a,
        b=b,
        result=result,
        old_states=json.dumps(old_states),
        new_states=json.dumps(new_states),
    )


@bp.post("/<int:version>/rollback")
@login_required
def rollback(key: str, version: int) -> Response:
    username = process_owner()
    comment = request.form.get("comment", "").strip()
    if not comment:
        flash(_("Hãy ghi lý do khôi phục."), "error")
        return redirect(url_for("versions.index", key=key))
    try:
        done = engine().versions.rollback(key, version, username, comment)
    except BpmnRejected as err:
        flash(error_text(err), "error")
        return redirect(url_for("versions.index", key=key))
    flash(
        _(
            "Đã khôi phục phiên bản {old} thành phiên bản mới {new}.",
            old=version,
            new=done["version"],
        ),
        "success",
    )
    return redirect(url_for("versions.index", key=key))
