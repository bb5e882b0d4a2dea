"""The response schemas of /api/v1, generated from the engine's typed results.

What an endpoint answers is a result type of `engine.results` (`TaskDetail`,
`InstanceView`, `Outcome`…), or one of the few envelopes below that the endpoints wrap
around them (a page with its number, a list under "items", an error). pydantic turns
those `TypedDict`s into JSON Schema (2020-12, what OpenAPI 3.1 uses); every type they
reach becomes one component, so a field added to an engine result appears in the
document with nothing to write here.

Components keep the names the hand-written document had (`RENAMED`: engine name → API
name), so clients generated from it see the same types.
"""

from typing import Annotated, Any, NotRequired

from pydantic import Field, TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode
from pydantic_core import CoreSchema
from typing_extensions import TypedDict

from engine.facade import AuditCommand, InstanceStatus, results

Schema = dict[str, Any]
REF = "#/components/schemas/{model}"

# -- envelopes the endpoints put around the engine's results --------------------------


class ErrorDetail(TypedDict):
    code: Annotated[
        str,
        Field(
            description="invalid, invalid_json, bpmn_rejected, unauthorized, forbidden, "
            "not_found, method_not_allowed, conflict, too_large, unsupported_media_type, "
            "too_many_requests, process_error, internal_error, …"
        ),
    ]
    message: Annotated[str, Field(description="One sentence fit to show a user.")]
    element_id: NotRequired[
        Annotated[
            str | None,
            Field(
                description="With code process_error (422): the model's element that "
                "failed (null when the library could not tell)."
            ),
        ]
    ]
    field_errors: Annotated[
        dict[str, list[str]],
        Field(
            description='Messages per form field or query parameter ("" for the whole '
            "form); empty when none."
        ),
    ]


class Error(TypedDict):
    """Every error the API answers."""

    error: ErrorDetail


class DeployError(TypedDict):
    """A deploy refused; with code bpmn_rejected, every problem found."""

    error: ErrorDetail
    problems: NotRequired[
        Annotated[
            list[results.BpmnProblem],
            Field(
                description="With code bpmn_rejected: every problem found (warnings too); "
                "field_errors.bpmn repeats the errors as text."
            ),
        ]
    ]


class Paged(TypedDict):
    page: int
    per_page: int


class TaskPage(results.InboxPage, Paged):
    """One page of a box of the caller's inbox, with the boxes' counts."""


class InstancePage(results.InstanceListPage, Paged):
    """One page of the instances the caller may see, newest first."""


class AuditEventPage(results.AuditSearchPage, Paged):
    """One page of the audit events the caller may see, newest first."""


class AdminEventPage(results.AdminEventList, Paged):
    """One page of the administrative changes, newest first."""


class ProcessList(TypedDict):
    items: list[results.ProcessView]


class OrgUnitList(TypedDict):
    at: Annotated[str, Field(description="The date asked (YYYY-MM-DD).")]
    kind: Annotated[str | None, Field(description="The kind asked, if any.")]
    items: Annotated[
        list[results.OrgUnitView],
        Field(description="The units in force on the date: districts first, then by kind, name."),
    ]


class ProcessVersions(TypedDict):
    key: str
    items: Annotated[list[results.VersionInfo], Field(description="Newest first.")]


class History(TypedDict):
    items: list[results.HistoryEvent]


class Claim(TypedDict):
    id: str
    claimed_by: str | None


class IncidentList(TypedDict):
    items: Annotated[list[results.IncidentView], Field(description="Newest failure first.")]


class MigrationResults(TypedDict):
    results: list[results.MoveOutcome]


class Replay(results.ReplaySteps):
    """An instance re-executed up to `step`."""

    step: Annotated[int, Field(description="The step asked for (the last by default).")]
    current: Annotated[
        results.ReplayStep | None,
        Field(description="Step `step` (null if the re-execution diverged before it)."),
    ]


# Every type an endpoint answers with (what it reaches is generated too).
RESPONSES: tuple[Any, ...] = (
    Error,
    DeployError,
    results.Deployed,
    ProcessVersions,
    results.MigrationPlan,
    MigrationResults,
    results.Token,
    results.UserView,
    OrgUnitList,
    ProcessList,
    results.Outcome,
    TaskPage,
    results.TaskDetail,
    Claim,
    InstancePage,
    results.InstanceView,
    History,
    AdminEventPage,
    AuditEventPage,
    Replay,
    results.Verification,
    IncidentList,
    results.IncidentView,
    InstanceStatus,
    AuditCommand,
    # the people administration (web/api/admin_people.py)
    results.UserPage,
    results.UserRecord,
    results.UserCreated,
    results.Deactivated,
    results.PasswordReset,
    results.Unlocked,
    results.HoldingChange,
    results.PeopleImport,
)

# Engine names whose API component keeps the name the document always had.
RENAMED = {
    "TaskView": "Task",
    "InboxItem": "InboxTask",
    "BoxCounts": "Counts",
    "InstanceView": "InstanceDetail",
    "ProcessView": "Process",
    "VersionInfo": "ProcessVersion",
    "UserView": "User",
    "ReplayVerdict": "Verdict",
    "AuditEventView": "AuditEvent",
    "CommentView": "Comment",
    "AttachmentView": "Attachment",
}


class _Generator(GenerateJsonSchema):
    """pydantic's generator, without a title on every property (the names say it)."""

    def field_title_should_be_set(self, schema: CoreSchema) -> bool:
        return False


def generated() -> dict[str, Schema]:
    """The components for every type in RESPONSES, named as in RENAMED."""
    mode: JsonSchemaMode = "serialization"
    inputs = [(t, mode, TypeAdapter(t)) for t in RESPONSES]
    _, top = TypeAdapter.json_schemas(inputs, ref_template=REF, schema_generator=_Generator)
    components = {RENAMED.get(name, name): _renamed(s) for name, s in top["$defs"].items()}
    for schema in components.values():
        schema.pop("title", None)
    return components


def ref(name: str) -> Schema:
    return {"$ref": REF.format(model=name)}


def _renamed(node: Any) -> Any:
    if isinstance(node, list):
        return [_renamed(n) for n in node]
    if not isinstance(node, dict):
        return node
    found = {k: _renamed(v) for k, v in node.items()}
    if isinstance(found.get("$ref"), str):
        name = found["$ref"].rsplit("/", 1)[-1]
        found["$ref"] = REF.format(model=RENAMED.get(name, name))
    return found
