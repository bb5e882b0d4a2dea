"""Results for background work (tasks/ and the CLI): a job to run, timers fired, jobs by
state."""

from datetime import datetime

from typing_extensions import TypedDict

from engine.enums import JobState

from .schema import JsonObject


class JobRun(TypedDict):
    """A background job as its runner needs it."""

    id: int
    kind: str  # fire_timers | send_email | publish
    instance_id: int | None
    payload: JsonObject
    run_at: datetime
    attempts: int


class JobTrouble(TypedDict):
    """A job an operator should look at: handed to the queue and not finished within the
    redelivery time (stuck), or given up on (failed)."""

    id: int
    kind: str  # fire_timers | send_email | publish
    instance_id: int | None
    state: JobState  # sent (stuck) | failed
    run_at: datetime
    sent_at: datetime | None
    attempts: int
    last_error: str | None


class TimersFired(TypedDict):
    """An instance's due timers fired, and its next waiting one (None: none, or ended)."""

    fired: list[str]
    next_due: datetime | None


JobCounts = dict[JobState, int]  # jobs by state (a state without jobs is left out)
