"""An instance's stored state: its size and what writing and reading it costs, by zlib level.

    .venv/bin/python bench/state_codec.py            # a throw-away SQLite database
    .venv/bin/python bench/state_codec.py --rounds 500

Drives tests/data/linear3.bpmn and workflows/press_statement.bpmn (its main path, with
document_approval) through the engine, keeps the state stored after every command, then
for each: the JSON's size, `dump_state` (workflow → JSON) and `load_state` (JSON →
workflow) in CPU ms, what the column stores (engine/store/compression.py: zlib with a
preset dictionary) and what packing and unpacking cost — added to every command that
saves a state, and to every one that restores it from the database — and, for
comparison, zlib's size and time without the dictionary at levels 1, 6 and 9. Prints
the mean over the states of each model, and the machine.
"""

import argparse
import os
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from statistics import fmean
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("POLICYFLOW_CLOCK_DATE", "2025-06-02")

from sqlalchemy import select  # noqa: E402

from bench.engine import LINEAR_PATH, NOW, machine, start_data  # noqa: E402
from bench.paths import PRESS_MAIN_PATH, Step  # noqa: E402
from engine.bpmn.state import dump_state, load_state  # noqa: E402
from engine.commands.runner import Runtime, bundle_of  # noqa: E402
from engine.facade import Policyflow, read_forms  # noqa: E402
from engine.seed import seed_demo  # noqa: E402
from engine.store import compression  # noqa: E402
from engine.store import schema as migrate  # noqa: E402
from engine.store.db import transaction  # noqa: E402
from engine.store.models import Instance  # noqa: E402

LEVELS = (1, 6, 9)


def states_along(pf: Policyflow, key: str, path: list[Step]) -> tuple[int, list[str]]:
    """The instance's id and its stored state after the start and each completion."""
    found = []
    state = pf.start(key, path[0].user, start_data(path), now=NOW)
    found.append(stored(pf.url, state["id"]))
    for step in path:
        if step.element == "__start__":
            continue
        task = next(t for t in state["open_tasks"] if t["element_id"] == step.element)
        state = pf.complete(task["id"], step.user, step.data, now=NOW)
        found.append(stored(pf.url, state["id"]))
    return state["id"], found


def stored(url: str, instance_id: int) -> str:
    with transaction(url) as s:
        return str(s.scalar(select(Instance.state).where(Instance.id == instance_id)))


def cpu_ms(fn: Callable[[], Any], rounds: int) -> float:
    began = time.process_time()
    for _ in range(rounds):
        fn()
    return (time.process_time() - began) / rounds * 1000


def measure(pf: Policyflow, key: str, path: list[Step], rounds: int) -> None:
    instance_id, states = states_along(pf, key, path)
    with transaction(pf.url) as s:
        instance = s.get(Instance, instance_id)
        assert instance is not None
        spec, subs = bundle_of(s, Runtime(), instance).specs()
    rows: dict[str, list[float]] = {}

    def add(name: str, value: float) -> None:
        rows.setdefault(name, []).append(value)

    for text in states:
        raw = text.encode()
        workflow = load_state(text, spec, subs)
        add("JSON bytes", len(raw))
        add("dump_state ms", cpu_ms(lambda wf=workflow: dump_state(wf), rounds))
        add("load_state ms", cpu_ms(lambda t=text: load_state(t, spec, subs), rounds))
        packed = compression.pack(text)
        add("stored bytes", len(packed))  # what the column holds
        add("pack ms", cpu_ms(lambda t=text: compression.pack(t), rounds))
        add("unpack ms", cpu_ms(lambda p=packed: compression.unpack(p), rounds))
        for level in LEVELS:  # zlib without the dictionary, for comparison
            plain = zlib.compress(raw, level)
            add(f"zlib {level} bytes", len(plain))
            add(f"zlib {level} ms", cpu_ms(lambda r=raw, lv=level: zlib.compress(r, lv), rounds))
    print(f"{key}: {len(states)} states (after the start and each completion), mean of each")
    for name, values in rows.items():
        value = fmean(values)
        shown = f"{value:9.0f}" if name.endswith("bytes") else f"{value:9.3f}"
        print(f"  {name:24} {shown}   (max {max(values):.3f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=200, help="repetitions per timing")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/state_codec.db"
        migrate.upgrade(url)
        with transaction(url) as session:
            seed_demo(session)
        pf = Policyflow(url)
        linear3 = (ROOT / "tests/data/linear3.bpmn").read_text()
        pf.deploy(linear3, read_forms(ROOT / "tests/data/forms"))
        measure(pf, "linear3", LINEAR_PATH, args.rounds)
        forms = read_forms(ROOT / "workflows/forms")
        for name in ("document_approval.bpmn", "press_statement.bpmn"):
            pf.deploy((ROOT / "workflows" / name).read_text(encoding="utf-8"), forms)
        measure(pf, "press_statement", PRESS_MAIN_PATH, max(1, args.rounds // 4))


if __name__ == "__main__":
    main()
