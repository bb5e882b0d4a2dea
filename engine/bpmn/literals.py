"""Standard values a modeler writes without quotes: ISO 8601 durations, dates and
cycles in timers (`<bpmn:timeDuration>PT3S</bpmn:timeDuration>`, as Camunda Modeler and
every standard tool write them) and working days in a due date (`3WD`).

SpiffWorkflow evaluates those fields as Python, where `PT3S` is an unknown name and
`2024-11-20` is arithmetic. Such a value is read as the text it is; anything else stays
an expression computed at run time (`"P%dD" % days`, a variable).
"""

import re

_NUMBER = r"\d+(?:[.,]\d+)?"
DURATION = (
    rf"P(?=\d|T\d)(?:{_NUMBER}Y)?(?:{_NUMBER}M)?(?:{_NUMBER}W)?(?:{_NUMBER}D)?"
    rf"(?:T(?=\d)(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?"
)
DATE = r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?"
CYCLE = rf"R\d*/(?:{DURATION}|{DATE})(?:/(?:{DURATION}|{DATE}))?"
WORKING_DAYS = r"\d+\s*[Ww][Dd]"

_LITERAL = re.compile(rf"(?:{CYCLE}|{DURATION}|{DATE}|{WORKING_DAYS})")
# Looks like an attempt at one of those (letters and digits of ISO 8601 only) without
# being one: "P3X", "PT", "R/PT1H/", "2024-13-1" — a typo to report, not a Python name.
_ATTEMPT = re.compile(r"(?:P|R\d*/|\d)[0-9A-Z:.,+\-/]*")


def is_literal(source: str) -> bool:
    return _LITERAL.fullmatch(source.strip()) is not None


def looks_like_literal(source: str) -> bool:
    """An ISO 8601 or working-day value, or something that tries to be one."""
    text = source.strip()
    return is_literal(text) or _ATTEMPT.fullmatch(text) is not None


def as_expression(source: str) -> str:
    """The Python expression the engine evaluates for a timer or due-date field: a
    standard literal quoted, anything else as written."""
    return repr(source.strip()) if is_literal(source) else source
