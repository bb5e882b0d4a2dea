"""policyflow's BPM core: deploy, start, advance, assign, timers, messages, audit.

Knows nothing of Flask or Celery. The one entry point is `engine.facade.Policyflow`;
the packages, by concern:

- `facade/`: `Policyflow` and its sub-facades (audit, jobs, moves, versions, accounts,
  org, incidents) over one `Core` — one transaction per command;
- `commands/`: what changes instances (the one command path in `runner.py`);
- `queries/`: read-only views (inbox, instances, a task, audit search);
- `results/`: the typed shapes the facade returns; `enums.py`: the states, named once;
- `store/`: database, models, Alembic revisions, database errors told apart;
- `audit/`: hash chains, verified replay, exports;
- `background/`: outbox jobs, reminders, notices;
- `access/`: org tree, accounts, who sees what;
- `rules/`: forms, due dates, the working calendar, service operations;
- `bpmn/`: safe XML, parsing, standard literals, state, pruning, diff, validation;
- `sandbox/`: untrusted scripts and expressions;
- `errors.py` (errors with translatable messages), `context.py` (the command's clock and
  ids), `seed.py` (the demo district).
"""
