"""Properties of the validators the unit tests do not fuzz yet: any text is either accepted in
canonical form or refused with one known message key, never a crash (SPEC §9)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.business_id import InvalidBusinessId, canonical_business_id, looks_like_business_id
from bot.domain.contact import (
    InvalidEmail,
    InvalidPhone,
    canonical_email,
    canonical_phone,
    display_phone,
    phone_or_none,
)
from bot.domain.correspondence import clean_recording_uri, parse_occurred_at
from bot.domain.customer_fields import (
    CONTACT_FIELDS,
    CUSTOMER_UPDATE_FIELDS,
    SERVICE_USER_FIELDS,
    clean_contact_fields,
    clean_customer_fields,
    clean_service_user_fields,
)
from bot.i18n import CATALOGS
from handlers.parsing import ParseError, parse_date, parse_mention, parse_request_number
from tests.support.register_state import count_case

TZ = zoneinfo.ZoneInfo("Europe/Helsinki")
NOW = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC)
EXAMPLES = settings(max_examples=150, deadline=None, database=None)

_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60)
_nasty = st.sampled_from(
    [
        "'; DROP TABLE customer; --",
        "<!channel>",
        "<@U123|x>",
        "\x00",
        "\u202e",
        "x" * 5000,
        "2023-02-30",
        "+358 40 123 4567",
        "040-1234567",
        "anna@example.fi",
        "ANNA@EXAMPLE.FI",
        "2855354-7",
        " 285 5354 7 ",
        "FI28553547",
    ]
)
values = st.one_of(_text, _nasty)


def known_key(key: str) -> bool:
    """Whether a message key exists in the English catalog (so the reply is a real sentence)."""
    return key in CATALOGS["en"]


@EXAMPLES
@given(st.dictionaries(st.sampled_from([*CUSTOMER_UPDATE_FIELDS, "bogus"]), values, max_size=6))
def test_customer_fields_are_cleaned_or_refused_with_known_keys(raw: dict[str, str]) -> None:
    count_case("parser cases")
    for creating in (True, False):
        cleaned = clean_customer_fields(raw, creating=creating)
        assert all(known_key(e.key) for e in cleaned.errors.values())
        assert not set(cleaned.values) & set(cleaned.errors)
        for key, value in cleaned.values.items():
            assert key in raw
            if value is not None:
                assert len(value) <= 400
                assert "\x00" not in value
        if "name" in cleaned.values and cleaned.values["name"] is not None:
            assert cleaned.values["name"] == raw["name"].strip()


@EXAMPLES
@given(st.dictionaries(st.sampled_from([*CONTACT_FIELDS, *SERVICE_USER_FIELDS, "x"]), values))
def test_contact_and_service_user_fields_are_cleaned_or_refused(raw: dict[str, str]) -> None:
    count_case("parser cases")
    for clean in (clean_contact_fields, clean_service_user_fields):
        cleaned = clean(raw)
        assert all(known_key(e.key) for e in cleaned.errors.values())
        assert cleaned.values or cleaned.errors


@EXAMPLES
@given(values)
def test_a_business_id_is_canonical_or_refused_and_canonical_is_a_fixed_point(text: str) -> None:
    count_case("parser cases")
    try:
        canonical = canonical_business_id(text)
    except InvalidBusinessId:
        return
    assert looks_like_business_id(text)
    assert canonical_business_id(canonical) == canonical
    assert len(canonical) == 9 and canonical[7] == "-"


@EXAMPLES
@given(st.one_of(values, st.from_regex(r"\+?[0-9 ()-]{3,20}", fullmatch=True)))
def test_a_phone_is_e164_or_refused_and_e164_is_a_fixed_point(text: str) -> None:
    count_case("parser cases")
    try:
        e164 = canonical_phone(text)
    except InvalidPhone:
        assert phone_or_none(text) is None
        return
    assert e164.startswith("+") and e164[1:].isdigit()
    assert canonical_phone(e164) == e164
    assert canonical_phone(display_phone(e164)) == e164


@EXAMPLES
@given(st.one_of(values, st.emails().map(str)))
def test_an_email_is_normalised_or_refused_and_normal_form_is_a_fixed_point(text: str) -> None:
    count_case("parser cases")
    try:
        email = canonical_email(text)
    except InvalidEmail:
        return
    local, _, domain = email.rpartition("@")
    assert local and domain == domain.lower()
    assert canonical_email(email) == email


@EXAMPLES
@given(st.one_of(values, st.integers(min_value=-10, max_value=10**12).map(str)))
def test_a_request_number_is_a_positive_int_or_a_parse_error(text: str) -> None:
    count_case("parser cases")
    for word in (text, f"DSR-{text}", f"#{text}"):
        try:
            number = parse_request_number(word)
        except ParseError as err:
            assert known_key(err.key)
            continue
        assert 0 <= number < 10**9


@EXAMPLES
@given(st.one_of(values, st.dates().map(dt.date.isoformat)))
def test_a_date_is_parsed_exactly_or_refused(text: str) -> None:
    count_case("parser cases")
    try:
        parsed = parse_date(text)
    except ParseError as err:
        assert err.key == "parse.bad_date"
        return
    assert parsed.isoformat() == text.strip()


@pytest.mark.parametrize("text", ["2023-02-30", "2024-13-01", "0000-01-01", "2024-02-29x"])
def test_impossible_dates_are_refused(text: str) -> None:
    with pytest.raises(ParseError):
        parse_date(text)


@EXAMPLES
@given(
    st.one_of(
        values,
        st.datetimes(min_value=dt.datetime(1980, 1, 1), max_value=dt.datetime(2030, 1, 1)).map(
            lambda d: d.strftime("%Y-%m-%dT%H:%M")
        ),
    )
)
def test_a_correspondence_time_is_in_the_past_after_1990_or_refused(text: str) -> None:
    count_case("parser cases")
    try:
        at = parse_occurred_at(text, TZ, NOW)
    except Exception as exc:
        error = getattr(exc, "error", None)
        assert error is not None and known_key(error.key), repr(exc)
        return
    assert at.tzinfo is not None and at <= NOW
    assert at.year >= 1989


@EXAMPLES
@given(values)
def test_a_recording_reference_is_kept_as_given_or_refused(text: str) -> None:
    count_case("parser cases")
    try:
        uri = clean_recording_uri(text)
    except Exception as exc:
        error = getattr(exc, "error", None)
        assert error is not None and known_key(error.key), repr(exc)
        return
    assert uri is None or (uri == text.strip() and ":" in uri)


@EXAMPLES
@given(st.one_of(values, st.from_regex(r"<@[UW][A-Z0-9]{1,12}(\|[a-z.]{0,10})?>", fullmatch=True)))
def test_a_mention_gives_a_user_id_or_a_parse_error(text: str) -> None:
    count_case("parser cases")
    try:
        user = parse_mention(text)
    except ParseError as err:
        assert err.key in ("parse.plain_mention", "parse.not_a_mention")
        return
    assert user[0] in "UW" and user.isalnum() and user in text
