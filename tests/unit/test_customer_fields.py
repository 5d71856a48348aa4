"""Customer, contact and service-user fields are validated alike on every entry path."""

from __future__ import annotations

import pytest

from bot.domain.customer_fields import (
    CUSTOMER_FIELDS,
    MAX_LENGTHS,
    FieldError,
    clean_contact_fields,
    clean_customer_fields,
    clean_service_user_fields,
)


def create(**raw: str):
    return clean_customer_fields(raw, creating=True)


def update(**raw: str):
    return clean_customer_fields(raw, creating=False)


def error_key(cleaned, field: str) -> str:
    assert field not in cleaned.values
    return str(cleaned.errors[field].key)


def test_creating_requires_a_name():
    cleaned = create()
    assert cleaned.errors == {"name": FieldError("field.required", {"field": "name"})}


@pytest.mark.parametrize("name", ["", "   ", "\t"])
def test_a_blank_name_counts_as_missing(name):
    assert error_key(create(name=name), "name") == "field.required"


def test_a_name_alone_is_enough_to_create():
    cleaned = create(name="  Acme Oy  ")
    assert cleaned.errors == {}
    assert cleaned.values == {"name": "Acme Oy"}


def test_an_update_needs_no_name_but_cannot_blank_it():
    assert update(city="Tampere").errors == {}
    assert error_key(update(name=""), "name") == "field.required"


def test_unknown_fields_are_rejected_with_their_name():
    cleaned = create(name="Acme Oy", colour="red")
    assert cleaned.errors == {"colour": FieldError("field.unknown", {"field": "colour"})}
    assert "colour" not in cleaned.values


def test_status_can_be_set_on_update_but_not_on_create():
    assert error_key(create(name="Acme Oy", status="active"), "status") == "field.unknown"
    assert update(status="ended").values == {"status": "ended"}


@pytest.mark.parametrize("status", ["erased", "deleted", ""])
def test_only_active_and_ended_can_be_set_as_status(status):
    assert error_key(update(status=status), "status") == "field.choice"


@pytest.mark.parametrize(
    ("field", "value", "key"),
    [
        ("business_id", "2855354-8", "field.business_id"),
        ("business_id", "acme", "field.business_id"),
        ("email", "not-an-email", "field.email"),
        ("email", "matti@@example.fi", "field.email"),
        ("phone", "123", "field.phone"),
        ("phone", "Acme Oy", "field.phone"),
        ("country", "Finland", "field.country"),
        ("country", "F1", "field.country"),
        ("country", "", "field.country"),
        ("kind", "robot", "field.choice"),
        ("kind", "", "field.choice"),
        ("language", "de", "field.choice"),
        ("vat_id", "12", "field.vat_id"),
        ("vat_id", "SE 5", "field.vat_id"),
    ],
)
def test_invalid_values_give_the_documented_error_key(field, value, key):
    cleaned = create(name="Acme Oy", **{field: value})
    assert error_key(cleaned, field) == key
    assert cleaned.values == {"name": "Acme Oy"}


def test_a_choice_error_lists_the_choices():
    error = create(name="Acme Oy", kind="robot").errors["kind"]
    assert error == FieldError(
        "field.choice", {"field": "kind", "value": "robot", "choices": "company, person"}
    )


def test_a_bad_value_is_quoted_back_in_the_error():
    error = create(name="Acme Oy", business_id="2855354-8").errors["business_id"]
    assert error.params == {"value": "2855354-8"}


@pytest.mark.parametrize(
    ("field", "value", "canonical"),
    [
        ("business_id", "28553547", "2855354-7"),
        ("business_id", " 2855354 - 7 ", "2855354-7"),
        ("business_id", "737546-2", "0737546-2"),
        ("email", "Matti.Meikalainen@Example.FI", "Matti.Meikalainen@example.fi"),
        ("phone", "040 123 4567", "+358401234567"),
        ("phone", "(09) 123 4567", "+35891234567"),
        ("country", "se", "SE"),
        ("country", " fi ", "FI"),
        ("vat_id", "se 556677-8899 01", "SE556677889901"),
        ("kind", "person", "person"),
        ("language", "sv", "sv"),
        ("postal_code", " 00100 ", "00100"),
        ("city", "Helsinki", "Helsinki"),
        ("street", "Mannerheimintie 1 A 2", "Mannerheimintie 1 A 2"),
    ],
)
def test_valid_values_come_back_canonical(field, value, canonical):
    cleaned = create(name="Acme Oy", **{field: value})
    assert cleaned.errors == {}
    assert cleaned.values[field] == canonical


