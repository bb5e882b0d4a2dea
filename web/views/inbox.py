"""The inbox (`/`): open work of my units and roles, what I claimed, what I completed."""

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

from flask import Blueprint, g, render_template, url_for

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
    remember_counts(result)
    items = result["items"]
    total, limit = result["total"], result["count_limit"]
    return render_template(
        "inbox.html",
        box=box,
        filters=filters,
        # Rows as objects: the template reads ~20 fields a row, and Jinja tries an
        # attribute before a key (on a dict, each read raised AttributeError first).
        items=[SimpleNamespace(**item) for item in items],
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
        task_url=url_pattern("tasks.show", task_id=SAMPLE_ID),
        instance_url=url_pattern("instances.show", instance_id=SAMPLE_NUMBER),
        claim_url=url_pattern("tasks.claim", task_id=SAMPLE_ID),
    )


SAMPLE_ID, SAMPLE_NUMBER = "0a1b2c3d-sample", 987654321


def url_pattern(endpoint: str, **sample: Any) -> Callable[[str | int], str]:
    """url_for(endpoint, name=value) for each row of a page: built once, the row's value
    put in the sample's place (50 rows called url_for 150 times, a fifth of the rows'
    rendering)."""
    [value] = sample.values()
    head, found, tail = url_for(endpoint, **sample).rpartition(str(value))
    assert found, (endpoint, sample)
    return lambda row: head + quote(str(row), safe="") + tail


def more(n: int, limit: int) -> int | str:
    """A count as shown: "1000+" once counting stopped at the limit."""
    return f"{limit}+" if n > limit else n


def remember_counts(page: results.InboxPage) -> None:
    """The navigation's figures for this request, as shown: the boxes' (`nav_counts`) and
    the unread notices' (`notices.unread_count` takes them from here: no query of its
    own)."""
    counts, limit = page["counts"], page["count_limit"]
    g.counts = {
        "open": more(counts["open"], limit),
        "mine": more(counts["mine"], limit),
        "overdue": more(counts["overdue"], limit),
        "completed": more(counts["completed"], limit),
    }
    g.unread_notices = more(counts["unread_notices"], limit)


def nav_counts() -> dict[str, int | str] | None:
    """The navigation's counts (taken from the inbox query when the page made one)."""
    if "counts" not in g:
        username = signed_in()
        try:
            if current_user():
                remember_counts(engine().inbox(username, per_page=1))
            else:
                g.counts = None
        except PolicyflowError:  # an error page must still render
            g.counts = None
    return g.counts
