"""The built-in names sandboxed code sees.

They live in the ``__builtins__`` of the evaluation, not in its globals, so a
task-data variable of the same name (a form field called ``min``) simply
shadows them, as in plain Python.  Functions that consume an iterable or build
a value charge the budget; dangerous built-ins are replaced by stubs that raise
a clear SandboxError instead of a puzzling NameError.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .budget import current
from .errors import SandboxError
from .methods import materialize
from .sizes import check_length, length_of, text_size, words_of

MAX_ZIP_ARGS = 16
MAX_ROUND_DIGITS = 1_000

_FORBIDDEN = (
    "open",
    "eval",
    "exec",
    "compile",
    "getattr",
    "setattr",
    "delattr",
    "hasattr",
    "globals",
    "locals",
    "vars",
    "dir",
    "type",
    "input",
    "breakpoint",
    "help",
    "memoryview",
    "super",
    "object",
    "print",
    "classmethod",
    "staticmethod",
    "property",
    "id",
    "hash",
    "iter",
    "next",
    "callable",
    "issubclass",
    "format",
    "repr",
    "ascii",
    "bytes",
    "bytearray",
    "map",
    "filter",
    "exit",
    "quit",
    "license",
    "credits",
    "copyright",
    "frozenset",
    "slice",
    "complex",
    "pow",
    "aiter",
    "anext",
)


def _stub(name: str) -> Callable[..., Any]:
    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise SandboxError(f"The built-in '{name}' is not available in BPMN code")

    return forbidden


def _consumed(values: Any) -> Any:
    """An iterable argument, charged by size (lazy ones item by item)."""
    values = materialize(values)
    current().spend(length_of(values))
    return values


def _built(value: Any) -> Any:
    current().allocate(words_of(value))
    return value


def safe_str(value: Any = "") -> str:
    text_size(value)
    return _built(str(value))


def safe_list(values: Any = ()) -> list[Any]:
    return _built(list(_consumed(values)))


def safe_tuple(values: Any = ()) -> tuple[Any, ...]:
    return _built(tuple(_consumed(values)))


def safe_set(values: Any = ()) -> set[Any]:
    return _built(set(_consumed(values)))


def safe_dict(values: Any = (), **kwargs: Any) -> dict[Any, Any]:
    return _built(dict(_consumed(values), **kwargs))


def safe_sorted(
    values: Any, *, key: Callable[[Any], Any] | None = None, reverse: bool = False
) -> list[Any]:
    return _built(sorted(_consumed(values), key=key, reverse=reverse))


def safe_sum(values: Any, start: int | float = 0) -> Any:
    # A list/str start would make sum() concatenate quadratically outside the guards.
    if type(start) not in (int, float, bool):
        raise SandboxError("sum() only adds numbers in BPMN code (memory limit)")
    return _built(sum(_consumed(values), start))


def safe_min(*args: Any, **kwargs: Any) -> Any:
    return min(*_iterable_args(args), **kwargs)


def safe_max(*args: Any, **kwargs: Any) -> Any:
    return max(*_iterable_args(args), **kwargs)


def _iterable_args(args: tuple[Any, ...]) -> tuple[Any, ...]:
    return (_consumed(args[0]),) if len(args) == 1 else args


def safe_any(values: Any) -> bool:
    return any(_consumed(values))


def safe_all(values: Any) -> bool:
    return all(_consumed(values))


def safe_range(*args: int) -> range:
    result = range(*args)
    try:
        length = len(result)
    except OverflowError:
        length = 2**63
    check_length(length, "range")
    return result


def safe_zip(*iterables: Any) -> zip[tuple[Any, ...]]:
    if len(iterables) > MAX_ZIP_ARGS:
        raise SandboxError(f"zip() takes at most {MAX_ZIP_ARGS} iterables in BPMN code")
    return zip(*iterables)  # noqa: B905  (plain zip semantics, as users expect)


def safe_round(number: Any, ndigits: int | None = None) -> Any:
    # round(5, -10**9) would compute 10**(10**9).
    if ndigits is not None and isinstance(ndigits, int) and abs(ndigits) > MAX_ROUND_DIGITS:
        raise SandboxError(
            f"round() to more than {MAX_ROUND_DIGITS:,} digits is not allowed (memory limit)"
        )
    return round(number, ndigits)


_TYPE_OF_WRAPPER: dict[object, type] = {
    safe_str: str,
    safe_list: list,
    safe_tuple: tuple,
    safe_set: set,
    safe_dict: dict,
    int: int,
    float: float,
    bool: bool,
}


def safe_isinstance(value: Any, kinds: Any) -> bool:
    """isinstance() against the data types only (no class hierarchy probing)."""
    wanted = kinds if isinstance(kinds, tuple) else (kinds,)
    try:
        types = tuple(_TYPE_OF_WRAPPER[kind] for kind in wanted)
    except (KeyError, TypeError):
        raise SandboxError(
            "isinstance() accepts only str, int, float, bool, list, dict, tuple or set"
        ) from None
    return isinstance(value, types)


SAFE_BUILTINS: dict[str, Any] = {
    **{name: _stub(name) for name in _FORBIDDEN},
    "len": len,
    "abs": abs,
    "bool": bool,
    "int": int,
    "float": float,
    "chr": chr,
    "ord": ord,
    "divmod": divmod,
    "enumerate": enumerate,
    "reversed": reversed,
    "str": safe_str,
    "list": safe_list,
    "tuple": safe_tuple,
    "set": safe_set,
    "dict": safe_dict,
    "sorted": safe_sorted,
    "sum": safe_sum,
    "min": safe_min,
    "max": safe_max,
    "any": safe_any,
    "all": safe_all,
    "range": safe_range,
    "zip": safe_zip,
    "round": safe_round,
    "isinstance": safe_isinstance,
}
