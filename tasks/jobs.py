"""Running one job: the same code under Celery and under the embedded runner.

Each kind checks its own effect before acting (a fired timer does not fire again, an
e-mailed notice is not e-mailed again, a published page is not published again), so a
job that runs twice — redelivered after a crash, relayed twice — changes nothing twice.
Transient failures (database, SMTP, a concurrent command) propagate for the caller to
retry; a job that can never succeed is marked failed with the reason.
"""

import smtplib
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy.exc import OperationalError

from engine.errors import Conflict, PolicyflowError, ProcessFailed
from engine.facade import Policyflow, results, utcnow

from .senders import Senders

# Worth another try later, with backoff.
TRANSIENT: tuple[type[Exception], ...] = (
    Conflict,
    OperationalError,
    smtplib.SMTPException,
    OSError,
)


CITIZEN_MAIL_FROM = "khong-tra-loi@xuantruong.namdinh.gov.vn"  # the demo district's domain


class NotYet(Exception):
    """The job came early (a clock ahead of the database's); run it again at `at`."""

    def __init__(self, at: datetime) -> None:
        super().__init__(at.isoformat())
        self.at = at


Handler = Callable[[Policyflow, results.JobRun, Senders, datetime], str]


def run(pf: Policyflow, job_id: int, senders: Senders, now: datetime | None = None) -> str:
    """Run the job; return what happened ("fired", "sent", "published", "skipped", ...)."""
    job = pf.jobs.start(job_id)
    if job is None:
        return "skipped"
    try:
        outcome = HANDLERS[job["kind"]](pf, job, senders, now or utcnow())
    except NotYet:
        raise
    except TRANSIENT:
        raise
    except (PolicyflowError, KeyError) as err:
        pf.jobs.finish(job_id, error=f"{type(err).__name__}: {err}")
        return "failed"
    pf.jobs.finish(job_id)
    return outcome


def fire_timers(pf: Policyflow, job: results.JobRun, _: Senders, now: datetime) -> str:
    instance_id = job["instance_id"]
    if instance_id is None:  # a fire_timers job is always an instance's
        raise KeyError("instance_id")
    result = pf.jobs.fire_instance_timers(instance_id, now)
    if result["fired"]:
        return "fired"
    if result["next_due"] is not None and job["run_at"] >= now:
        # Ran before its time (clocks differ) or at its very instant (a timer is due only
        # once its time has passed): again just after it.
        raise NotYet(job["run_at"] + timedelta(milliseconds=1))
    return "nothing due"


def send_email(pf: Policyflow, job: results.JobRun, senders: Senders, now: datetime) -> str:
    sent = pf.jobs.deliver_email(job["payload"]["notification_id"], senders.mail, now)
    return "sent" if sent else "already sent"


def publish(pf: Policyflow, job: results.JobRun, senders: Senders, now: datetime) -> str:
    senders.publish(job["id"], job["payload"])
    return "published"


def mail_citizen(pf: Policyflow, job: results.JobRun, senders: Senders, now: datetime) -> str:
    """A letter of P4 to the requester (engine/rules/citizen_letters.py). The Message-ID
    is the job's: a folder mailer writes it once; an SMTP resend after a crash is the
    at-least-once the outbox promises."""
    payload = job["payload"]
    message = EmailMessage()
    message["To"] = str(payload["to"])
    message["From"] = CITIZEN_MAIL_FROM
    message["Subject"] = str(payload["subject"])
    message["Message-ID"] = f"<citizen-letter-{job['id']}@policyflow>"
    message.set_content(str(payload["body"]))
    senders.mail(message)
    return "sent"


def render_document(pf: Policyflow, job: results.JobRun, _: Senders, now: datetime) -> str:
    """The .docx a render_document service task asked for (its PDF is the next job)."""
    if job["instance_id"] is None:
        raise KeyError("instance_id")
    pf.documents.render(job["id"], job["instance_id"], job["payload"], now)
    return "rendered"


def document_pdf(pf: Policyflow, job: results.JobRun, _: Senders, now: datetime) -> str:
    """The PDF through LibreOffice; without it the job fails with the reason, kept with
    the document too (the .docx stands)."""
    error = pf.documents.convert(job["payload"]["document_id"])
    if error is not None:
        raise ProcessFailed(error)  # run() marks the job failed with the reason
    return "converted"


def publish_spokespersons(
    pf: Policyflow, job: results.JobRun, senders: Senders, now: datetime
) -> str:
    """The spokesperson register changed: publish it (the snapshot in the database, which
    the public page and JSON read, then the portal's copy; both once per job)."""
    published = pf.spokespersons.publish(job["id"], now)
    senders.publish(job["id"], {"title": "Danh sách người phát ngôn", "register": published})
    return "published"


HANDLERS: dict[str, Handler] = {
    "render_document": render_document,
    "document_pdf": document_pdf,
    "fire_timers": fire_timers,
    "send_email": send_email,
    "publish": publish,
    "publish_spokespersons": publish_spokespersons,
    "mail_citizen": mail_citizen,
}
