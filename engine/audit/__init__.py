"""The audit log and its proofs: the per-instance hash chains (`chain.py`) and the signed
checkpoints over them (`checkpoints.py`, `merkle.py`, `keys.py`), verified re-execution
and step-by-step replay (`replay.py`), and history exports (`export.py`)."""
