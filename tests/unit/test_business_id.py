"""Finnish business IDs (Y-tunnus) are checked and canonicalised as SPEC §2.1 says."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.business_id import (
    InvalidBusinessId,
    canonical_business_id,
    check_digit,
    looks_like_business_id,
)


def reference_check_digit(prefix: str) -> int | None:
    """SPEC §2.1 written out independently: weights 7,9,10,5,8,4,2, mod 11, remainder 1 invalid."""
    weights = [7, 9, 10, 5, 8, 4, 2]
    total = 0
    for position, weight in enumerate(weights):
        total += weight * (ord(prefix[position]) - ord("0"))
    candidate = (11 - total % 11) % 11  # remainder 0 -> 0, remainder r -> 11 - r
    return None if candidate == 10 else candidate


def remainder_one_prefixes(count: int) -> list[str]:
    """The first `count` seven-digit prefixes (by brute force) for which no check digit exists."""
    found: list[str] = []
    number = 0
    while len(found) < count:
        prefix = f"{number:07d}"
        if reference_check_digit(prefix) is None:
            found.append(prefix)
        number += 1
    return found


prefixes = st.integers(min_value=0, max_value=9_999_999).map(lambda n: f"{n:07d}")

KNOWN_VALID = ["2855354-7", "0737546-2", "1572860-0", "0112038-9", "0201256-6"]


def test_the_reference_implementation_agrees_with_worked_examples():
    # 2*7 + 8*9 + 5*10 + 5*5 + 3*8 + 5*4 + 4*2 = 213; 213 % 11 = 4; 11 - 4 = 7
    assert reference_check_digit("2855354") == 7
    # 1*7 + 5*9 + 7*10 + 2*5 + 8*8 + 6*4 + 0*2 = 220; 220 % 11 = 0 -> 0
    assert reference_check_digit("1572860") == 0


@pytest.mark.parametrize("business_id", KNOWN_VALID)
def test_known_valid_business_ids_are_accepted_as_they_are(business_id):
    prefix, digit = business_id.split("-")
    assert reference_check_digit(prefix) == int(digit)
    assert canonical_business_id(business_id) == business_id


@pytest.mark.parametrize(
    "text",
    ["28553547", " 2855354 - 7 ", "2855354 -7", "\t2855354-7\n", "2 8 5 5 3 5 4 7"],
)
def test_a_missing_dash_and_spaces_are_accepted_and_canonicalised(text):
    assert canonical_business_id(text) == "2855354-7"


@pytest.mark.parametrize("text", ["737546-2", "7375462", " 737546 - 2"])
def test_old_six_digit_ids_get_their_leading_zero_back(text):
    assert reference_check_digit("0737546") == 2
    assert canonical_business_id(text) == "0737546-2"


@pytest.mark.parametrize("business_id", KNOWN_VALID)
def test_every_wrong_check_digit_is_rejected(business_id):
    prefix, right = business_id.split("-")
    for digit in "0123456789":
        if digit == right:
            continue
        with pytest.raises(InvalidBusinessId):
            canonical_business_id(f"{prefix}-{digit}")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "acme",
        "2855354-",
        "-7",
        "12345-6",
        "12345678-9",
        "2855354-77",
        "2855354/7",
        "2855354_7",
        "2855354--7",
        "FI28553547",
        "2855354-X",
    ],
)
def test_text_without_the_shape_of_a_business_id_is_rejected(text):
    assert not looks_like_business_id(text)
    with pytest.raises(InvalidBusinessId):
        canonical_business_id(text)


def test_a_wrong_check_digit_still_has_the_shape_of_a_business_id():
    assert looks_like_business_id("2855354-8")
    assert looks_like_business_id("28553548")
    with pytest.raises(InvalidBusinessId):
        canonical_business_id("2855354-8")


def test_the_error_is_a_value_error_carrying_the_input():
    with pytest.raises(ValueError, match="2855354-8"):
        canonical_business_id("2855354-8")


def test_remainder_one_prefixes_are_never_valid_with_any_check_digit():
    bad = remainder_one_prefixes(25)
    assert len(bad) == 25
    for prefix in bad:
        assert check_digit(prefix) is None
        for digit in "0123456789":
            with pytest.raises(InvalidBusinessId):
                canonical_business_id(f"{prefix}-{digit}")
            with pytest.raises(InvalidBusinessId):
                canonical_business_id(f"{prefix}{digit}")


@pytest.mark.parametrize("prefix", ["123456", "12345678", "12345a7", ""])
def test_check_digit_wants_exactly_seven_digits(prefix):
    with pytest.raises(ValueError):
        check_digit(prefix)


@given(prefixes)
def test_check_digit_matches_the_reference(prefix):
    assert check_digit(prefix) == reference_check_digit(prefix)


@given(prefixes)
def test_exactly_the_reference_check_digit_is_accepted_for_any_prefix(prefix):
    expected = reference_check_digit(prefix)
    for digit in range(10):
        if digit == expected:
            assert canonical_business_id(f"{prefix}-{digit}") == f"{prefix}-{digit}"
            assert canonical_business_id(f"{prefix}{digit}") == f"{prefix}-{digit}"
        else:
            with pytest.raises(InvalidBusinessId):
                canonical_business_id(f"{prefix}-{digit}")
