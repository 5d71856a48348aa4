"""One usage event checked field by field (pure): any input is an event or one clear error."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.usage import USAGE_KINDS, parse_event

NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)


def test_a_good_event_is_normalised() -> None:
    event = parse_event(
        {
            "at": "2026-11-25T11:00:00+02:00",
            "username": " maija.m ",
            "kind": "login",
            "ip": "2001:0db8:0000::0001",
            "detail": "x" * 2000,
        },
        NOW,
    )
    assert event.at == dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
    assert (event.username, event.ip) == ("maija.m", "2001:db8::1")
    assert event.detail is not None and len(event.detail) == 1000


@pytest.mark.parametrize(
    ("ip", "ok"),
    [("192.0.2.1", True), ("::1", True), ("fe80::1%" + "x" * 60, False), ("1.2.3", False)],
)
def test_addresses_are_checked_with_ipaddress(ip: str, ok: bool) -> None:
    event = {"at": "2026-11-25T09:00:00Z", "username": "u", "kind": "logout", "ip": ip}
    if ok:
        assert parse_event(event, NOW).ip is not None
    else:
        with pytest.raises(Exception, match=r"^usage\.bad_ip$"):
            parse_event(event, NOW)


_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=40),
    st.sampled_from([*USAGE_KINDS, "2026-11-25T09:00:00Z", "0001-01-01T00:00:00+14:00"]),
    st.lists(st.integers(), max_size=2),
)


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.dictionaries(
            st.sampled_from(["at", "username", "kind", "ip", "detail", "other"]),
            _values,
            max_size=6,
        ),
        _values,
    )
)
def test_any_input_is_an_event_or_one_known_error(item: Any) -> None:
    try:
        parse_event(item, NOW)
    except Exception as exc:  # the module's own refusal, never a crash
        assert type(exc).__name__ == "_Invalid"
        assert str(exc).startswith("usage.")
