"""Results about the audit log: a replay and its verdict, an instance's verification, a
search across instances, an exported history, the whole log's check."""

from typing import Annotated

from typing_extensions import TypedDict

from engine.enums import AuditCommand, InstanceStatus

from .instances import ElementStates
from .schema import Flow, JsonObject, Moment, doc


class ReplayVerdict(TypedDict):
    """What a re-execution of an instance found (engine.audit.replay.Verdict)."""

    instance_id: int
    verified: bool
    steps: Annotated[int, doc("Events checked.")]
    reproduced: Annotated[int, doc("Steps re-executed identically.")]
    diverged_at: Annotated[int | None, doc("The first step that differs.")]
    how: Annotated[str | None, doc("How it differs.")]
    verdict: Annotated[str, doc("The verdict in one sentence (English).")]


class BrokenLink(TypedDict):
    """A row of an instance's hash chain that does not hold."""

    seq: int
    reason: str


class Verification(ReplayVerdict):
    """The re-execution's verdict and the instance's chain (verified: both hold)."""

    chain: Annotated[list[BrokenLink], doc("Rows of the log's hash chain that were altered.")]


class StepTask(TypedDict):
    """The task a replay step acted on, with the role and unit it was for."""

    element_id: str
    name: str
    role: str | None
    unit: str | None
    unit_name: str | None


class ReplayStep(TypedDict):
    """One event of the log as the re-execution saw it."""

    seq: int
    task: Annotated[StepTask | None, doc("The task the step acted on (null: not a task's step).")]
    at: Moment
    actor: str
    command: Annotated[str, doc("start, complete, claim, timer, message, …")]
    payload: Annotated[JsonObject, doc("As recorded (form data in `data`).")]
    status: InstanceStatus
    version: Annotated[
        int,
        doc("The process version the instance ran after the step (a `migrate` step moves it)."),
    ]
    element_states: ElementStates
    flows_taken: list[Flow]
    data: Annotated[JsonObject | None, doc("The instance's data after the step.")]


class ReplaySteps(TypedDict):
    """An instance re-executed step by step."""

    instance_id: int
    steps: Annotated[list[ReplayStep], doc("The steps up to the one asked for (1..step).")]
    verdict: ReplayVerdict


class AuditEventView(TypedDict):
    """One audit event found by a search, with its instance."""

    global_seq: Annotated[
        int, doc("The event's number in the whole log (increasing in the order written).")
    ]
    instance_id: int
    seq: Annotated[int, doc("Place in the instance's own chain (its step).")]
    at: Moment
    actor: Annotated[str, doc("Username, or 'system'.")]
    actor_name: Annotated[str, doc("The actor's full name.")]
    command: AuditCommand
    task_id: str | None
    element_id: str | None
    task_name: str | None
    hash: str
    case_title: str
    process_key: str
    process_name: str
    unit: Annotated[str, doc("Code of the instance's org unit.")]
    unit_name: str
    whole_instance: Annotated[
        bool, doc("Whether the caller sees the whole instance (and may replay it).")
    ]


class AuditSearchPage(TypedDict):
    """One page of the audit events a user may see, newest first."""

    items: list[AuditEventView]
    total: int


class AdminEventView(TypedDict):
    """An administrative change (no instance): who changed what in the organisation,
    people or rules, with its number in the log and its place in the administration's chain."""

    global_seq: int
    seq: int
    at: Moment
    actor: str
    actor_name: str | None
    command: str
    payload: JsonObject
    hash: str


class AdminEventList(TypedDict):
    """One page of the administrative changes, newest first."""

    items: list[AdminEventView]
    total: int


class InstanceHeader(TypedDict):
    """An instance summed up at the top of its exported history."""

    id: int
    process_key: str
    process_name: str
    version: int
    case_title: str
    status: InstanceStatus
    unit: str
    unit_name: str
    started_by: str | None
    started_at: Moment
    ended_at: Moment | None


class ExportedEvent(TypedDict):
    """An event of an exported history, with its chain's hashes and the signed checkpoint
    that covers it."""

    seq: int
    at: Moment
    actor: str
    actor_name: str
    command: str
    task_id: str | None
    task_name: str
    payload: JsonObject
    result: JsonObject
    prev_hash: str
    hash: str
    global_seq: int
    checkpoint: Annotated[
        int | None,
        doc("The first signed checkpoint whose head of this chain is at or after the event."),
    ]


class ChainVerdict(TypedDict):
    intact: bool
    breaks: list[BrokenLink]


class HistoryExport(TypedDict):
    """An instance's history for the record."""

    instance: InstanceHeader
    events: list[ExportedEvent]
    blobs: Annotated[
        dict[str, JsonObject],
        doc(
            "The bodies events refer to by digest (`injected_ref`): SHA-256 of the body's"
            " JSON with sorted keys, no spaces, UTF-8."
        ),
    ]
    chain: ChainVerdict
    exported_at: Moment
    exported_by: str | None


class LogBreak(TypedDict):
    """Where the whole log does not hold (engine.audit.chain.GlobalBreak), described."""

    global_seq: int | None
    checkpoint: int | None
    instance_id: int | None
    seq: int | None
    reason: str
    text: str


class LogVerdict(TypedDict):
    """Every event checked against its chain and the signed checkpoints."""

    events: int
    checkpoints: int
    intact: bool
    breaks: list[LogBreak]


class CheckpointView(TypedDict):
    """A signed checkpoint of the audit log (engine.audit.checkpoints)."""

    id: int
    at: Moment
    heads: int
    last_event_id: int
    root: str
    hash: str
    public_key: str
