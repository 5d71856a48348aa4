"""Command text → typed arguments (pure). Errors are DomainErrors with message keys."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from bot.services.errors import DomainError

_KEY = re.compile(r"^([a-z][a-z_]{0,39})=(.*)$", re.DOTALL)
_MENTION = re.compile(r"^<@([UW][A-Z0-9]{1,20})(?:\|[^>]*)?>$")
# Slack turns typed quotes into curly ones; only double quotes group words, so apostrophes
# (O'Brien, can’t) stay ordinary characters.
_SMART_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})
MAX_COMMAND_TEXT = 4000
# Control characters (Unicode's category Cc: C0, DEL and C1) other than tab and line breaks.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# What separates words for shlex; Unicode's other spaces are ordinary characters to it.
_SHLEX_SPACE = re.compile("[ \t\r\n]+")


class ParseError(DomainError):
    """The command text cannot be read."""


@dataclass(frozen=True)
class Arguments:
    """Positional words and key=value pairs of one command."""

    positional: list[str]
    options: dict[str, str]


def split_words(text: str) -> list[str]:
    """Split like a shell: quotes group words (Slack's curly quotes too), backslashes are kept."""
    if len(text) > MAX_COMMAND_TEXT:
        raise ParseError("parse.too_long", limit=MAX_COMMAND_TEXT)
    if _CONTROL.search(text):
        raise ParseError("parse.control_chars")
    text = text.translate(_SMART_QUOTES)
    if '"' not in text:
        # Most commands quote nothing (`find virtanen`, `show 10042`), and shlex, with no
        # escape or comment characters, then splits at its whitespace alone: the same words
        # without its character-by-character loop: 1.2 instead of 8.7 µs for two words
        # (tests/unit/test_parsing.py holds the two to the same answers).
        return [word for word in _SHLEX_SPACE.split(text) if word]
    return shell_words(text)


def shell_words(text: str) -> list[str]:
    """shlex's words: only double quotes group them; no escapes, no comments."""
    lexer = shlex.shlex(text, posix=True)
    lexer.whitespace_split = True
    lexer.quotes = '"'
    lexer.escape = ""
    lexer.commenters = ""
    try:
        return list(lexer)
    except ValueError:
        raise ParseError("parse.unbalanced_quotes") from None


def head_and_rest(text: str) -> tuple[str, str]:
    """The first word (lower-cased) and the untouched rest of the text."""
    parts = text.strip().split(None, 1)
    if not parts:
        return "", ""
    return parts[0].lower(), parts[1].strip() if len(parts) > 1 else ""


def parse_arguments(text: str) -> Arguments:
    """Positional words and `key=value` options; a key given twice is an error."""
    positional: list[str] = []
    options: dict[str, str] = {}
    for word in split_words(text):
        match = _KEY.match(word)
        if match is None:
            positional.append(word)
            continue
        key, value = match.group(1), match.group(2)
        if key in options:
            raise ParseError("parse.duplicate_key", name=key)
        options[key] = value
    return Arguments(positional=positional, options=options)


def parse_mention(word: str) -> str:
    """The Slack user ID of an escaped mention `<@U123|name>` or `<@U123>`."""
    match = _MENTION.match(word.strip())
    if match is not None:
        return match.group(1)
    if word.startswith("@"):
        raise ParseError("parse.plain_mention", name=word)
    raise ParseError("parse.not_a_mention", word=word)
