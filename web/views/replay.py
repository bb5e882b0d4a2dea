"""`/instances/<id>/replay`: an auditor steps through an instance's history (issue 6)."""

from flask import Blueprint

bp = Blueprint("replay", __name__)
