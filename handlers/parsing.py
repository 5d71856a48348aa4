"""Command text → typed arguments (pure). Errors are DomainErrors with message keys.

Slash-command text arrives as Slack sends it with `should_escape` (SPEC §4.1): a typed `&`, `<`
and `>` as `&amp;`, `&lt;`, `&gt;`, and a mention, channel, e-mail address or link picked or
recognised by Slack as `<@U1|anna>`, `<#C1|general>`, `<mailto:a@b.fi|a@b.fi>`, `<https://…>`.
Words are split on that text, mentions are read from it, and every value is then turned back
into what the person typed (`slack_to_plain`), so stored text is as given (SPEC §2).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

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
# With should_escape a typed `<` arrives as `&lt;`, so every raw `<…>` is Slack's own markup.
_SLACK_SEQUENCE = re.compile(r"<([^<>]*)>")


class ParseError(DomainError):
    """The command text cannot be read."""


@dataclass(frozen=True)
class Arguments:
    """Positional words and key=value pairs of one command, as typed (Slack markup undone);
    `mentions` holds, for each positional word, the user ID if Slack sent it as a mention."""

    positional: list[str]
    options: dict[str, str]
    mentions: tuple[str | None, ...] = field(default=(), compare=False)

    def mention(self, index: int) -> str:
        """The Slack user ID of positional word `index`, which must be a picked mention."""
        if index < len(self.mentions) and self.mentions[index] is not None:
            return str(self.mentions[index])
        word = self.positional[index]
        if word.startswith("@"):
            raise ParseError("parse.plain_mention", name=word)
        raise ParseError("parse.not_a_mention", word=word)


def words(text: str) -> list[str]:
    """The command's words as typed: split on Slack's text, then Slack's markup undone."""
    return [slack_to_plain(word) for word in split_words(text)]


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
    mentions: list[str | None] = []
    options: dict[str, str] = {}
    for word in split_words(text):
        match = _KEY.match(word)
        if match is None:
            mention = _MENTION.match(word)
            mentions.append(mention.group(1) if mention is not None else None)
            positional.append(slack_to_plain(word))
            continue
        key, value = match.group(1), match.group(2)
        if key in options:
            raise ParseError("parse.duplicate_key", name=key)
        options[key] = slack_to_plain(value)
    return Arguments(positional=positional, options=options, mentions=tuple(mentions))


def slack_to_plain(text: str) -> str:
    """Slack's escaped text as the person typed it: mentions, links and entities undone.

    `<@U1|anna>` → `@anna`, `<#C1|general>` → `#general`, `<!here>` → `@here`,
    `<https://x.fi|x.fi>` → `x.fi`, `<mailto:a@b.fi|a@b.fi>` → `a@b.fi`,
    `<https://x.fi|site>` → `site (https://x.fi)`; then `&lt;`, `&gt;` and `&amp;` (last).
    """

    def plain(match: re.Match[str]) -> str:
        target, _, label = match.group(1).partition("|")
        if target.startswith(("@", "#")):
            return target[0] + (label or target[1:])
        if target.startswith("!"):
            return label or "@" + target[1:].split("^")[0]
        if not label:
            return target.removeprefix("mailto:")
        if target.startswith("mailto:") or label in target:
            return label
        return f"{label} ({target})"

    if "<" in text:
        text = _SLACK_SEQUENCE.sub(plain, text)
    if "&" not in text:
        return text
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def parse_mention(word: str) -> str:
    """The Slack user ID of an escaped mention `<@U123|name>` or `<@U123>`."""
    match = _MENTION.match(word.strip())
    if match is not None:
        return match.group(1)
    if word.startswith("@"):
        raise ParseError("parse.plain_mention", name=word)
    raise ParseError("parse.not_a_mention", word=word)
