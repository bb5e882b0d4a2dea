"""`policyflow scheduler | sweep | jobs`: background work without Celery, and its state."""

import logging
from datetime import datetime
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from tasks.embedded import EmbeddedRunner

from .main import Policyflow, emit, json_option, main, parse_now, pass_engine


def _runner(pf: Policyflow) -> "EmbeddedRunner":
    """The embedded runner (tasks/ is imported only by the commands that use it)."""
    from tasks.embedded import EmbeddedRunner
    from tasks.senders import Senders
    from tasks.settings import Settings

    settings = Settings.from_env()
    return EmbeddedRunner(pf, settings, Senders.from_settings(settings))


@main.command()
@click.option("--interval", default=1.0, show_default=True, help="Giây giữa hai lần kiểm tra.")
@pass_engine
def scheduler(pf: Policyflow, interval: float) -> None:
    """Run background work in this process (the embedded default, without Redis):
    timers, e-mails, portal pages, reminders. Run exactly one."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s scheduler %(message)s")
    _runner(pf).run_forever(interval)


@main.command()
@click.option("--now", default=None, help="Thời điểm ISO 8601 (mặc định: bây giờ).")
@json_option
@pass_engine
def sweep(pf: Policyflow, now: str | None, as_json: bool) -> None:
    """One pass now: due jobs, timers past due, reminders owed."""
    moment: datetime | None = parse_now(now)
    counts = _runner(pf).tick(moment)
    emit(
        counts,
        as_json,
        f"Đã chạy {counts['jobs']} việc nền, kích hoạt hẹn giờ ở {counts['fired']} hồ sơ, "
        f"gửi {counts['reminders']} lời nhắc.",
    )


@main.command()
@json_option
@pass_engine
def jobs(pf: Policyflow, as_json: bool) -> None:
    """Background jobs by state (pending, sent, done, failed)."""
    counts = pf.jobs.counts()
    labels = {"pending": "chờ gửi", "sent": "đã giao", "done": "xong", "failed": "lỗi"}
    emit(counts, as_json, ", ".join(f"{labels.get(k, k)}: {v}" for k, v in sorted(counts.items())))
