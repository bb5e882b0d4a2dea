"""The inbox (`/`): open work of my units and roles, what I claimed, what I completed."""

from typing import Any

from flask import Blueprint, g, render_template

from engine.errors import NotFound, PolicyflowError
from web.auth import current_user, engine, login_required, signed_in
from web.views import arg, case_titles, filter_units, page_arg, process_options

bp = Blueprint("inbox", __name__)

BOXES = ("open", "mine", "completed")
DUE = ("overdue", "today", "later")
PER_PAGE = 50


@bp.get("/")
@login_required
def index() -> str | tuple[str, int]:
    username = signed_in()
    box = arg("box", BOXES) or "open"
    filters: dict[str, Any] = {
        "process": arg("process"),
        "unit": arg("unit"),
        "due": arg("due", DUE),
        "q": arg("q"),
    }
    try:
        result = engine().inbox(username, box=box, page=page_arg(), per_page=PER_PAGE, **filters)
    except NotFound:  # an unknown unit code in the query string
        filters["unit"] = None
        result = engine().inbox(username, box=box, page=page_arg(), per_page=PER_PAGE, **filters)
    g.counts = result["counts"]
    items = result["items"]
    descending = arg("sort", ("due", "-due")) == "-due"
    if box != "completed":
        dated = sorted((i for i in items if i["due_at"]), key=lambda i: i["due_at"] or "")
        items = (dated[::-1] if descending else dated) + [i for i in items if not i["due_at"]]
    return render_template(
        "inbox.html",
        box=box,
        filters=filters,
        items=items,
        total=result["total"],
        page=page_arg(),
        pages=max(1, -(-result["total"] // PER_PAGE)),
        descending=descending,
        processes=(processes := process_options(username)),
        process_names=dict(processes),
        cases=case_titles(items, username),
        units=filter_units(),
        username=username,
    )


def nav_counts() -> dict[str, int] | None:
    """The navigation's counts (taken from the inbox query when the page made one)."""
    if "counts" not in g:
        username = signed_in()
        try:
            g.counts = engine().inbox(username, per_page=1)["counts"] if current_user() else None
        except PolicyflowError:  # an error page must still render
            g.counts = None
    return g.counts
