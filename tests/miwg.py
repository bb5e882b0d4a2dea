"""Where the BPMN MIWG reference models are and how to read them (tests/test_miwg.py,
tests/browser/test_browser_miwg.py).

The models (OMG BPMN Model Interchange Working Group, CC BY 3.0) are read from the shared
conformance folder next to the repository; they are not part of this project and are never
copied into it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

# Beside the checkout (../shared), or where POLICYFLOW_MIWG_DIR says; a clone made elsewhere
# on this machine still finds the shared copy.
CANDIDATES = [
    Path(os.environ.get("POLICYFLOW_MIWG_DIR", "/nonexistent")),
    Path(__file__).resolve().parents[1].parent / "shared" / "conformance" / "miwg",
    Path("/work/shared/conformance/miwg"),
]
MIWG = next((c for c in CANDIDATES if c.is_dir()), CANDIDATES[1])
PATTERNS = ("A.*.bpmn", "B.*.bpmn", "C.1.1.bpmn", "C.4.0.bpmn", "C.8.0.bpmn")
FILES = sorted({p.name for pattern in PATTERNS for p in MIWG.glob(pattern)})
ABSENT = f"the BPMN MIWG reference models are not present in {MIWG}"


def read_text(name: str) -> str:
    """The model as text, decoded as its XML declaration says (several are ISO-8859-1)."""
    raw = (MIWG / name).read_bytes()
    declared = re.match(rb'<\?xml[^>]*encoding="([^"]+)"', raw)
    return raw.decode(declared.group(1).decode("ascii") if declared else "utf-8")
