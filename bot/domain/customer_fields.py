"""Validation of customer, contact and service-user fields: pure, shared by every entry path.

Slack commands, modals and the CSV import all validate through here, so a value accepted in one
place is accepted everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from bot.domain.business_id import InvalidBusinessId, canonical_business_id
from bot.domain.contact import InvalidEmail, InvalidPhone, canonical_email, canonical_phone

KINDS = ("company", "person")
LANGUAGES = ("fi", "sv", "en")
SETTABLE_STATUSES = ("active", "ended")
# ISO 3166-1 alpha-2 shape; the EU/EEA list for transfers is kept separately.
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_VAT = re.compile(r"^[A-Z]{2}[0-9A-Z+*.]{2,13}$")
USERNAME = re.compile(r"^[A-Za-z0-9._@+-]{2,100}$")
_VAT_SEPARATORS = re.compile(r"[\s-]")
# Unicode's control characters (category Cc: C0, DEL, C1; closed by Unicode's stability
# policy) except the tab. One regex search instead of a category look-up per character.
_CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")

CUSTOMER_FIELDS = (
    "name",
    "kind",
    "business_id",
    "vat_id",
    "email",
    "phone",
    "street",
    "postal_code",
    "city",
    "country",
    "language",
)
CUSTOMER_UPDATE_FIELDS = (*CUSTOMER_FIELDS, "status")
CONTACT_FIELDS = ("name", "title", "email", "phone")
SERVICE_USER_FIELDS = ("username", "name", "email")

MAX_LENGTHS = {
    "name": 200,
    "street": 200,
    "postal_code": 20,
    "city": 100,
    "title": 200,
    "vat_id": 20,
}


@dataclass(frozen=True)
class FieldError:
    """A message key and its parameters for one field."""

    key: str
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Cleaned:
    values: dict[str, str | None] = field(default_factory=dict)
    errors: dict[str, FieldError] = field(default_factory=dict)


def clean_customer_fields(
    raw: Mapping[str, str], *, creating: bool, default_region: str = "FI"
) -> Cleaned:
    """Validate raw customer values; empty strings clear optional fields."""
    allowed = CUSTOMER_FIELDS if creating else CUSTOMER_UPDATE_FIELDS
    result = Cleaned()
    values, errors = result.values, result.errors
    for key in raw:
        if key not in allowed:
            errors[key] = FieldError("field.unknown", {"field": key})
    if creating and not raw.get("name", "").strip():
        errors["name"] = FieldError("field.required", {"field": "name"})
    country = (raw.get("country") or default_region).strip().upper()
    # The country a national phone number is read in.
    region = country if _COUNTRY.match(country) else "FI"
    for key, value in raw.items():
        if key in errors:  # unknown, or a required name missing
            continue
        try:
            values[key] = _CUSTOMER_CLEANERS[key](key, value.strip(), region)
        except _Invalid as exc:
            errors[key] = exc.error
    return result


def clean_contact_fields(raw: Mapping[str, str]) -> Cleaned:
    """Validate a contact person's values (name required)."""
    result = Cleaned()
    for key in raw:
        if key not in CONTACT_FIELDS:
            result.errors[key] = FieldError("field.unknown", {"field": key})
    if not raw.get("name", "").strip():
        result.errors["name"] = FieldError("field.required", {"field": "name"})
    for key, value in raw.items():
        if key not in CONTACT_FIELDS or key in result.errors:
            continue
        try:
            result.values[key] = _clean_common(key, value.strip(), "FI")
        except _Invalid as exc:
            result.errors[key] = exc.error
    return result


def clean_service_user_fields(raw: Mapping[str, str]) -> Cleaned:
    """Validate a service user's values (username required)."""
    result = Cleaned()
    for key in raw:
        if key not in SERVICE_USER_FIELDS:
            result.errors[key] = FieldError("field.unknown", {"field": key})
    username = raw.get("username", "").strip()
    if not username:
        result.errors["username"] = FieldError("field.required", {"field": "username"})
    elif not USERNAME.match(username):
        result.errors["username"] = FieldError("field.username", {"value": username})
    else:
        result.values["username"] = username
    for key, value in raw.items():
        if key == "username" or key not in SERVICE_USER_FIELDS or key in result.errors:
            continue
        try:
            result.values[key] = _clean_common(key, value.strip(), "FI")
        except _Invalid as exc:
            result.errors[key] = exc.error
    return result


class _Invalid(Exception):
    def __init__(self, key: str, **params: str) -> None:
        super().__init__(key)
        self.error = FieldError(key, params)


_Cleaner = Callable[[str, str, str], str | None]


def _choice(choices: tuple[str, ...]) -> _Cleaner:
    listed = ", ".join(choices)

    def clean(key: str, value: str, region: str) -> str | None:
        if value not in choices:
            raise _Invalid("field.choice", field=key, value=value, choices=listed)
        return value

    return clean


def _clean_business_id(key: str, value: str, region: str) -> str | None:
    if not value:
        return None
    try:
        return canonical_business_id(value)
    except InvalidBusinessId:
        raise _Invalid("field.business_id", value=value) from None


def _clean_vat_id(key: str, value: str, region: str) -> str | None:
    if not value:
        return None
    vat = _VAT_SEPARATORS.sub("", value).upper()
    if not _VAT.match(vat):
        raise _Invalid("field.vat_id", value=value)
    return vat


def _clean_country(key: str, value: str, region: str) -> str | None:
    code = value.upper()
    if not _COUNTRY.match(code):
        raise _Invalid("field.country", value=value)
    return code


def _clean_name(key: str, value: str, region: str) -> str | None:
    if not value:
        raise _Invalid("field.required", field=key)
    _check_length(key, value)
    return value


def _clean_email(key: str, value: str, region: str) -> str | None:
    if not value:
        return None
    try:
        return canonical_email(value)
    except InvalidEmail:
        raise _Invalid("field.email", value=value) from None


def _clean_phone(key: str, value: str, region: str) -> str | None:
    if not value:
        return None
    try:
        return canonical_phone(value, region)
    except InvalidPhone:
        raise _Invalid("field.phone", value=value) from None


def _clean_text(key: str, value: str, region: str) -> str | None:
    if not value:
        return None
    _check_length(key, value)
    return value


# How each field is cleaned: a value already stripped, in the region a national phone number
# is read in. Fields not named here are free text of a limited length.
_COMMON_CLEANERS: dict[str, _Cleaner] = {
    "name": _clean_name,
    "email": _clean_email,
    "phone": _clean_phone,
}
_CUSTOMER_CLEANERS: dict[str, _Cleaner] = {
    **{key: _clean_text for key in CUSTOMER_UPDATE_FIELDS},
    **_COMMON_CLEANERS,
    "kind": _choice(KINDS),
    "language": _choice(LANGUAGES),
    "status": _choice(SETTABLE_STATUSES),
    "business_id": _clean_business_id,
    "vat_id": _clean_vat_id,
    "country": _clean_country,
}


def _clean_common(key: str, value: str, region: str) -> str | None:
    return _COMMON_CLEANERS.get(key, _clean_text)(key, value, region)


def _check_length(key: str, value: str) -> None:
    limit = MAX_LENGTHS.get(key, 200)
    if len(value) > limit:
        raise _Invalid("field.too_long", field=key, limit=str(limit))
    # A printable string has no control characters: one quick test for nearly every value.
    if not value.isprintable() and _CONTROL_CHARACTER.search(value):
        raise _Invalid("field.control_chars", field=key)
