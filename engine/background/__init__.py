"""Work the engine does by itself, written in the command's transaction and run later:
the outbox of jobs (`outbox.py`), what a job run needs (`job_runs.py`), reminders and
escalations (`reminders.py`), notices and their e-mails (`notices.py`). The queue that
runs jobs (Celery, the embedded runner) lives in tasks/, outside the engine."""