def test_a_phone_number_is_read_in_the_customers_country():
    swedish = create(name="Acme AB", country="SE", phone="070-123 45 67")
    assert swedish.errors == {}
    assert swedish.values["phone"] == "+46701234567"
    finnish = create(name="Acme Oy", phone="070-123 45 67")
    assert finnish.values["phone"] == "+358701234567"


def test_a_lower_case_country_still_sets_the_phone_region():
    assert create(name="Acme AB", country="se", phone="070-123 45 67").values["phone"] == (
        "+46701234567"
    )


def test_the_default_region_applies_when_no_country_is_given():
    cleaned = clean_customer_fields(
        {"name": "Acme AB", "phone": "070-123 45 67"}, creating=True, default_region="SE"
    )
    assert cleaned.values["phone"] == "+46701234567"


def test_an_international_phone_number_ignores_the_country():
    cleaned = create(name="Acme Oy", country="SE", phone="+358 40 123 4567")
    assert cleaned.values["phone"] == "+358401234567"


@pytest.mark.parametrize(
    "field", ["business_id", "vat_id", "email", "phone", "street", "postal_code", "city"]
)
@pytest.mark.parametrize("empty", ["", "   "])
def test_empty_optional_values_become_none(field, empty):
    cleaned = update(**{field: empty})
    assert cleaned.errors == {}
    assert cleaned.values == {field: None}


@pytest.mark.parametrize("field", ["name", "street", "postal_code", "city"])
def test_over_long_values_are_rejected_with_the_limit(field):
    limit = MAX_LENGTHS[field]
    assert update(**{field: "x" * limit}).errors == {}
    cleaned = update(**{field: "x" * (limit + 1)})
    assert cleaned.errors[field] == FieldError(
        "field.too_long", {"field": field, "limit": str(limit)}
    )


@pytest.mark.parametrize("field", ["name", "street", "postal_code", "city"])
@pytest.mark.parametrize("char", ["\x00", "\n", "\r", "\x1b"])
def test_control_characters_are_rejected(field, char):
    cleaned = update(**{field: f"Acme{char}Oy"})
    assert cleaned.errors[field] == FieldError("field.control_chars", {"field": field})


def test_every_customer_field_is_accepted_at_once():
    raw = {
        "name": "Äijälän Työturva Oy",
        "kind": "company",
        "business_id": "28553547",
        "vat_id": "",
        "email": "info@Example.FI",
        "phone": "09 1234567",
        "street": "Aleksanterinkatu 1",
        "postal_code": "00100",
        "city": "Helsinki",
        "country": "fi",
        "language": "fi",
    }
    assert set(raw) == set(CUSTOMER_FIELDS)
    cleaned = clean_customer_fields(raw, creating=True)
    assert cleaned.errors == {}
    assert cleaned.values == {
        "name": "Äijälän Työturva Oy",
        "kind": "company",
        "business_id": "2855354-7",
        "vat_id": None,
        "email": "info@example.fi",
        "phone": "+35891234567",
        "street": "Aleksanterinkatu 1",
        "postal_code": "00100",
        "city": "Helsinki",
        "country": "FI",
        "language": "fi",
    }


def test_every_bad_field_is_reported_not_just_the_first():
    cleaned = create(email="nope", phone="123", colour="red")
    assert set(cleaned.errors) == {"name", "email", "phone", "colour"}
    assert cleaned.values == {}


def test_a_contact_needs_a_name_and_valid_details():
    assert clean_contact_fields({}).errors["name"].key == "field.required"
    cleaned = clean_contact_fields(
        {"name": "Matti Meikäläinen", "title": "CEO", "email": "Matti@Example.FI", "phone": ""}
    )
    assert cleaned.errors == {}
    assert cleaned.values == {
        "name": "Matti Meikäläinen",
        "title": "CEO",
        "email": "Matti@example.fi",
        "phone": None,
    }
    bad = clean_contact_fields({"name": "Matti", "phone": "123", "city": "Turku"})
    assert {field: error.key for field, error in bad.errors.items()} == {
        "phone": "field.phone",
        "city": "field.unknown",
    }


def test_a_service_user_needs_a_valid_username():
    assert clean_service_user_fields({}).errors["username"].key == "field.required"
    assert clean_service_user_fields({"username": "matti m"}).errors["username"].key == (
        "field.username"
    )
    cleaned = clean_service_user_fields(
        {"username": " matti.m@acme ", "name": "Matti", "email": "matti@example.com"}
    )
    assert cleaned.errors == {}
    assert cleaned.values == {
        "username": "matti.m@acme",
        "name": "Matti",
        "email": "matti@example.com",
    }


def test_a_service_user_cannot_be_given_a_password_through_fields():
    cleaned = clean_service_user_fields({"username": "matti", "password_hash": "x"})
    assert cleaned.errors["password_hash"].key == "field.unknown"
