"""`/comms` command text → arguments: options before a summary kept as typed."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.errors import DomainError
from handlers.parsing import parse_list_command, parse_log_command, slack_to_plain


def test_ref_channel_and_summary() -> None:
    command = parse_log_command("10001 phone  Called about the\ninvoice  ")
    assert (command.ref, command.channel, command.options) == ("10001", "phone", {})
    assert command.summary == "Called about the\ninvoice"


def test_options_come_before_the_summary_and_may_be_quoted() -> None:
    command = parse_log_command(
        '10001 email dir=out at="2026-05-01 14:30" recording=s3://rec/1.wav Sent the offer'
    )
    assert command.options == {
        "dir": "out",
        "at": "2026-05-01 14:30",
        "recording": "s3://rec/1.wav",
    }
    assert command.summary == "Sent the offer"


def test_curly_quotes_group_an_option_value() -> None:
    command = parse_log_command("10001 meeting at=“2026-05-01 09:00” Kickoff")
    assert command.options == {"at": "2026-05-01 09:00"}


def test_a_key_value_inside_the_summary_stays_in_the_summary() -> None:
    command = parse_log_command("10001 chat Price was x=5 dir=out")
    assert command.options == {}
    assert command.summary == "Price was x=5 dir=out"


def test_a_link_escaped_by_slack_becomes_the_url() -> None:
    command = parse_log_command(
        "10001 phone recording=<https://rec.example.fi/a.mp3> Call about <https://x.fi|x.fi>"
    )
    assert command.options == {"recording": "https://rec.example.fi/a.mp3"}
    assert command.summary == "Call about x.fi"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("10001", "parse.expected_args"),
        ("", "parse.expected_args"),
        ("10001 email", "comms.summary_missing"),
        ("10001 email dir=out", "comms.summary_missing"),
        ("10001 email direction=out Hello", "comms.unknown_option"),
        ("10001 email dir=in dir=out Hello", "parse.duplicate_key"),
        ('10001 email at="2026-05-01 Hello', "parse.unbalanced_quotes"),
        ("10001 email " + "x" * 5000, "parse.too_long"),
    ],
)
def test_malformed_log_commands_are_one_clear_error(text: str, key: str) -> None:
    with pytest.raises(DomainError) as caught:
        parse_log_command(text)
    assert caught.value.key == key


def test_slack_markup_is_undone_so_the_text_is_stored_as_typed() -> None:
    wire = "&lt;b&gt; &amp; <@U123ABC|anna> <#C1|general> <!here> <mailto:a@b.fi|a@b.fi> <https://x.fi|site>"
    assert slack_to_plain(wire) == "<b> & @anna #general @here a@b.fi site (https://x.fi)"
    assert slack_to_plain("<@U123ABC>") == "@U123ABC"
    assert slack_to_plain("&amp;lt;") == "&lt;"


def test_list_takes_a_count_and_a_page() -> None:
    assert parse_list_command("10001") == ("10001", 10, 1)
    assert parse_list_command("10001 25") == ("10001", 25, 1)
    assert parse_list_command("10001 25 page=3") == ("10001", 25, 3)
    assert parse_list_command("10001 500") == ("10001", 500, 1)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("10001 0", "comms.bad_count"),
        ("10001 -3", "comms.bad_count"),
        ("10001 lots", "comms.bad_count"),
        ("10001 ²", "comms.bad_count"),
        ("10001 ５", "comms.bad_count"),
        ("10001 5 page=0", "comms.bad_page"),
        ("10001 5 6", "parse.expected_args"),
        ("10001 sort=old", "parse.expected_args"),
        ("", "parse.expected_args"),
    ],
)
def test_a_bad_list_command_is_refused(text: str, key: str) -> None:
    with pytest.raises(DomainError) as caught:
        parse_list_command(text)
    assert caught.value.key == key


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_any_command_text_parses_or_is_one_clear_error(text: str) -> None:
    for parse in (parse_log_command, parse_list_command):
        with contextlib.suppress(DomainError):
            parse(text)
    slack_to_plain(text)
