"""The e-mail pattern means the same to the server (Python's re) and to the API document's
JSON Schema clients (ECMA-262 regular expressions): the fuzzer found an address with a NEL
(U+0085) that the schema allowed and the server refused."""

import re

import pytest

from engine.commands.admin_people import EMAIL_PATTERN

# Characters on which Python's \s and ECMA-262's \s disagree, and controls.
AMBIGUOUS = ["\u0085", "\u001c", "\u001f", "\u0019", "\ufeff", "\u0000", "\u009f"]


@pytest.mark.parametrize("char", AMBIGUOUS, ids=[f"U+{ord(c):04X}" for c in AMBIGUOUS])
def test_an_address_with_a_separator_or_control_is_refused(char: str) -> None:
    assert not re.search(EMAIL_PATTERN, f"an{char}@xuantruong.gov.vn")
    assert not re.search(EMAIL_PATTERN, f"an@xuan{char}truong.gov.vn")


def test_ordinary_and_accented_addresses_pass() -> None:
    for address in ("vanphong@xuantruong.namdinh.gov.vn", "nguyễn.an@ubnd.vn"):
        assert re.search(EMAIL_PATTERN, address)
