"""The incidents' endpoints: the list for operators, and a retry."""

from flask import Response, jsonify

from web.api import api_bp
from web.api.auth import engine, token_required, username
from web.api.routes import query_choice

STATES = ("open", "resolved", "all")
MAX_ID = 2147483647  # ids are 32-bit in the database


@api_bp.get("/incidents")
@token_required
def incidents() -> Response:
    state = query_choice("state", STATES) or "open"
    found = engine().incidents.list(username(), None if state == "all" else state)
    return jsonify({"items": found})


@api_bp.post(f"/incidents/<int(max={MAX_ID}):incident_id>/retry")
@token_required
def retry_incident(incident_id: int) -> Response:
    return jsonify(engine().incidents.retry(incident_id, username()))
