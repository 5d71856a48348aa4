"""Validation of customer, contact and service-user fields: pure, shared by every entry path.

Slack commands, modals and the CSV import all validate through here, so a value accepted in one
place is accepted everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.business_id import InvalidBusinessId, canonical_business_id
from bot.contact import InvalidEmail, InvalidPhone, canonical_email, canonical_phone

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
    for key in raw:
        if key not in allowed:
            result.errors[key] = FieldError("field.unknown", {"field": key})
    if creating and not raw.get("name", "").strip():
        result.errors["name"] = FieldError("field.required", {"field": "name"})
    country = (raw.get("country") or default_region).strip().upper()
    for key, value in raw.items():
        if key not in allowed or key in result.errors:
            continue
        try:
            result.values[key] = _clean_customer_value(key, value.strip(), country)
        except _Invalid as exc:
            result.errors[key] = exc.error
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


def _clean_customer_value(key: str, value: str, country: str) -> str | None:
    if key == "kind":
        if value not in KINDS:
            raise _Invalid("field.choice", field=key, value=value, choices=", ".join(KINDS))
        return value
    if key == "language":
        if value not in LANGUAGES:
            raise _Invalid("field.choice", field=key, value=value, choices=", ".join(LANGUAGES))
        return value
    if key == "status":
        if value not in SETTABLE_STATUSES:
            choices = ", ".join(SETTABLE_STATUSES)
            raise _Invalid("field.choice", field=key, value=value, choices=choices)
        return value
    if key == "business_id":
        if not value:
            return None
        try:
            return canonical_business_id(value)
        except InvalidBusinessId:
            raise _Invalid("field.business_id", value=value) from None
    if key == "vat_id":
        if not value:
            return None
        vat = _VAT_SEPARATORS.sub("", value).upper()
        if not _VAT.match(vat):
            raise _Invalid("field.vat_id", value=value)
        return vat
    if key == "country":
        code = value.upper()
        if not _COUNTRY.match(code):
            raise _Invalid("field.country", value=value)
        return code
    region = country if _COUNTRY.match(country) else "FI"
    return _clean_common(key, value, region)


def _clean_common(key: str, value: str, region: str) -> str | None:
    if key == "name":
        if not value:
            raise _Invalid("field.required", field=key)
        _check_length(key, value)
        return value
    if key == "email":
        if not value:
            return None
        try:
            return canonical_email(value)
        except InvalidEmail:
            raise _Invalid("field.email", value=value) from None
    if key == "phone":
        if not value:
            return None
        try:
            return canonical_phone(value, region)
        except InvalidPhone:
            raise _Invalid("field.phone", value=value) from None
    if not value:
        return None
    _check_length(key, value)
    return value


def _check_length(key: str, value: str) -> None:
    limit = MAX_LENGTHS.get(key, 200)
    if len(value) > limit:
        raise _Invalid("field.too_long", field=key, limit=str(limit))
    if _CONTROL_CHARACTER.search(value):
        raise _Invalid("field.control_chars", field=key)
