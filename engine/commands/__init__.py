"""Commands that change instances, each run in one transaction by the facade.

`runner.py` is the one command path (`InstanceRun.execute`: load, run the library, sync
waiting work, save, append one audit event); `start.py`, `claim_complete.py`,
`lifecycle.py` (cancel, suspend, timers, messages), `collaboration.py` (reassign,
comments, attachments) and `moves.py` (moving instances to another version) are the
commands; `deploy.py` makes process versions.
"""
