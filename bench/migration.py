"""Moving running instances to a newer version: what the dry run and the move cost.

N press_statement instances (BENCH_INSTANCES, 500 by default) wait at the draft step
inside the request-handling sub-process; version 2 inserts a legal check after the draft
(tests/test_migration.py). Measured, in one process:
- the dry run over all N (`Policyflow.migration_plan`: each workflow loaded and moved on
  a copy), suspending them, and moving them with resume (one transaction each: the move,
  its audit event, the work items following);
- bare SpiffWorkflow on the same states in memory: restore, diff and
  `migrate_workflow`, for the ratio;
- then `verify` of one moved instance (its replay includes the move).

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/policyflow_bench_migration \\
        .venv/bin/python bench/migration.py

The database is created if missing and re-created empty: do not point it at data you keep.
"""

import os
import sys
import time
from pathlib import Path

from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from sqlalchemy import select
from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The 2024 district's workload: the engine clock reads 2025-06-02, as in the tests (whose
# conftest, imported below with with_legal_check, sets that date anyway).
os.environ.setdefault("POLICYFLOW_CLOCK_DATE", "2025-06-02")
# The conftest also wants the engine loaded with the tests' cheap password hashing (it
# asserts so); nothing measured here checks a password.
os.environ.setdefault("POLICYFLOW_PASSWORD_PROFILE", "test")

from bench.engine import NOW, machine, prepare_database, start_data  # noqa: E402
from bench.paths import PRESS_MAIN_PATH  # noqa: E402
from engine.bpmn.specs import parse_process  # noqa: E402
from engine.bpmn.state import load_state, spec_registry  # noqa: E402
from engine.facade import Policyflow, read_forms  # noqa: E402
from engine.store.db import normalize_url, transaction  # noqa: E402
from engine.store.models import Instance  # noqa: E402
from tests.engine.test_migration import with_legal_check  # noqa: E402

URL = normalize_url(
    os.environ.get(
        "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/policyflow_bench_migration"
    )
)
N = int(os.environ.get("BENCH_INSTANCES", "500"))
WORKFLOWS = ROOT / "workflows"
OWNER = "chu_quy_trinh"


def to_draft(pf: Policyflow) -> int:
    """Start an instance and complete its steps up to (not including) the draft."""
    path = PRESS_MAIN_PATH
    state = pf.start("press_statement", path[0].user, start_data(path), now=NOW)
    for step in path[1:]:
        if step.element == "Draft":
            return state["id"]
        task = next(t for t in state["open_tasks"] if t["element_id"] == step.element)
        state = pf.complete(task["id"], step.user, step.data, now=NOW)
    raise AssertionError("the path has no draft step")


def bare(states: list[str], v1_xml: str, v2_xml: str) -> float:
    """Restore each state and move it with the library alone (no database, no checks)."""
    old, new = parse_process(v1_xml), parse_process(v2_xml)
    started = time.perf_counter()
    for state in states:
        wf = load_state(state, old.spec, dict(old.embedded))
        top, subs = diff_workflow(spec_registry(), wf, new.spec, dict(new.embedded))
        migrate_workflow(top, wf, new.spec)
        for sub_id, diff in subs.items():
            sub = wf.subprocesses[sub_id]
            migrate_workflow(diff, sub, new.embedded[sub.spec.name])
    return time.perf_counter() - started


def rate(label: str, n: int, seconds: float) -> None:
    each = seconds / n * 1000
    print(f"{label:<44} {n:>6} in {seconds:7.2f} s  {n / seconds:8.1f}/s  {each:7.2f} ms each")


def main() -> None:
    print(f"machine:  {machine()}")
    print(f"database: {URL.split('@')[-1]}")
    prepare_database(URL)
    pf = Policyflow(URL)
    forms = read_forms(WORKFLOWS / "forms")
    for name in ("document_approval.bpmn", "press_statement.bpmn"):
        pf.deploy((WORKFLOWS / name).read_text(encoding="utf-8"), forms)
    ids = [to_draft(pf) for _ in tqdm(range(N), desc="instances at the draft")]
    v1 = (WORKFLOWS / "press_statement.bpmn").read_text(encoding="utf-8")
    v2 = with_legal_check(v1)
    pf.deploy(v2, None, OWNER)
    with transaction(URL) as s:
        states = list(s.scalars(select(Instance.state).where(Instance.id.in_(ids))))

    started = time.perf_counter()
    plan = pf.moves.plan("press_statement", username=OWNER)
    dry = time.perf_counter() - started
    assert all(r["movable"] for r in plan["instances"]) and len(plan["instances"]) == N
    started = time.perf_counter()
    assert all(r["ok"] for r in pf.moves.suspend(ids, OWNER))
    suspend = time.perf_counter() - started
    started = time.perf_counter()
    moved = pf.moves.migrate("press_statement", ids, OWNER, resume=True)
    move = time.perf_counter() - started
    assert all(r["ok"] for r in moved), [r for r in moved if not r["ok"]][:3]
    bare_s = bare(states, v1, v2)
    started = time.perf_counter()
    verdict = pf.audit.verify(ids[0])
    verify_s = time.perf_counter() - started
    assert verdict["verified"], verdict

    rate("dry run (plan over all)", N, dry)
    rate("suspend (one transaction each)", N, suspend)
    rate("move + resume (one transaction each)", N, move)
    rate("bare SpiffWorkflow: restore + diff + migrate", N, bare_s)
    print(f"move vs bare: {move / bare_s:.1f}x   dry run vs bare: {dry / bare_s:.1f}x")
    print(f"verify of one moved instance ({verdict['steps']} steps): {verify_s * 1000:.0f} ms")


if __name__ == "__main__":
    main()
