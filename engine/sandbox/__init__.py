"""Sandbox for the Python that BPMN processes carry (scripts and expressions).

Process owners upload BPMN, so its code is untrusted.  It is compiled through a
whitelist AST policy (:mod:`.policy`), rewritten so attribute access, risky
operators and loops go through run-time guards (:mod:`.transform`,
:mod:`.guards`), and run against a small set of safe built-ins with a step,
memory and CPU budget per evaluation (:mod:`.budget`).
"""

from .compiler import check_code
from .errors import SandboxError
from .script_engine import make_script_engine

__all__ = ["SandboxError", "check_code", "make_script_engine"]
