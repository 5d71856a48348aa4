"""Phone numbers become E.164 (region FI by default); e-mail addresses are checked without DNS."""

from __future__ import annotations

import pytest

from bot.domain.contact import (
    InvalidEmail,
    InvalidPhone,
    canonical_email,
    canonical_phone,
    display_phone,
    phone_or_none,
)


@pytest.mark.parametrize(
    "text",
    [
        "040 123 4567",
        "+358 40 1234567",
        "0401234567",
        "040-123 4567",
        "+358401234567",
        "00358 40 123 4567",
        " 040 1234 567 ",
    ],
)
def test_a_finnish_mobile_number_in_any_common_format_becomes_the_same_e164(text):
    assert canonical_phone(text) == "+358401234567"


@pytest.mark.parametrize("text", ["(09) 123 4567", "09 1234567", "+358 9 1234567", "09-123 4567"])
def test_a_helsinki_landline_in_any_common_format_becomes_the_same_e164(text):
    assert canonical_phone(text) == "+35891234567"


@pytest.mark.parametrize(
    "text",
    ["", "   ", "123", "abc", "Acme Oy", "+358 40 12", "040 123 4567 8888", "+999 123 456"],
)
def test_text_that_is_not_a_valid_number_raises_invalid_phone(text):
    with pytest.raises(InvalidPhone):
        canonical_phone(text)


def test_invalid_phone_is_a_value_error():
    with pytest.raises(ValueError):
        canonical_phone("123")


def test_a_local_number_is_read_in_the_given_region():
    assert canonical_phone("070-123 45 67", "SE") == "+46701234567"


def test_an_international_number_ignores_the_region():
    assert canonical_phone("+46 70 123 45 67", "FI") == "+46701234567"


@pytest.mark.parametrize("text", ["Matti Meikäläinen", "Acme Oy", "12345", "10042", "", "a1b2c3d4"])
def test_phone_or_none_is_none_for_names_and_short_digit_runs(text):
    assert phone_or_none(text) is None


def test_phone_or_none_is_none_for_an_invalid_number_with_enough_digits():
    assert phone_or_none("000 000 000 000") is None


def test_phone_or_none_gives_the_e164_form_of_a_valid_number():
    assert phone_or_none("040 123 4567") == "+358401234567"
    assert phone_or_none("070-123 45 67", "SE") == "+46701234567"


def test_display_phone_shows_the_international_format():
    assert display_phone("+358401234567") == "+358 40 1234567"


def test_display_phone_leaves_unparseable_text_alone():
    assert display_phone("not a number") == "not a number"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("matti.meikalainen@example.fi", "matti.meikalainen@example.fi"),
        ("Matti.Meikalainen@Example.FI", "Matti.Meikalainen@example.fi"),
        ("  info@EXAMPLE.com ", "info@example.com"),
        ("laskut+acme@Laskutus.Example.COM", "laskut+acme@laskutus.example.com"),
    ],
)
def test_an_email_address_keeps_its_local_part_and_gets_a_lower_case_domain(text, expected):
    assert canonical_email(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not-an-email",
        "@example.fi",
        "matti@",
        "matti@@example.fi",
        "matti meikalainen@example.fi",
        "matti@localhost",
        "matti@example..fi",
        "<matti@example.fi>",
    ],
)
def test_an_invalid_email_address_raises_invalid_email(text):
    with pytest.raises(InvalidEmail):
        canonical_email(text)


def test_invalid_email_is_a_value_error():
    with pytest.raises(ValueError):
        canonical_email("nope")
