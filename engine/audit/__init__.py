"""The audit log and its proofs: the hash chains (`chain.py`), verified re-execution
and step-by-step replay (`replay.py`), and history exports (`export.py`)."""
