"""Phone numbers (E.164, default region FI) and e-mail addresses (no DNS look-ups)."""

from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email

DEFAULT_REGION = "FI"


class InvalidPhone(ValueError):
    """The text is not a valid phone number."""


class InvalidEmail(ValueError):
    """The text is not a valid e-mail address."""


def canonical_phone(text: str, region: str = DEFAULT_REGION) -> str:
    """The number in E.164 (`+358401234567`); raises InvalidPhone."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(text) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(text)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_or_none(text: str, region: str = DEFAULT_REGION) -> str | None:
    """The E.164 form when the text is a valid phone number, else None (for search)."""
    if sum(ch.isdigit() for ch in text) < 6:
        return None
    try:
        return canonical_phone(text, region)
    except InvalidPhone:
        return None


def display_phone(e164: str) -> str:
    """An E.164 number in international format for people (`+358 40 1234567`)."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def canonical_email(text: str) -> str:
    """The normalised address (domain lower-cased); raises InvalidEmail. No DNS is asked."""
    try:
        result = validate_email(text.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidEmail(text) from exc
    local, _, domain = result.normalized.rpartition("@")
    return f"{local}@{domain.lower()}"
