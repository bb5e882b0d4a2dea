"""`policyflow audit verify-chain`, `audit checkpoint` and `policyflow verify`: prove
the log and the runs."""

import json
import multiprocessing
import os
import sys
from collections.abc import Callable
from typing import TextIO

import click
from tqdm import tqdm

from cli.progress import hidden
from engine.facade import results

from .main import Policyflow, emit, json_option, main, pass_engine


@main.group("audit")
def audit_group() -> None:
    """Sổ nhật ký kiểm toán (chuỗi băm)."""


@audit_group.command("verify-chain")
@click.option(
    "--published",
    type=click.File(encoding="utf-8"),
    help="Bản sao các điểm kiểm tra ngoài CSDL (var/audit-checkpoints.jsonl).",
)
@json_option
@pass_engine
def verify_chain(pf: Policyflow, published: TextIO | None, as_json: bool) -> None:
    """Check the signed checkpoints and every event against its instance's chain; name
    each edited, deleted, inserted or reordered row. Exit code 1 when the log does not
    hold."""
    copies = _published(published) if published else None
    with tqdm(desc="Kiểm tra sổ", unit=" sự kiện", disable=hidden(as_json)) as bar:
        report = pf.audit.verify_log(progress=bar.update, published=copies)
    lines = [f"  {b['text']}" for b in report["breaks"]]
    head = (
        f"Sổ nhật ký nguyên vẹn: {report['events']} sự kiện, "
        f"{report['checkpoints']} điểm kiểm tra đã ký."
        if report["intact"]
        else f"Sổ nhật ký KHÔNG nguyên vẹn ({len(lines)} chỗ hỏng / {report['events']} sự kiện):"
    )
    emit(report, as_json, "\n".join([head, *lines]))
    if not report["intact"]:
        sys.exit(1)


def _published(lines: TextIO) -> dict[int, str]:
    """Checkpoint number -> hash from the scheduler's JSON lines (tasks/checkpoints.py)."""
    found = {}
    for line in lines:
        if line.strip():
            cp = json.loads(line)
            found[int(cp["id"])] = str(cp["hash"])
    return found


@audit_group.command("checkpoint")
@json_option
@pass_engine
def checkpoint(pf: Policyflow, as_json: bool) -> None:
    """Sign a checkpoint: the Merkle root of the chain heads that moved since the last
    one, linked to it (the scheduler writes one every few minutes)."""
    cp = pf.audit.checkpoint()
    text = (
        "Không có sự kiện mới từ điểm kiểm tra trước."
        if cp is None
        else f"Điểm kiểm tra {cp['id']}: {cp['heads']} chuỗi, băm {cp['hash']}, "
        f"khóa công khai {cp['public_key']}."
    )
    emit(cp, as_json, text)


@main.command()
@click.argument("instance_id", required=False, type=int)
@click.option("--all", "every", is_flag=True, help="Mọi hồ sơ.")
@click.option(
    "--workers",
    default=os.cpu_count() or 1,
    show_default=True,
    help="Số tiến trình khi kiểm chứng --all.",
)
@json_option
@pass_engine
def verify(
    pf: Policyflow, instance_id: int | None, every: bool, workers: int, as_json: bool
) -> None:
    """Re-execute INSTANCE (or --all) from its pinned BPMN version and recorded inputs and
    compare every step with the log. Exit code 1 when one diverges."""
    if (instance_id is None) == (not every):
        raise click.UsageError("give an INSTANCE id or --all")
    ids = pf.audit.instance_ids() if every or instance_id is None else [instance_id]
    with tqdm(
        total=len(ids), desc="Kiểm chứng", unit=" hồ sơ", disable=hidden(as_json or not every)
    ) as bar:
        verdicts = _verify_many(pf, ids, workers, bar.update)
    failed = [v for v in verdicts if not v["verified"]]
    emit(verdicts if every else verdicts[0], as_json, _human(verdicts, failed))
    if failed:
        sys.exit(1)


PARALLEL_FROM = 500  # fewer instances are done before a second process has started


def _verify_many(
    pf: Policyflow, ids: list[int], workers: int, advance: Callable[[int], object]
) -> list[results.Verification]:
    """Verdicts in id order; over several processes when there are many (the work is
    read-only and CPU-bound: one process per core)."""
    if workers <= 1 or len(ids) < PARALLEL_FROM:
        verdicts = []
        for one in ids:
            verdicts.append(pf.audit.verify(one))
            advance(1)
        return verdicts
    found: dict[int, results.Verification] = {}
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers, initializer=_worker_engine, initargs=(pf.url,)) as pool:
        for verdict in pool.imap_unordered(_verify_in_worker, ids, chunksize=100):
            found[verdict["instance_id"]] = verdict
            advance(1)
    return [found[one] for one in ids]


_ENGINE: Policyflow | None = None


def _worker_engine(url: str) -> None:
    global _ENGINE
    _ENGINE = Policyflow(url)


def _verify_in_worker(instance_id: int) -> results.Verification:
    assert _ENGINE is not None
    return _ENGINE.audit.verify(instance_id)


def _human(verdicts: list[results.Verification], failed: list[results.Verification]) -> str:
    lines = []
    for v in verdicts if len(verdicts) == 1 else failed:
        lines.append(f"Hồ sơ {v['instance_id']}: {_verdict(v)}")
        lines += [f"  chuỗi băm hỏng ở sự kiện {b['seq']}: {b['reason']}" for b in v["chain"]]
    if len(verdicts) > 1:
        lines.append(f"{len(verdicts) - len(failed)}/{len(verdicts)} hồ sơ tái hiện đúng.")
    return "\n".join(lines)


def _verdict(v: results.Verification) -> str:
    if v["diverged_at"] is None:
        return f"đã kiểm chứng: {v['steps']} bước tái hiện đúng"
    return f"sai khác ở bước {v['diverged_at']}: {v['how']}"
