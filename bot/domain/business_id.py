"""Finnish business ID (Y-tunnus) rules: NNNNNNN-C with a mod-11 check digit (SPEC §2.1)."""

from __future__ import annotations

import operator
import re

WEIGHTS = (7, 9, 10, 5, 8, 4, 2)
_SHAPE = re.compile(r"^(\d{6,7})-?(\d)$", re.ASCII)
_SPACES = re.compile(r"\s+")


class InvalidBusinessId(ValueError):
    """The text is not a valid Finnish business ID."""


def check_digit(first_digits: str) -> int | None:
    """The check digit for seven digits, or None when no digit can be valid (remainder 1)."""
    if len(first_digits) != 7 or not first_digits.isdigit():
        raise ValueError("seven digits expected")
    weighted: int = sum(map(operator.mul, map(int, first_digits), WEIGHTS))
    remainder = weighted % 11
    if remainder == 0:
        return 0
    if remainder == 1:
        return None
    return 11 - remainder


def looks_like_business_id(text: str) -> bool:
    """Whether the text has the shape of a business ID (valid or not)."""
    return _SHAPE.match(_squeeze(text)) is not None


def canonical_business_id(text: str) -> str:
    """The canonical `NNNNNNN-C` form; accepts a missing dash, spaces and old 6-digit IDs."""
    match = _SHAPE.match(_squeeze(text))
    if match is None:
        raise InvalidBusinessId(text)
    digits, given = match.group(1).zfill(7), int(match.group(2))
    expected = check_digit(digits)
    if expected is None or expected != given:
        raise InvalidBusinessId(text)
    return f"{digits}-{given}"


def _squeeze(text: str) -> str:
    return _SPACES.sub("", text)
