"""`/notifications`: the reminders, escalations and notices the processes sent me."""

from flask import Blueprint, flash, g, redirect, render_template, url_for
from werkzeug.wrappers import Response

from engine.errors import PolicyflowError
from web.auth import current_user, engine, login_required, signed_in
from web.i18n import _n

bp = Blueprint("notices", __name__, url_prefix="/notifications")


@bp.get("")
@login_required
def index() -> str:
    return render_template("notices.html", notices=engine().notices(signed_in()))


@bp.post("/read")
@login_required
def mark_read() -> Response:
    count = engine().mark_notices_read(signed_in())
    flash(_n("Đã đánh dấu {n} thông báo là đã đọc.", count), "success")
    return redirect(url_for("notices.index"))


def unread_count() -> int | str | None:
    """For the navigation: unread notices of the signed-in user ("1000+" past the count
    limit); read with the inbox's counts (views/inbox.py), else by a query of its own."""
    if "unread_notices" not in g:
        try:
            g.unread_notices = engine().unread_notices(signed_in()) if current_user() else None
        except PolicyflowError:  # an error page must still render
            g.unread_notices = None
    return g.unread_notices
