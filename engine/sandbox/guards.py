"""Run-time guards called by the code that :mod:`.transform` rewrites.

Every guard finds the running evaluation's budget via :func:`.budget.current`
and refuses *before* building a value that would exceed a limit, so a bomb
such as ``"a" * 10**10`` never allocates.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterator
from typing import Any

from .budget import MAX_INT_BITS, current
from .errors import SandboxError
from .methods import lookup
from .sizes import SIZED_TYPES, check_length, text_size, words_of

_SEQUENCES = (str, list, tuple)
# Widths/precisions in format specs and %-formats; larger ones build huge strings.
MAX_FORMAT_WIDTH = 10_000

_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "Add": operator.add,
    "Sub": operator.sub,
    "Mult": operator.mul,
    "Div": operator.truediv,
    "FloorDiv": operator.floordiv,
    "Mod": operator.mod,
    "Pow": operator.pow,
    "LShift": operator.lshift,
    "RShift": operator.rshift,
    "BitOr": operator.or_,
    "BitXor": operator.xor,
    "BitAnd": operator.and_,
    "MatMult": operator.matmul,
}
_INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "Add": operator.iadd,
    "Sub": operator.isub,
    "Mult": operator.imul,
    "Div": operator.itruediv,
    "FloorDiv": operator.ifloordiv,
    "Mod": operator.imod,
    "Pow": operator.ipow,
    "LShift": operator.ilshift,
    "RShift": operator.irshift,
    "BitOr": operator.ior,
    "BitXor": operator.ixor,
    "BitAnd": operator.iand,
    "MatMult": operator.imatmul,
}


def _is_int(value: object) -> bool:
    return isinstance(value, int)  # bool included: True * "x" repeats too


def _check_int_bits(bits: int) -> None:
    if bits > MAX_INT_BITS:
        raise SandboxError(
            f"A number of about {bits:,} bits exceeds the limit of {MAX_INT_BITS:,} bits"
        )


def _check_mult(left: Any, right: Any) -> None:
    if _is_int(left) and _is_int(right):
        _check_int_bits(left.bit_length() + right.bit_length())
    elif isinstance(left, _SEQUENCES) and _is_int(right):
        check_length(len(left) * max(right, 0), type(left).__name__)
    elif _is_int(left) and isinstance(right, _SEQUENCES):
        check_length(len(right) * max(left, 0), type(right).__name__)


def _check_pow(left: Any, right: Any) -> None:
    if _is_int(left) and _is_int(right) and right > 0 and abs(left) > 1:
        _check_int_bits(left.bit_length() * right)


def _check_lshift(left: Any, right: Any) -> None:
    if _is_int(left) and _is_int(right) and left != 0 and right > 0:
        _check_int_bits(left.bit_length() + right)


def _check_add(left: Any, right: Any) -> None:
    if isinstance(left, SIZED_TYPES) and isinstance(right, SIZED_TYPES):
        check_length(len(left) + len(right), type(left).__name__)


_PERCENT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d*)(?:\.(\*|\d*))?")


def _check_percent_format(template: str, args: Any) -> None:
    for width, precision in _PERCENT.findall(template):
        for number in (width, precision):
            if number == "*" or (number and int(number) > MAX_FORMAT_WIDTH):
                raise SandboxError(
                    f"A %-format width or precision above {MAX_FORMAT_WIDTH:,} "
                    "is not allowed (memory limit)"
                )
    text_size(args)


def _check_mod(left: Any, right: Any) -> None:
    if isinstance(left, str):
        _check_percent_format(left, right)


_PRE_CHECKS: dict[str, Callable[[Any, Any], None]] = {
    "Mult": _check_mult,
    "Pow": _check_pow,
    "LShift": _check_lshift,
    "Add": _check_add,
    "Mod": _check_mod,
}


def guard_binop(op: str, left: Any, right: Any) -> Any:
    """``left <op> right`` with size checks before the result is built."""
    return _apply(_BINARY[op], op, left, right)


def guard_inplace(op: str, left: Any, right: Any) -> Any:
    """``left <op>= right``; in place for lists, as in plain Python."""
    return _apply(_INPLACE[op], op, left, right)


def _apply(function: Callable[[Any, Any], Any], op: str, left: Any, right: Any) -> Any:
    budget = current()
    check = _PRE_CHECKS.get(op)
    if check is not None:
        check(left, right)
    result = function(left, right)
    budget.allocate(words_of(result))
    return result


def guard_inplace_item(container: Any, key: Any, op: str, value: Any) -> None:
    """``container[key] <op>= value``."""
    container[key] = guard_inplace(op, container[key], value)


def guard_slice(value: Any, lower: Any, upper: Any, step: Any) -> Any:
    """``value[lower:upper:step]``: a copy, charged by its size."""
    result = value[lower:upper:step]
    current().allocate(words_of(result))
    return result


def guard_attr(receiver: object, name: str) -> object:
    """``receiver.name``: only whitelisted methods of built-in data types."""
    return lookup(receiver, name)


def guard_iter(iterable: Any, weight: int) -> Iterator[Any]:
    """Iterate, charging ``weight`` steps (the loop body's size) per item."""
    budget = current()
    for item in iterable:
        budget.spend(weight)
        yield item


def guard_tick(weight: int) -> None:
    """One pass of a while body, a function call or a lambda call."""
    current().spend(weight)


def guard_unpack(value: Any) -> Any:
    """``*value`` / ``**value``: charged by size; lazy iterables are counted."""
    budget = current()
    if isinstance(value, SIZED_TYPES):
        budget.spend(len(value))
        budget.allocate(len(value))
        return value
    return _counted(value)


def _counted(values: Any) -> Iterator[Any]:
    budget = current()
    for count, item in enumerate(values, start=1):
        check_length(count, "sequence")
        budget.allocate(1)
        yield item


_SPEC_NUMBER = re.compile(r"\d+")
_CONVERSIONS: dict[int, Callable[[object], str]] = {ord("s"): str, ord("r"): repr, ord("a"): ascii}


def guard_format(value: Any, conversion: int, spec: str) -> str:
    """One f-string field: bounded width/precision and output size."""
    if any(int(number) > MAX_FORMAT_WIDTH for number in _SPEC_NUMBER.findall(spec)):
        raise SandboxError(
            f"A format width or precision above {MAX_FORMAT_WIDTH:,} is not allowed (memory limit)"
        )
    text_size(value)
    if conversion in _CONVERSIONS:
        value = _CONVERSIONS[conversion](value)
    result = format(value, spec)
    current().allocate(words_of(result))
    return result


GUARDS: dict[str, Callable[..., Any]] = {
    "_sbx_attr": guard_attr,
    "_sbx_binop": guard_binop,
    "_sbx_inplace": guard_inplace,
    "_sbx_inplace_item": guard_inplace_item,
    "_sbx_slice": guard_slice,
    "_sbx_iter": guard_iter,
    "_sbx_tick": guard_tick,
    "_sbx_unpack": guard_unpack,
    "_sbx_format": guard_format,
}
