"""Phone numbers (E.164, default region FI) and e-mail addresses (no DNS look-ups).

The libraries decide what is valid. Each check first tries a fast path for the common plain
shapes (an ASCII `local@domain.tld`, a Finnish number as `+358…` or `0…`) that answers exactly
as the library would, and hands everything else, and every doubtful case, to the library: a bulk
import validates hundreds of thousands of addresses, and the libraries' general parsers cost
several times the rest of a row's checks.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import phonenumbers
from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email
from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES
from phonenumbers import PhoneMetadata, PhoneNumberDesc, PhoneNumberFormat

DEFAULT_REGION = "FI"


class InvalidPhone(ValueError):
    """The text is not a valid phone number."""


class InvalidEmail(ValueError):
    """The text is not a valid e-mail address."""


def canonical_phone(text: str, region: str = DEFAULT_REGION) -> str:
    """The number in E.164 (`+358401234567`); raises InvalidPhone."""
    fast = _fast_phone(text, region)
    if fast is not None:
        return fast
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(text) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(text)
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


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
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def canonical_email(text: str) -> str:
    """The normalised address (domain lower-cased); raises InvalidEmail. No DNS is asked."""
    address = text.strip()
    fast = _fast_email(address)
    if fast is not None:
        return fast
    try:
        result = validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidEmail(text) from exc
    local, _, domain = result.normalized.rpartition("@")
    return f"{local}@{domain.lower()}"


# --- fast paths ----------------------------------------------------------------------------
#
# Each returns the library's answer for the inputs it accepts, or None to ask the library.
# tests/unit/test_contact_fast_paths.py compares them with the libraries on generated inputs.

# RFC 5322 atext (what email-validator's DOT_ATOM_TEXT allows unquoted), dot-separated; a
# domain of ASCII letter-digit-hyphen labels (no hyphen at either end, no two in a row, so no
# Punycode and no reserved `ab--` label) ending in an all-letter top-level label.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*"
_PLAIN_EMAIL = re.compile(
    rf"({_ATEXT}(?:\.{_ATEXT})*)@((?:{_LABEL}\.)+[A-Za-z]+)",
    re.ASCII,
)
_LONG_LABEL = re.compile(r"[^.]{64}")
# email-validator's limit on the whole address (its other limits are implied by it here).
_EMAIL_MAX_LENGTH = 254
_CASE_INSENSITIVE_LOCAL_PARTS = frozenset(CASE_INSENSITIVE_MAILBOX_NAMES)


def _fast_email(address: str) -> str | None:
    """What `validate_email` normalises a plain ASCII address to, or None to ask it."""
    if len(address) > _EMAIL_MAX_LENGTH:
        return None
    match = _PLAIN_EMAIL.fullmatch(address)
    if match is None:
        return None
    local, domain = match.group(1), match.group(2).lower()
    if _LONG_LABEL.search(domain):
        return None
    for reserved in SPECIAL_USE_DOMAIN_NAMES:
        if domain == reserved or domain.endswith("." + reserved):
            return None
    if local.lower() in _CASE_INSENSITIVE_LOCAL_PARTS:
        # RFC 2142 role mailboxes (`Info@…`): the library lower-cases them.
        local = local.lower()
    return f"{local}@{domain}"


# A Finnish number as `+358` and the national significant number, or (region FI) as the
# national prefix 0 and that number: ASCII digits in groups separated by one space or hyphen.
_FINNISH_PHONE = re.compile(r"(\+358[ -]?|0)([1-9][0-9]*(?:[ -][0-9]+)*)", re.ASCII)
_FINNISH_CODE = 358
# Digits that the library reads as more than a national number in region FI: the national
# prefix 0, the international prefixes 00 and 99x, and 358 (the country code, which it
# may strip).
_NOT_NATIONAL = ("0", "9", "358")
_MAX_NATIONAL_DIGITS = 17


def _plain_finnish_parsing() -> tuple[bool, frozenset[int]]:
    """Whether FI numbers parse as the fast path assumes, and FI's local-only lengths.

    The fast path relies on FI's national prefix being a plain `0` (no transform) and on
    +358 numbers being read with FI's rules first; with other metadata it stays off.
    """
    metadata = PhoneMetadata.metadata_for_region(DEFAULT_REGION, None)
    if metadata is None or metadata.country_code != _FINNISH_CODE:
        return False, frozenset()
    plain = (
        metadata.national_prefix_for_parsing in ("0", None)
        and (metadata.national_prefix_for_parsing or metadata.national_prefix) == "0"
        and not metadata.national_prefix_transform_rule
        and phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(_FINNISH_CODE, ("",))[0] == DEFAULT_REGION
    )
    general = metadata.general_desc
    local_only = general.possible_length_local_only if general is not None else None
    return plain and general is not None, frozenset(local_only or ())


_FINNISH_PLAIN, _FINNISH_LOCAL_ONLY_LENGTHS = _plain_finnish_parsing()

# The number types `is_valid_number` tries (a match with any makes a number valid), the
# common ones first.
_NUMBER_TYPES = (
    "mobile",
    "fixed_line",
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
)


class _Desc(NamedTuple):
    """A number description of the metadata: its national number pattern and lengths."""

    pattern: re.Pattern[str]
    lengths: frozenset[int]

    @classmethod
    def of(cls, desc: PhoneNumberDesc | None) -> _Desc | None:
        if desc is None or not desc.national_number_pattern:
            return None
        return cls(re.compile(desc.national_number_pattern), frozenset(desc.possible_length or ()))

    def matches(self, digits: str) -> bool:
        """As the library's `_is_number_matching_desc`: a possible length, then the pattern."""
        if self.lengths and len(digits) not in self.lengths:
            return False
        return self.pattern.fullmatch(digits) is not None


