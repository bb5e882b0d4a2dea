"""P5's monitoring items over the API: the list a user may see, by status."""

from flask import Response, jsonify

from web.api import api_bp
from web.api.auth import engine, token_required, username
from web.api.openapi_monitoring import STATUSES
from web.api.routes import query_choice


@api_bp.get("/monitoring-items")
@token_required
def monitoring_items() -> Response:
    status = query_choice("status", STATUSES)
    return jsonify({"items": engine().monitoring.items(username(), status)})
