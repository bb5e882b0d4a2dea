"""bpmn-js from node_modules (installed by `npm ci` from package-lock.json), never copied
into the repository: only the NavigatedViewer and Modeler bundles and their stylesheets are
served; flatpickr's script, stylesheet and Vietnamese locale; and the modeler's bpmnlint
bundle, built by `npm run build` (web/static/lint/) into node_modules/.policyflow/."""

from pathlib import Path

from flask import Blueprint, abort, send_from_directory
from werkzeug.wrappers import Response

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "node_modules" / "bpmn-js" / "dist"
SERVED = {
    "bpmn-navigated-viewer.production.min.js",
    "bpmn-modeler.production.min.js",  # /modeler (process owners)
    "assets/diagram-js.css",
    "assets/bpmn-js.css",
    "assets/bpmn-font/css/bpmn-embedded.css",  # the modeler's palette icons
}

FLATPICKR = ROOT / "node_modules" / "flatpickr" / "dist"
FLATPICKR_SERVED = {"flatpickr.min.js", "flatpickr.min.css", "l10n/vn.js"}  # static/dates.js

BUILT = ROOT / "node_modules" / ".policyflow"
BPMNLINT = "bpmnlint.js"

bp = Blueprint("vendor", __name__, url_prefix="/vendor")


@bp.get("/bpmn-js/<path:path>")
def bpmn_js(path: str) -> Response:
    if path not in SERVED:
        abort(404)
    return send_from_directory(DIST, path, max_age=7 * 24 * 3600)


@bp.get("/flatpickr/<path:path>")
def flatpickr(path: str) -> Response:
    """The date/time picker (dd/mm/yyyy, 24-hour whatever the browser's locale)."""
    if path not in FLATPICKR_SERVED:
        abort(404)
    return send_from_directory(FLATPICKR, path, max_age=7 * 24 * 3600)


@bp.get("/bpmnlint.js")
def bpmnlint() -> Response:
    """bpmnlint with its recommended rules, for /modeler (window.pfLint)."""
    return send_from_directory(BUILT, BPMNLINT, max_age=3600)