def _finnish_validity() -> tuple[re.Pattern[str] | None, _Desc | None, tuple[_Desc, ...]]:
    """FI's leading digits, general description and number types, compiled once.

    `is_valid_number` compiles (or looks up) each pattern on every call and, for +358, runs
    the type checks twice (once to pick FI or AX, once to validate): a number whose leading
    digits are FI's is valid exactly when it matches FI's general description and any type.
    """
    metadata = PhoneMetadata.metadata_for_region(DEFAULT_REGION, None)
    if metadata is None or not metadata.leading_digits:
        return None, None, ()
    names: tuple[str, ...] = _NUMBER_TYPES
    if metadata.same_mobile_and_fixed_line_pattern:
        # The library then takes a number that is not fixed line for no mobile either.
        names = tuple(name for name in names if name != "mobile")
    types = (_Desc.of(getattr(metadata, name)) for name in names)
    return (
        re.compile(metadata.leading_digits),
        _Desc.of(metadata.general_desc),
        tuple(desc for desc in types if desc is not None),
    )


_FINNISH_LEADING, _FINNISH_GENERAL, _FINNISH_TYPES = _finnish_validity()


def _valid_finnish(digits: str) -> bool:
    """Whether +358 and these national digits make a valid number in region FI (False also
    when the library would read them as another region's, such as Åland's: it decides)."""
    if _FINNISH_LEADING is None or _FINNISH_GENERAL is None:
        return False
    if not _FINNISH_LEADING.match(digits) or not _FINNISH_GENERAL.matches(digits):
        return False
    return any(desc.matches(digits) for desc in _FINNISH_TYPES)


def _fast_phone(text: str, region: str) -> str | None:
    """The E.164 form `phonenumbers` gives a plain valid Finnish number, or None to ask it.

    `phonenumbers.parse` reads `+358 …` as country code 358 with the digits after it, whatever
    the region, `0…` in region FI as the national prefix 0 and the digits after it (the
    prefix is stripped because the number stays valid without it), and other digits in
    region FI as they are. Those digits are checked against the library's own metadata for
    FI (`_valid_finnish`); numbers it cannot vouch for go to the library.
    """
    if not _FINNISH_PLAIN:
        return None
    if text.isascii() and text.isdigit() and not text.startswith(_NOT_NATIONAL):
        # Digits alone (what `find 523456` asks, or a business ID without its dash) are the
        # national significant number itself in region FI.
        if region != DEFAULT_REGION:
            return None
        digits = text
    else:
        match = _FINNISH_PHONE.fullmatch(text)
        if match is None:
            return None
        if match.group(1) == "0" and region != DEFAULT_REGION:
            return None
        digits = match.group(2).replace(" ", "").replace("-", "")
    if len(digits) > _MAX_NATIONAL_DIGITS or len(digits) in _FINNISH_LOCAL_ONLY_LENGTHS:
        return None
    if not _valid_finnish(digits):
        return None
    # E.164 is `+`, the country code and the national significant number, which for these
    # digits (no leading zero) is the digits themselves.
    return f"+{_FINNISH_CODE}{digits}"
