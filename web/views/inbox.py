"""The inbox (`/`): open work of my units and roles, what I claimed, what I completed."""

from typing import Any

from flask import Blueprint, g, render_template

from engine.errors import NotFound, PolicyflowError
from engine.facade import results
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
    descending = arg("sort", ("due", "-due")) == "-due"
    sort = "-due" if descending else "due"
    page = page_arg()
    paged: dict[str, Any] = {"box": box, "page": page, "per_page": PER_PAGE, "sort": sort}
    try:
        result = engine().inbox(username, **paged, **filters)
    except NotFound:  # an unknown unit code in the query string
        filters["unit"] = None
        result = engine().inbox(username, **paged, **filters)
    g.counts = shown_counts(result["counts"], result["count_limit"])
    items = result["items"]
    total, limit = result["total"], result["count_limit"]
    return render_template(
        "inbox.html",
        box=box,
        filters=filters,
        items=items,
        total=more(total, limit),
        page=page,
        pages=max(1, -(-min(total, limit) // PER_PAGE)),
        more_pages=total > limit,  # counting stopped: "20+" pages, and a next one
        descending=descending,
        processes=(processes := process_options(username)),
        process_names=dict(processes),
        cases=case_titles(items, username),
        units=filter_units(),
        username=username,
    )


def more(n: int, limit: int) -> int | str:
    """A count as shown: "1000+" once counting stopped at the limit."""
    return f"{limit}+" if n > limit else n


def shown_counts(counts: results.BoxCounts, limit: int) -> dict[str, int | str]:
    return {
        "open": more(counts["open"], limit),
        "mine": more(counts["mine"], limit),
        "overdue": more(counts["overdue"], limit),
        "completed": more(counts["completed"], limit),
    }


def nav_counts() -> dict[str, int | str] | None:
    """The navigation's counts (taken from the inbox query when the page made one)."""
    if "counts" not in g:
        username = signed_in()
        try:
            found = engine().inbox(username, per_page=1) if current_user() else None
            g.counts = shown_counts(found["counts"], found["count_limit"]) if found else None
        except PolicyflowError:  # an error page must still render
            g.counts = None
    return g.counts
