"""Celery jobs: timers, service tasks, reminders, the outbox relay (issue: background work).

Until then `policyflow fire-timers` (cron, or `watch -n 60`) fires due timers.
"""
