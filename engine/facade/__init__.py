"""The engine's one public face: `Policyflow`, composed of sub-facades that share one
`Core` (database, runtime caches, one transaction per command).

web/, tasks/ and cli/ import only this package (and engine.errors).
"""

from engine.facade.policyflow import Policyflow, read_forms

__all__ = ["Policyflow", "read_forms"]
