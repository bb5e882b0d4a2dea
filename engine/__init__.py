"""policyflow's BPM core: deploy, start, advance, assign, timers, messages, audit.

Knows nothing of Flask or Celery; `engine.api.Policyflow` is the entry point.
"""
