"""A form draft: what a person typed into a task's form and saved without submitting."""

from typing import Annotated

from typing_extensions import TypedDict

from .schema import Moment, doc


class DraftView(TypedDict):
    task_id: str
    fields: Annotated[dict[str, list[str]], doc("Field name → the values as typed.")]
    saved_at: Moment
