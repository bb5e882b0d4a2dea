"""Task data must stay JSON: it is serialized, logged and replayed.

Scripts may build temporary sets, generators or functions; functions are
dropped as SpiffWorkflow itself does, anything else non-JSON is refused with
the variable's name so the process owner can fix the script.
"""

from __future__ import annotations

import math
from typing import Any

from .errors import SandboxError

_SCALARS = (str, int, float, bool, type(None))
# Shared references make a small value serialize huge ([[a] * 1000] * 1000).
MAX_JSON_ITEMS = 1_000_000
MAX_JSON_DEPTH = 200
_LEAVE = object()  # marks leaving a container during the walk


def json_problem(value: Any, allow_tuples: bool = False) -> tuple[str, str] | None:
    """(path, problem) of the first non-JSON part of ``value``, or None."""
    if _plainly_json(value, allow_tuples):
        return None
    return _locate_problem(value, allow_tuples)


def _plainly_json(value: Any, allow_tuples: bool) -> bool:
    """Fast check without paths; False means "look closer" (invalid, or shared parts)."""
    containers = (list, dict, tuple) if allow_tuples else (list, dict)
    if type(value) not in containers:
        return type(value) in _SCALARS and (type(value) is not float or math.isfinite(value))
    pending: list[tuple[Any, int]] = [(value, 0)]
    seen: set[int] = set()
    while pending:
        item, depth = pending.pop()
        if depth > MAX_JSON_DEPTH or len(seen) > MAX_JSON_ITEMS or id(item) in seen:
            return False
        seen.add(id(item))
        if type(item) is dict:
            if any(type(key) is not str for key in item):
                return False
            children = item.values()
        else:
            children = item
        for child in children:
            kind = type(child)
            if kind in containers:
                pending.append((child, depth + 1))
            elif kind not in _SCALARS or (kind is float and not math.isfinite(child)):
                return False
    return True


def _locate_problem(value: Any, allow_tuples: bool) -> tuple[str, str] | None:
    """The slow walk that names the path; only runs when the fast check failed."""
    # (item, path), or (_LEAVE, id of the container being left)
    pending: list[tuple[Any, Any]] = [(value, "")]
    ancestors: set[int] = set()  # ids of the containers around the current item
    visited = 0
    while pending:
        item, path = pending.pop()
        if item is _LEAVE:
            ancestors.discard(path)
            continue
        visited += 1
        problem = _problem(item, allow_tuples, visited, len(ancestors))
        if problem is not None:
            return path, problem
        if type(item) in (list, tuple, dict):
            if id(item) in ancestors:
                return path, "contains itself"
            ancestors.add(id(item))
            pending.append((_LEAVE, id(item)))
            pending.extend(_children(item, path))
    return None


def _problem(item: Any, allow_tuples: bool, visited: int, depth: int) -> str | None:
    kind = type(item)
    if visited > MAX_JSON_ITEMS:
        return f"holds more than {MAX_JSON_ITEMS:,} items"
    if depth > MAX_JSON_DEPTH:
        return f"is nested more than {MAX_JSON_DEPTH} levels deep"
    if kind is float and not math.isfinite(item):
        return "holds a number that is not finite"
    if kind is dict:
        bad = next((key for key in item if type(key) is not str), None)
        return None if bad is None else f"has the key {bad!r} (keys must be strings)"
    if kind is tuple and not allow_tuples:
        return "holds a tuple (use a list)"
    if kind in _SCALARS or kind in (list, tuple):
        return None
    return f"holds a {kind.__name__}, which is not JSON"


def _children(item: Any, path: str) -> list[tuple[Any, str]]:
    if type(item) is dict:
        return [(child, f"{path}[{key!r}]") for key, child in item.items()]
    return [(child, f"{path}[{index}]") for index, child in enumerate(item)]


def check_result(value: Any) -> Any:
    """An expression's value; the fast path keeps plain conditions cheap."""
    kind = type(value)
    if kind in _SCALARS and (kind is not float or math.isfinite(value)):
        return value
    found = json_problem(value, allow_tuples=True)
    if found is not None:
        path, problem = found
        where = f" at {path}" if path else ""
        raise SandboxError(f"The expression's value{where} {problem}")
    return value


def clean_task_data(context: dict[str, Any], strict: bool) -> None:
    """Drop functions; refuse (strict) or drop (after a failure) other non-JSON values."""
    first_problem: str | None = None
    for name in list(context):
        value = context[name]
        if callable(value):
            del context[name]
            continue
        found = json_problem(value)
        if found is None:
            continue
        # Dropped even when refusing, so the workflow itself stays serializable.
        del context[name]
        if first_problem is None:
            path, problem = found
            first_problem = f"The variable '{name}{path}' {problem}; task data must be JSON"
    if strict and first_problem is not None:
        raise SandboxError(first_problem)
