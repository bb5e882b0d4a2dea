"""A page of rows and the count of them all, in one statement (issue 17: a read costs its
statements). The count rides along as an uncorrelated scalar subquery: the database runs
it once, exactly as it would the COUNT on its own (an index-only count stays one, where
`count(*) over ()` would read every matching row in full before the first). An empty
page past the last is counted apart (a rare second statement)."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, Select
from sqlalchemy.orm import Session

TOTAL = "total_found"


def with_total(query: Select[Any], count: Select[Any]) -> Select[Any]:
    """The page's query with `count` (a SELECT count(*) …) as a last column, TOTAL."""
    return query.add_columns(count.scalar_subquery().correlate(None).label(TOTAL))


def total_of(session: Session, rows: Sequence[Row[Any]], count: Select[Any], page: int) -> int:
    """The TOTAL the page's rows carry; for an empty page, 0 on the first, else counted."""
    if rows:
        return int(getattr(rows[0], TOTAL))
    return 0 if page <= 1 else int(session.scalar(count) or 0)
