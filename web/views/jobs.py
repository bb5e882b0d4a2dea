"""`/jobs`: background work for administrators — jobs by state, and the ones to look at
(handed to the queue and not finished within the redelivery time, or failed)."""

from datetime import timedelta

from flask import Blueprint, render_template

from tasks.settings import Settings
from web.auth import engine, login_required, signed_in

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


@bp.get("")
@login_required
def index() -> str:
    redelivery = timedelta(seconds=Settings.from_env().visibility_timeout)
    troubled = engine().jobs.troubled(signed_in(), redelivery)  # admins only
    return render_template(
        "jobs.html",
        troubled=troubled,
        job_counts=engine().jobs.counts(),
        job_states=("pending", "sent", "done", "failed"),
        redelivery=int(redelivery.total_seconds()),
    )
