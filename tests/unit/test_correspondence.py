"""Correspondence rules: channels, directions, local times, recording URIs and text limits."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.correspondence import (
    CHANNELS,
    MAX_SUBJECT,
    MAX_SUMMARY,
    EntryValues,
    check_form,
    clean_entry,
    is_slack_permalink,
    subject_of,
)

TZ = zoneinfo.ZoneInfo("Europe/Helsinki")
NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)


def entry(**overrides: str | None) -> tuple[EntryValues | None, dict[str, str]]:
    values: dict[str, str | None] = {
        "channel": "email",
        "direction": "",
        "summary": "Asked about the invoice",
        "at": None,
        "recording": None,
        "permalink": None,
    }
    values.update(overrides)
    cleaned = clean_entry(tz=TZ, now=NOW, **values)  # type: ignore[arg-type]
    return cleaned.values, {name: error.key for name, error in cleaned.errors.items()}


def ok(**overrides: str | None) -> EntryValues:
    values, errors = entry(**overrides)
    assert errors == {} and values is not None
    return values


def test_every_channel_of_the_spec_is_accepted_in_any_case() -> None:
    assert CHANNELS == ("email", "phone", "meeting", "chat", "letter", "slack", "web", "other")
    for channel in CHANNELS:
        assert ok(channel=channel.upper()).channel == channel


def test_an_unknown_channel_or_direction_is_refused() -> None:
    assert entry(channel="fax")[1] == {"channel": "comms.bad_channel"}
    assert entry(direction="sideways")[1] == {"direction": "comms.bad_direction"}


def test_direction_defaults_to_in() -> None:
    assert ok().direction == "in"
    assert ok(direction="OUT").direction == "out"


def test_no_time_means_now() -> None:
    assert ok().occurred_at == NOW


def test_a_local_time_is_stored_in_utc_across_daylight_saving() -> None:
    winter = ok(at="2026-01-15T12:00")
    summer = ok(at="2026-07-15 12:00")
    assert winter.occurred_at == dt.datetime(2026, 1, 15, 10, 0, tzinfo=dt.UTC)
    assert summer.occurred_at == dt.datetime(2026, 7, 15, 9, 0, tzinfo=dt.UTC)


def test_a_date_alone_is_the_start_of_that_local_day() -> None:
    assert ok(at="2026-11-24").occurred_at == dt.datetime(2026, 11, 23, 22, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("at", "key"),
    [
        ("2026-11-25T12:01", "comms.time_future"),  # 10:01 UTC, a minute after NOW
        ("2027-01-01", "comms.time_future"),
        ("25.11.2026", "comms.bad_time"),
        ("2026-13-01", "comms.bad_time"),
        ("2026-02-30", "comms.bad_time"),
        ("yesterday", "comms.bad_time"),
        ("0001-01-01", "comms.time_too_old"),
        ("2026-03-29T03:30", "comms.time_nonexistent"),  # clocks jump 03:00 → 04:00
    ],
)
def test_bad_future_old_and_nonexistent_times_are_refused(at: str, key: str) -> None:
    values, errors = entry(at=at)
    assert values is None
    assert errors == {"at": key}


def test_the_current_minute_is_not_the_future() -> None:
    assert entry(at="2026-11-25T12:00")[1] == {}


@pytest.mark.parametrize(
    "uri",
    [
        "https://recordings.example.fi/2026/11/call-123.mp3",
        "http://pbx.example.fi/rec?id=7",
        "sip:recording-7@pbx.example.fi",
        "s3://recordings/2026/11/call-123.wav",
        "file:///srv/recordings/call-123.wav",
        "smb://nas.example.fi/recordings/call.wav",
    ],
)
def test_recording_references_with_known_schemes_are_accepted(uri: str) -> None:
    assert ok(recording=uri).recording_uri == uri


@pytest.mark.parametrize(
    "uri",
    [
        "call-123.mp3",
        "javascript:alert(1)",
        "data:audio/wav;base64,AAAA",
        "https://",
        "https://exa mple.fi/x",
        "ftp:",
        "s3:/bucket",
    ],
)
def test_a_recording_that_is_not_a_uri_is_refused(uri: str) -> None:
    assert entry(recording=uri)[1] == {"recording": "comms.recording_not_uri"}


def test_a_recording_uri_has_a_length_limit() -> None:
    uri = "https://recordings.example.fi/" + "a" * 1000
    assert entry(recording=uri)[1] == {"recording": "comms.recording_too_long"}


def test_empty_oversize_and_control_character_summaries_are_refused() -> None:
    assert entry(summary="   \n ")[1] == {"summary": "comms.summary_empty"}
    assert entry(summary="x" * (MAX_SUMMARY + 1))[1] == {"summary": "comms.summary_too_long"}
    assert entry(summary="bell \x07")[1] == {"summary": "comms.control_chars"}
    assert entry(summary="x" * MAX_SUMMARY)[1] == {}
    assert entry(summary="line one\nline two\ttabbed")[1] == {}


def test_every_problem_is_reported_at_once_and_nothing_is_cleaned() -> None:
    values, errors = entry(channel="fax", summary="", at="tomorrow", recording="nope")
    assert values is None
    assert set(errors) == {"channel", "summary", "at", "recording"}


def test_the_subject_is_the_first_line_clipped() -> None:
    assert subject_of("\n  Re: invoice 123  \nmore text") == "Re: invoice 123"
    long = subject_of("y" * 500)
    assert len(long) == MAX_SUBJECT and long.endswith("…")


def test_only_slack_permalinks_are_stored_and_rendered_as_links() -> None:
    link = "https://example.slack.com/archives/C0DEMO/p1700000000000100"
    assert ok(permalink=link).slack_permalink == link
    assert entry(permalink="https://evil.example/x")[1] == {"permalink": "comms.bad_permalink"}
    assert is_slack_permalink(link)
    assert not is_slack_permalink("https://example.slack.com/x|<!channel>")


def test_the_form_check_needs_no_clock() -> None:
    errors = check_form(channel="slack", direction="sideways", summary="")
    assert {name: e.key for name, e in errors.items()} == {
        "direction": "comms.bad_direction",
        "summary": "comms.summary_empty",
    }


@settings(max_examples=300, deadline=None)
@given(
    channel=st.text(max_size=20),
    direction=st.text(max_size=5),
    summary=st.text(max_size=50),
    at=st.one_of(st.none(), st.text(max_size=20), st.datetimes().map(lambda d: d.isoformat())),
    recording=st.one_of(st.none(), st.text(max_size=40)),
)
def test_any_values_give_either_an_entry_or_field_errors(
    channel: str, direction: str, summary: str, at: str | None, recording: str | None
) -> None:
    cleaned = clean_entry(
        channel=channel,
        direction=direction,
        summary=summary,
        at=at,
        recording=recording,
        permalink=None,
        tz=TZ,
        now=NOW,
    )
    assert (cleaned.values is None) == bool(cleaned.errors)
    if cleaned.values is not None:
        assert cleaned.values.occurred_at <= NOW
