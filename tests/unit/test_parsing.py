"""Slash-command text becomes positional words and key=value options, or one ParseError."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.errors import DomainError
from handlers.parsing import (
    MAX_COMMAND_TEXT,
    Arguments,
    ParseError,
    head_and_rest,
    parse_arguments,
    parse_mention,
    shell_words,
    split_words,
)


def parse_error_key(text: str) -> str:
    with pytest.raises(ParseError) as caught:
        parse_arguments(text)
    return caught.value.key


def test_words_and_options_are_separated():
    args = parse_arguments("10042 city=Tampere postal_code=33100")
    assert args == Arguments(
        positional=["10042"], options={"city": "Tampere", "postal_code": "33100"}
    )


def test_empty_text_has_no_words_and_no_options():
    assert parse_arguments("") == Arguments(positional=[], options={})
    assert parse_arguments("   ") == Arguments(positional=[], options={})


@pytest.mark.parametrize(
    "text",
    [
        'name="Acme Oy"',
        "name=“Acme Oy”",
        "name=„Acme Oy“",
        "name=«Acme Oy»",
        'name="Acme "Oy',
    ],
)
def test_quoted_values_keep_their_spaces_whatever_the_quote_marks(text):
    assert parse_arguments(text).options == {"name": "Acme Oy"}


def test_a_double_quoted_value_may_contain_an_apostrophe():
    assert parse_arguments('name="O\'Brien Ltd"').options == {"name": "O'Brien Ltd"}


def test_quoted_positional_words_stay_together():
    assert parse_arguments('find "Acme Oy"').positional == ["find", "Acme Oy"]


def test_an_empty_value_is_kept_as_an_empty_string():
    assert parse_arguments('email= phone=""').options == {"email": "", "phone": ""}


def test_a_value_may_contain_equals_signs():
    args = parse_arguments("recording=https://example.com/r?id=1&x=2")
    assert args.options == {"recording": "https://example.com/r?id=1&x=2"}


@pytest.mark.parametrize("word", ["Name=Acme", "=Acme", "1name=x", "na-me=x", "10042"])
def test_words_that_are_not_lower_case_keys_are_positional(word):
    assert parse_arguments(word) == Arguments(positional=[word], options={})


def test_backslashes_are_kept_as_typed():
    assert split_words(r"C:\temp a\b") == ["C:\\temp", "a\\b"]


def test_a_key_given_twice_is_rejected_with_its_name():
    with pytest.raises(ParseError) as caught:
        parse_arguments("city=Tampere name=Acme city=Turku")
    assert caught.value.key == "parse.duplicate_key"
    assert caught.value.params == {"name": "city"}


@pytest.mark.parametrize("text", ['name="Acme Oy', "name=“Acme Oy", 'a "b'])
def test_unbalanced_quotes_raise_a_parse_error(text):
    assert parse_error_key(text) == "parse.unbalanced_quotes"


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x08", "\x1f"])
def test_control_characters_are_rejected(char):
    assert parse_error_key(f"name=Acme{char}Oy") == "parse.control_chars"


def test_tabs_and_newlines_separate_words():
    assert parse_arguments("a\tb\nc\r\nd").positional == ["a", "b", "c", "d"]


def test_text_up_to_the_limit_is_read():
    text = "a" * MAX_COMMAND_TEXT
    assert parse_arguments(text).positional == [text]


def test_over_long_text_is_rejected_with_the_limit():
    with pytest.raises(ParseError) as caught:
        parse_arguments("a" * (MAX_COMMAND_TEXT + 1))
    assert caught.value.key == "parse.too_long"
    assert caught.value.params == {"limit": MAX_COMMAND_TEXT}


def test_a_parse_error_is_a_domain_error():
    assert issubclass(ParseError, DomainError)


@pytest.mark.parametrize(
    ("word", "user_id"),
    [
        ("<@U123ABC|matti>", "U123ABC"),
        ("<@U123ABC>", "U123ABC"),
        ("<@W0ABC1|Matti Meikäläinen>", "W0ABC1"),
        (" <@U123ABC> ", "U123ABC"),
        ("<@U123ABC|>", "U123ABC"),
    ],
)
def test_escaped_slack_mentions_give_the_user_id(word, user_id):
    assert parse_mention(word) == user_id


def test_a_plain_at_name_is_refused_with_a_hint_to_use_the_mention_list():
    with pytest.raises(ParseError) as caught:
        parse_mention("@matti")
    assert caught.value.key == "parse.plain_mention"
    assert caught.value.params == {"name": "@matti"}


@pytest.mark.parametrize("word", ["matti", "U123ABC", "<@u123abc>", "<#C123|general>", "<@>", ""])
def test_anything_else_is_not_a_mention(word):
    with pytest.raises(ParseError) as caught:
        parse_mention(word)
    assert caught.value.key == "parse.not_a_mention"


def test_mentions_are_read_from_slack_text_and_words_come_back_as_typed():
    args = parse_arguments("grant <@U123ABC|matti> agent")
    assert args.positional == ["grant", "@matti", "agent"]
    assert args.mention(1) == "U123ABC"


def test_a_typed_mention_is_not_a_picked_one():
    args = parse_arguments("assign 5 &lt;@U123ABC&gt;")
    assert args.positional == ["assign", "5", "<@U123ABC>"]
    with pytest.raises(ParseError) as raised:
        args.mention(2)
    assert raised.value.key == "parse.not_a_mention"


def test_escaped_entities_links_and_addresses_are_stored_as_typed():
    args = parse_arguments(
        'name="Smith &amp; Sons &lt;ok&gt;" email=<mailto:a@b.fi|a@b.fi> '
        "site=<https://x.fi> note=&amp;lt;"
    )
    assert args.options == {
        "name": "Smith & Sons <ok>",
        "email": "a@b.fi",
        "site": "https://x.fi",
        "note": "&lt;",
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ("", "")),
        ("   ", ("", "")),
        ("show", ("show", "")),
        ("FIND  Acme Oy ", ("find", "Acme Oy")),
        ("find\tAcme", ("find", "Acme")),
        ('new name="Acme  Oy"  city=X', ("new", 'name="Acme  Oy"  city=X')),
        ("  Help  ", ("help", "")),
    ],
)
def test_head_and_rest_splits_off_the_lower_cased_first_word(text, expected):
    assert head_and_rest(text) == expected


@given(st.text())
def test_any_text_parses_or_raises_a_parse_error(text):
    try:
        result = parse_arguments(text)
    except ParseError as exc:
        assert exc.key.startswith("parse.")
    else:
        assert isinstance(result, Arguments)


@given(st.text(alphabet=st.sampled_from(" \t\"'“”„‘’«»=ab@<>|\\\n")))
def test_quote_heavy_text_parses_or_raises_a_parse_error(text):
    try:
        result = parse_arguments(text)
    except ParseError as exc:
        assert exc.key.startswith("parse.")
    else:
        assert isinstance(result, Arguments)


_plain_value = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cc", "Cs"),
        blacklist_characters="\"'“”„‘’«»",
    ),
    max_size=200,
)


@given(_plain_value)
def test_a_double_quoted_value_comes_back_exactly(value):
    assert parse_arguments(f'note="{value}"').options == {"note": value}


@given(st.text())
def test_head_and_rest_never_loses_the_first_word(text):
    head, rest = head_and_rest(text)
    assert head == head.lower()
    assert (head == "") == (text.split() == [])
    assert rest == rest.strip()


@pytest.mark.parametrize("text", ["name=O'Brien", "Customer can’t log in", "it's 'fine"])
def test_apostrophes_are_ordinary_characters(text: str) -> None:
    assert " ".join(split_words(text)) == text


def shlex_words(text: str) -> list[str] | str:
    """What split_words answered before its fast path: shlex on every text (or the error)."""
    if len(text) > MAX_COMMAND_TEXT:
        return "parse.too_long"
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in text):
        return "parse.control_chars"
    translated = text.translate(str.maketrans("“”„«»", '"' * 5))
    try:
        return shell_words(translated)
    except ParseError as error:
        return error.key


def split_or_error(text: str) -> list[str] | str:
    try:
        return split_words(text)
    except ParseError as error:
        return error.key


# Words from the characters that matter to splitting: every kind of space, quotes straight
# and curly, apostrophes, backslashes, '#', control characters, and ordinary letters.
_SPLITTING = st.text(
    alphabet=st.sampled_from(
        list(" \t\r\n\x0b\x0c\u00a0\u2003\u3000\"“”„«»'’\\#=\x00\x07\x1b\x7f\x85\x9fab1ä")
    ),
    max_size=40,
)


@settings(max_examples=1000, deadline=None, database=None)
@given(st.one_of(_SPLITTING, st.text(max_size=40)))
def test_split_words_gives_shlex_answers(text: str) -> None:
    assert split_or_error(text) == shlex_words(text)


def test_split_words_checks_length_and_control_characters_before_splitting() -> None:
    assert split_or_error("a" * (MAX_COMMAND_TEXT + 1)) == "parse.too_long"
    assert split_or_error("find \x85acme") == "parse.control_chars"
    assert split_words("find\u00a0acme  oy\t\n") == ["find\u00a0acme", "oy"]
