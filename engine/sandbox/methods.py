"""Which methods of which built-in types sandboxed code may call, and at what cost.

Attribute access is allowed only on the exact types below (no subclasses, no
type objects, functions, generators or frames) and only for the listed names,
so ``str.format``, ``gi_frame``, ``mro`` and every dunder are unreachable even if
the static policy missed one.  Each call is charged to the budget: ``SCAN``
methods by the size they read, ``COPY`` methods also by the size they build.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any

from .budget import Budget, current
from .errors import SandboxError
from .sizes import SIZED_TYPES, check_length, length_of, words_of


class Cost(Enum):
    CONST = "const"  # O(1), or adds one item
    SCAN = "scan"  # reads the receiver and the arguments
    COPY = "copy"  # SCAN, and builds a new value of similar size
    GROW = "grow"  # adds its argument's items to the receiver


_STR_METHODS = {
    **dict.fromkeys(
        (
            "count",
            "find",
            "rfind",
            "index",
            "rindex",
            "startswith",
            "endswith",
            "isalnum",
            "isalpha",
            "isascii",
            "isdecimal",
            "isdigit",
            "islower",
            "isnumeric",
            "isspace",
            "istitle",
            "isupper",
        ),
        Cost.SCAN,
    ),
    **dict.fromkeys(
        (
            "capitalize",
            "casefold",
            "lower",
            "upper",
            "swapcase",
            "title",
            "strip",
            "lstrip",
            "rstrip",
            "removeprefix",
            "removesuffix",
            "split",
            "rsplit",
            "splitlines",
            "partition",
            "rpartition",
            "join",
            "replace",
            "center",
            "ljust",
            "rjust",
            "zfill",
        ),
        Cost.COPY,
    ),
}
_LIST_METHODS = {
    **dict.fromkeys(("append", "pop", "clear"), Cost.CONST),
    **dict.fromkeys(("insert", "count", "index", "remove", "reverse", "sort"), Cost.SCAN),
    "copy": Cost.COPY,
    "extend": Cost.GROW,
}
_DICT_METHODS = {
    **dict.fromkeys(
        ("get", "pop", "popitem", "setdefault", "keys", "values", "items", "clear"), Cost.CONST
    ),
    "copy": Cost.COPY,
    "update": Cost.GROW,
}
_SET_METHODS = {
    **dict.fromkeys(("add", "discard", "remove", "pop", "clear"), Cost.CONST),
    **dict.fromkeys(
        ("isdisjoint", "issubset", "issuperset", "intersection_update", "difference_update"),
        Cost.SCAN,
    ),
    **dict.fromkeys(
        ("copy", "union", "intersection", "difference", "symmetric_difference"), Cost.COPY
    ),
    **dict.fromkeys(("update", "symmetric_difference_update"), Cost.GROW),
}
_TUPLE_METHODS = dict.fromkeys(("count", "index"), Cost.SCAN)

ALLOWED_METHODS: dict[type, dict[str, Cost]] = {
    str: _STR_METHODS,
    list: _LIST_METHODS,
    dict: _DICT_METHODS,
    set: _SET_METHODS,
    frozenset: {
        name: cost for name, cost in _SET_METHODS.items() if cost in (Cost.SCAN, Cost.COPY)
    },
    tuple: _TUPLE_METHODS,
}


def _check_padding(receiver: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    width = args[0] if args else kwargs.get("width", 0)
    if isinstance(width, int):
        check_length(width, "padded string")


def _check_replace(receiver: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    if len(args) < 2 or not isinstance(args[0], str) or not isinstance(args[1], str):
        return  # str.replace itself raises the TypeError
    old, new = args[0], args[1]
    hits = len(receiver) + 1 if old == "" else receiver.count(old)
    if len(args) > 2 and isinstance(args[2], int) and args[2] >= 0:
        hits = min(hits, args[2])
    check_length(len(receiver) + hits * max(0, len(new) - len(old)), "string")


def _check_join(receiver: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    if args and isinstance(args[0], SIZED_TYPES):
        parts = args[0]
        check_length(sum(length_of(part) for part in parts) + len(receiver) * len(parts), "string")


_PRE_CHECKS: dict[str, Callable[[Any, tuple[Any, ...], dict[str, Any]], None]] = {
    "center": _check_padding,
    "ljust": _check_padding,
    "rjust": _check_padding,
    "zfill": _check_padding,
    "replace": _check_replace,
    "join": _check_join,
}


def materialize(values: object) -> object:
    """Turn a lazy iterable into a list, one charged item at a time."""
    if isinstance(values, SIZED_TYPES):
        return values
    budget = current()
    items: list[object] = []
    for item in values:  # type: ignore[attr-defined]
        budget.allocate(words_of(item))
        items.append(item)
        check_length(len(items), "sequence")
    return items


def _new_value_words(result: object) -> int:
    """Memory of a freshly built result; split() & co. also build every item."""
    if isinstance(result, list):
        return 1 + sum(words_of(item) + 6 if isinstance(item, str) else 1 for item in result)
    return words_of(result)


class GuardedMethod:
    """A bound method of an allowed type that charges the budget when called."""

    __slots__ = ("_cost", "_name", "_receiver")

    def __init__(self, receiver: object, name: str, cost: Cost) -> None:
        self._receiver = receiver
        self._name = name
        self._cost = cost

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        budget = current()
        method = getattr(self._receiver, self._name)
        if self._cost is Cost.CONST:
            budget.allocate(1)
            return method(*args, **kwargs)
        if self._cost is Cost.GROW or self._name == "join":
            args = tuple(materialize(arg) for arg in args)
        self._charge(budget, args, kwargs)
        result = method(*args, **kwargs)
        if self._cost is Cost.COPY:
            budget.allocate(_new_value_words(result))
        return result

    def _charge(self, budget: Budget, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        receiver = self._receiver
        read = sum(length_of(arg) for arg in args)
        budget.spend(length_of(receiver) + read)
        if self._cost is Cost.GROW:
            check_length(length_of(receiver) + read + len(kwargs), type(receiver).__name__)
            budget.allocate(read + len(kwargs))
        check = _PRE_CHECKS.get(self._name)
        if check is not None:
            check(receiver, args, kwargs)


def lookup(receiver: object, name: str) -> GuardedMethod:
    """The run-time attribute guard behind every ``obj.name`` in sandboxed code."""
    allowed = ALLOWED_METHODS.get(type(receiver))
    cost = allowed.get(name) if allowed is not None else None
    if cost is None:
        kind = "None" if receiver is None else f"a {type(receiver).__name__} value"
        raise SandboxError(f"The attribute '{name}' is not allowed on {kind}")
    return GuardedMethod(receiver, name, cost)
