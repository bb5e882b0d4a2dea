"""Parse, check, rewrite and compile untrusted source, once per distinct text."""

from __future__ import annotations

import ast
from functools import lru_cache
from types import CodeType

from .errors import SandboxError
from .policy import MAX_SOURCE_CHARS, check_tree
from .transform import inject_guards

# SpiffWorkflow finds the failing line of a script by this file name.
FILENAME = "<string>"
_MODES = ("eval", "exec")


def compile_sandboxed(source: str, mode: str) -> CodeType:
    """Code object for ``source``; raises SandboxError if the policy refuses it."""
    result = _compile_cached(source, mode)
    if isinstance(result, str):
        raise SandboxError(result)
    return result


def check_code(source: str, mode: str) -> str | None:
    """Deploy-time check: the message that running ``source`` would fail with, or None."""
    result = _compile_cached(source, mode)
    return result if isinstance(result, str) else None


@lru_cache(maxsize=2048)
def _compile_cached(source: str, mode: str) -> CodeType | str:
    # Refusals are cached too: a bad condition is evaluated again on every step.
    if mode not in _MODES:
        raise ValueError(f"mode must be 'eval' or 'exec', not {mode!r}")
    try:
        return _compile(source, mode)
    except SandboxError as error:
        return str(error)


def _compile(source: str, mode: str) -> CodeType:
    if not isinstance(source, str):
        raise SandboxError("The code must be text")
    if len(source) > MAX_SOURCE_CHARS:
        raise SandboxError(f"The code is longer than {MAX_SOURCE_CHARS:,} characters")
    if mode == "eval":
        source = source.strip()  # eval() itself tolerates the indentation XML adds
    try:
        tree: ast.Expression | ast.Module = (
            ast.parse(source, FILENAME, "eval") if mode == "eval" else ast.parse(source, FILENAME)
        )
        check_tree(tree)
        return compile(inject_guards(tree), FILENAME, mode)
    except SyntaxError as error:
        raise SandboxError(f"Syntax error on line {error.lineno}: {error.msg}") from None
    except (RecursionError, MemoryError):
        raise SandboxError("The code is nested too deeply") from None
