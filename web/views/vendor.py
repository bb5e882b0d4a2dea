"""bpmn-js from node_modules (installed by `npm ci` from package-lock.json), never copied
into the repository: only the NavigatedViewer and Modeler bundles and their stylesheets are
served."""

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

bp = Blueprint("vendor", __name__, url_prefix="/vendor")


@bp.get("/bpmn-js/<path:path>")
def bpmn_js(path: str) -> Response:
    if path not in SERVED:
        abort(404)
    return send_from_directory(DIST, path, max_age=7 * 24 * 3600)
