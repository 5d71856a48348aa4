"""The fast paths of `bot.domain.contact` give exactly the libraries' answers (valid or not, and the
same canonical form), on the shapes they take and on the near misses they must hand back."""

from __future__ import annotations

import random

import phonenumbers
import pytest
from email_validator import EmailNotValidError, validate_email
from faker import Faker
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.contact import _fast_email, _fast_phone, canonical_email, canonical_phone

EXAMPLES = settings(max_examples=400, deadline=None, database=None)


def library_email(text: str) -> str | None:
    """What canonical_email answered before the fast path: the library's normalised form."""
    try:
        result = validate_email(text.strip(), check_deliverability=False)
    except EmailNotValidError:
        return None
    local, _, domain = result.normalized.rpartition("@")
    return f"{local}@{domain.lower()}"


def library_phone(text: str, region: str = "FI") -> str | None:
    """What canonical_phone answered before the fast path."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def ours_email(text: str) -> str | None:
    try:
        return canonical_email(text)
    except ValueError:
        return None


def ours_phone(text: str, region: str = "FI") -> str | None:
    try:
        return canonical_phone(text, region)
    except ValueError:
        return None


_EMAIL_PIECES = st.sampled_from(
    [
        "a", "B", "info", "Postmaster", "x.y", "m+tag", "o'neil", "_", "-", "9", "ä", ".", "..",
        "@", "example", "Example", "fi", "com", "test", "local", "invalid", "localhost", "onion",
        "xn--p1ai", "a-b", "-ab", "ab-", "a--b", "123", " ", '"q"', "[1.2.3.4]", "x" * 64,
        "y" * 70, "ex ample",
    ]
)  # fmt: skip
_LABELS = st.lists(_EMAIL_PIECES, min_size=1, max_size=4).map("".join)


@EXAMPLES
@given(local=_LABELS, domain=st.lists(_LABELS, min_size=1, max_size=4).map(".".join))
def test_an_email_built_from_tricky_pieces_gets_the_librarys_answer(local, domain):
    address = f"{local}@{domain}"
    assert ours_email(address) == library_email(address)


@EXAMPLES
@given(st.text(alphabet="aZ9.-_+@'ä ", max_size=30))
def test_any_short_email_like_text_gets_the_librarys_answer(text):
    assert ours_email(text) == library_email(text)


def test_faker_addresses_take_the_fast_path_and_match_the_library():
    faker = Faker("fi_FI")
    faker.seed_instance(5)
    addresses = [faker.email() for _ in range(300)] + [faker.company_email() for _ in range(300)]
    fast = [address for address in addresses if _fast_email(address) is not None]
    # The point of the fast path: the plain addresses a register holds never reach the library.
    assert len(fast) == len(addresses)
    for address in addresses:
        assert canonical_email(address) == library_email(address)


@pytest.mark.parametrize(
    "address",
    [
        "Info@Example.FI",  # a role mailbox: the library lower-cases its local part
        "user@localhost.test",  # special-use domain: refused
        "a..b@example.com",
        ".a@example.com",
        "a@example.123",  # numeric top-level domain
        "a@-example.com",
        "a@xn--80ak6aa92e.com",  # Punycode goes to the library
        "a@" + "b" * 64 + ".com",  # a label over 63 characters
        "a" * 250 + "@example.com",  # over 254 characters
        "a@example",  # no dot
    ],
)
def test_edge_addresses_get_the_librarys_answer(address):
    assert ours_email(address) == library_email(address)


_PHONE = st.one_of(
    st.text(alphabet="0123456789 -+", max_size=20),
    st.builds(
        lambda prefix, groups, sep: prefix + sep.join(groups),
        st.sampled_from(
            ["+358", "+358 ", "+358-", "0", "00358", "+3580", "+46 ", "", "358", "99", "1"]
        ),
        st.lists(st.text(alphabet="0123456789", min_size=1, max_size=5), min_size=1, max_size=5),
        st.sampled_from(["", " ", "-", "  "]),
    ),
)


@EXAMPLES
@given(_PHONE, st.sampled_from(["FI", "SE", "AX"]))
def test_any_phone_like_text_gets_the_librarys_answer_in_any_region(text, region):
    assert ours_phone(text, region) == library_phone(text, region)


def test_faker_finnish_numbers_take_the_fast_path_and_match_the_library():
    faker = Faker("fi_FI")
    faker.seed_instance(6)
    numbers = [faker.phone_number() for _ in range(400)]
    for text in numbers:
        assert ours_phone(text) == library_phone(text)
    plain = [n for n in numbers if n.startswith(("+358", "0")) and "(" not in n]
    taken = [n for n in plain if _fast_phone(n, "FI") is not None]
    assert len(taken) > len(plain) // 2


@pytest.mark.parametrize(
    "text",
    [
        "040 123 4567",
        "+358 40 1234567",
        "+358-40-123-4567",
        "09 1234 5678",  # Helsinki landline
        "0401234567",
        "040 12",  # too short
        "0100 100",  # a service number
        "+358 1",
        "0 40 123 4567",
        "040  123 4567",  # two spaces: the library decides
        "+358 18 12345",  # Åland shares +358
        "018 12345",
        "+35840123456789012345",
        "523456",  # a customer number is also a valid Finnish number
        "1234567",
        "12345678",
        "3584012345",  # starts with the country code
        "358401234567",
        "9901234567",  # an international prefix
        "5",
        "40123456789012345678",
    ],
)
def test_edge_numbers_get_the_librarys_answer(text):
    assert ours_phone(text) == library_phone(text)


def test_random_finnish_digits_get_the_librarys_answer():
    """Every FI number type and range, valid or not: digits of every length after `+358`, `0`
    or nothing (seeded, so a failure repeats)."""
    rng = random.Random(6)
    texts = [
        rng.choice(("+358", "0", ""))
        + str(rng.randrange(1, 10))
        + "".join(rng.choices("0123456789", k=rng.randrange(3, 13)))
        for _ in range(20_000)
    ]
    for text in texts:
        assert ours_phone(text) == library_phone(text), text
    assert sum(ours_phone(text) is not None for text in texts) > 2_000
