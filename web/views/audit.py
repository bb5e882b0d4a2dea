"""`/audit`: search the audit log across instances; exports of an instance's history."""

from flask import Blueprint

bp = Blueprint("audit", __name__)
