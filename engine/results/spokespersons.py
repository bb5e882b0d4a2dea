"""Results about the spokesperson register (`pf.spokespersons`): who speaks for each body
on a day, a designation's history, a change and a publication."""

from typing import Annotated

from typing_extensions import TypedDict

from .schema import Day, Moment, doc


class SpokespersonEntry(TypedDict):
    """One designation: a body's spokesperson for a period (Nghị định 09/2017/NĐ-CP
    Điều 2 and 7)."""

    id: int
    unit: Annotated[str, doc("Code of the body (a People's Committee) they speak for.")]
    unit_name: str
    full_name: str
    position: str
    phone: str
    email: str
    username: Annotated[str | None, doc("The user they are, where there is one.")]
    valid_from: Day
    valid_to: Annotated[
        str | None, doc("Last day (YYYY-MM-DD): the row's own, or the day before the next.")
    ]
    source: Annotated[str, doc("The decision or source of the designation.")]
    verified: Annotated[bool, doc("False: not checked against its source.")]
    published: Annotated[bool, doc("Published by a publication job.")]


class SpokespersonRegister(TypedDict):
    """The register on a day: the spokesperson in force for each body that has one."""

    on: Day
    entries: list[SpokespersonEntry]
    published_at: Annotated[Moment | None, doc("The latest publication, if any.")]


class SpokespersonHistory(TypedDict):
    """Every designation ever recorded for one body, oldest first (nothing is overwritten)."""

    unit: str
    unit_name: str
    entries: list[SpokespersonEntry]


class SpokespersonChange(TypedDict):
    """A designation recorded (audited), and the publication job it started."""

    entry: SpokespersonEntry
    before: Annotated[SpokespersonEntry | None, doc("Who was in force on its first day.")]
    reason: str
    job: Annotated[int, doc("The publication job's id.")]


class SpokespersonPublished(TypedDict):
    """What a publication job wrote."""

    publication: int
    job: int
    published_at: Moment
    on: Day
    entries: list[SpokespersonEntry]
    digest: str
    newly_published: Annotated[int, doc("Designations made public by this publication.")]
