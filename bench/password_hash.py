"""Password hashing: how long one argon2id verification takes with the parameters
policyflow uses (engine/access/accounts.py: OWASP's 19 MiB, t=2, p=1) and with the other
profiles OWASP lists as equivalent, beside argon2-cffi's defaults (RFC 9106 low-memory,
64 MiB, t=3, p=4), so the choice can be remade on another machine:

    .venv/bin/python bench/password_hash.py

A login verifies one hash; the target is well under 100 ms so that signing in stays quick
under load while an offline guess still costs 19 MiB and two passes.
"""

import os
import statistics
import sys
import time
from pathlib import Path

from argon2 import PasswordHasher

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.machine import cpu_model  # noqa: E402
from engine.access import accounts  # noqa: E402

PROFILES = {
    "policyflow (OWASP 19 MiB, t=2, p=1)": dict(
        memory_cost=accounts.MEMORY_KIB, time_cost=accounts.TIME_COST,
        parallelism=accounts.PARALLELISM,
    ),
    "OWASP 46 MiB, t=1, p=1": dict(memory_cost=47_104, time_cost=1, parallelism=1),
    "OWASP 12 MiB, t=3, p=1": dict(memory_cost=12_288, time_cost=3, parallelism=1),
    "OWASP 9 MiB, t=4, p=1": dict(memory_cost=9_216, time_cost=4, parallelism=1),
    "argon2-cffi default (64 MiB, t=3, p=4)": {},
}  # fmt: skip


def main() -> None:
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores")
    for name, params in PROFILES.items():
        hasher = PasswordHasher(**params)  # type: ignore[arg-type]
        hashed = hasher.hash("a password of twenty chars")
        times = []
        for _ in range(7):
            start = time.perf_counter()
            hasher.verify(hashed, "a password of twenty chars")
            times.append(time.perf_counter() - start)
        print(f"{name:42} median {statistics.median(times) * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
