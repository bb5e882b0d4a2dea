"""The scheduler's audit checkpoint: sign one (engine/audit/checkpoints.py), log it, and
append its number and hash to `<spool>/audit-checkpoints.jsonl` — a copy outside the
database, so that deleting the newest checkpoints from the database is seen too
(`policyflow audit verify-chain --published var/audit-checkpoints.jsonl`). Ship that
file, or the log lines, off the machine to make the copy independent of it as well."""

import json
import logging
from pathlib import Path

from engine.facade import Policyflow, results

log = logging.getLogger(__name__)
PUBLISHED = "audit-checkpoints.jsonl"


def checkpoint(pf: Policyflow, spool: Path) -> results.CheckpointView | None:
    cp = pf.audit.checkpoint()
    if cp is None:
        return None
    log.info("audit checkpoint %s hash %s key %s", cp["id"], cp["hash"], cp["public_key"])
    spool.mkdir(parents=True, exist_ok=True)
    with (spool / PUBLISHED).open("a", encoding="utf-8") as f:
        f.write(json.dumps(cp, ensure_ascii=False, sort_keys=True) + "\n")
    return cp
