"""How big values are, for the memory budget, checked before they are built."""

from __future__ import annotations

from .budget import MAX_LENGTH, current
from .errors import SandboxError

SIZED_TYPES = (str, list, tuple, dict, set, frozenset, range)
_CONTAINERS = (list, tuple, set, frozenset)


def words_of(value: object) -> int:
    """Approximate memory of a value in machine words (its own storage only)."""
    kind = type(value)
    if kind is str:
        return len(value) // 8 + 1  # type: ignore[arg-type]
    if kind is int:
        return value.bit_length() // 64 + 1  # type: ignore[attr-defined]
    if kind in (list, tuple, dict, set, frozenset):
        return len(value) + 1  # type: ignore[arg-type]
    return 1


def length_of(value: object) -> int:
    """len() for the built-in sized types, 1 for anything else."""
    return len(value) if isinstance(value, SIZED_TYPES) else 1


_NOUNS = {"str": "string", "padded string": "padded string", "string": "string"}


def check_length(length: int, what: str = "value") -> None:
    """Refuse to build a string/container longer than MAX_LENGTH."""
    if length > MAX_LENGTH:
        noun = _NOUNS.get(what, what)
        unit = "characters" if noun.endswith("string") else "items"
        raise SandboxError(
            f"A {noun} of {length:,} {unit} exceeds the limit of {MAX_LENGTH:,} (memory limit)"
        )


def text_size(value: object, limit: int = MAX_LENGTH) -> int:
    """Upper estimate of len(str(value)), refusing before str() would build it.

    Shared references make repr() much larger than the data ([s] * 1000), so
    the walk counts every occurrence and stops as soon as the limit is passed.
    """
    total = 0
    pending: list[object] = [value]
    budget = current()
    while pending:
        item = pending.pop()
        budget.spend(1)
        total += _own_text_size(item)
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, _CONTAINERS):
            pending.extend(item)
        if total > limit:
            raise SandboxError(
                f"Turning this value into text would exceed {limit:,} characters (memory limit)"
            )
    return total


def _own_text_size(item: object) -> int:
    if isinstance(item, str):
        return 2 + len(item) * 4  # quotes; escapes such as \x00 take up to 4
    if isinstance(item, int):
        return item.bit_length() // 3 + 2
    if isinstance(item, (dict, *_CONTAINERS)):
        return 2 + 2 * len(item)
    return 60  # floats, None, ranges, function reprs...
