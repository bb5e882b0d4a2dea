"""Per-evaluation resource accounting.

Every evaluation/execution gets a fresh :class:`Budget`, published through a
ContextVar so the guards can find it without any shared mutable state: the same
engine is used by many threads at once, and each thread has its own context.

Limits are counted, not timed, so a script either always or never hits them
(replay stays deterministic).  A CPU-time deadline is only a safety net for
C-level operations the counters cannot see (e.g. ``x in big_list`` in a loop).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from .errors import SandboxError

# One step ~ one AST node executed in a loop body / comprehension / function call.
MAX_STEPS = 2_000_000
# Cumulative size of values built by guarded operations, in machine words
# (a list item is one word, eight characters of a string are one word).
MAX_ALLOC_WORDS = 8_000_000
# Largest single string (characters) or container (items) a guard lets be built.
MAX_LENGTH = 1_000_000
# Largest integer (bits) a guarded *, **, << may produce.
MAX_INT_BITS = 100_000
# CPU seconds of one evaluation; checked every TIME_CHECK_EVERY guard calls.
MAX_CPU_SECONDS = 1.0
TIME_CHECK_EVERY = 32


class Budget:
    """Counters of one evaluation.  Once exceeded it stays exceeded."""

    __slots__ = ("calls", "started", "steps", "words")

    def __init__(self) -> None:
        self.steps = 0
        self.words = 0
        self.calls = 0
        self.started: float | None = None

    def spend(self, steps: int) -> None:
        self.steps += steps
        if self.steps > MAX_STEPS:
            self.steps = MAX_STEPS + 1  # sticky: every later guard raises again
            raise SandboxError(
                f"The code was stopped after {MAX_STEPS:,} steps (step limit; endless loop?)"
            )
        self.calls += 1
        if self.calls % TIME_CHECK_EVERY == 0:
            self._check_time()

    def allocate(self, words: int) -> None:
        self.words += words
        if self.words > MAX_ALLOC_WORDS:
            self.words = MAX_ALLOC_WORDS + 1
            raise SandboxError(
                f"The code was stopped after building {MAX_ALLOC_WORDS * 8:,} bytes of values "
                "(memory limit)"
            )
        self.spend(1)

    def _check_time(self) -> None:
        now = time.thread_time()
        if self.started is None:
            # Started lazily: most evaluations never reach a check and so never
            # pay for the clock syscall.
            self.started = now
        elif now - self.started > MAX_CPU_SECONDS:
            self.steps = MAX_STEPS + 1
            raise SandboxError(
                f"The code was stopped after {MAX_CPU_SECONDS:g} s of CPU time (time limit)"
            )


_CURRENT: ContextVar[Budget | None] = ContextVar("sandbox_budget", default=None)


def current() -> Budget:
    """The budget of the running evaluation; fails closed outside of one."""
    budget = _CURRENT.get()
    if budget is None:
        raise SandboxError("Sandboxed code can only run inside an evaluation")
    return budget


@contextmanager
def metered() -> Iterator[Budget]:
    """Run the body with a fresh budget."""
    budget = Budget()
    token = _CURRENT.set(budget)
    try:
        yield budget
    finally:
        _CURRENT.reset(token)
