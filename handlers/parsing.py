"""Command text → typed arguments (pure). Errors are DomainErrors with message keys.

Slash-command text arrives as Slack sends it with `should_escape` (SPEC §4.1): a typed `&`, `<`
and `>` as `&amp;`, `&lt;`, `&gt;`, and a mention, channel, e-mail address or link picked or
recognised by Slack as `<@U1|anna>`, `<#C1|general>`, `<mailto:a@b.fi|a@b.fi>`, `<https://…>`.
Words are split on that text, mentions are read from it, and every value is then turned back
into what the person typed (`slack_to_plain`), so stored text is as given (SPEC §2).
"""

from __future__ import annotations

import datetime as dt
import re
import shlex
from dataclasses import dataclass, field

from bot.services.comms import DEFAULT_LIST
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
        # without its character-by-character loop (tests/unit/test_parsing.py holds the two
        # to the same answers).
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


LOG_OPTIONS = ("dir", "at", "recording")
_QUOTES = '"“”„«»'
_WORD = re.compile(r"\s*(\S+)")
_OPTION = re.compile(
    r"\s*([a-z][a-z_]{0,39})=(?:"
    rf"[{_QUOTES}]([^{_QUOTES}]*)[{_QUOTES}]"  # a quoted value
    r"|(<[^<>]*>)"  # a link as Slack escapes it: <https://…> or <https://…|label>
    r"|(\S*)"  # a plain word
    r")(?=\s|$)",
    re.DOTALL,
)


@dataclass(frozen=True)
class LogCommand:
    """`/comms log` split into its parts; the summary is kept as typed (Slack markup undone)."""

    ref: str
    channel: str
    options: dict[str, str]
    summary: str


def parse_log_command(text: str) -> LogCommand:
    """`REF CHANNEL [dir=in|out] [at=…] [recording=URI] SUMMARY…` (options before the summary)."""
    if len(text) > MAX_COMMAND_TEXT:
        raise ParseError("parse.too_long", limit=MAX_COMMAND_TEXT)
    words: list[str] = []
    pos = 0
    for _ in range(2):
        match = _WORD.match(text, pos)
        if match is None:
            raise ParseError("parse.expected_args")
        words.append(match.group(1))
        pos = match.end()
    options: dict[str, str] = {}
    while True:
        match = _OPTION.match(text, pos)
        if match is None:
            break
        key = match.group(1)
        if key not in LOG_OPTIONS:
            raise ParseError("comms.unknown_option", name=key, allowed=", ".join(LOG_OPTIONS))
        if key in options:
            raise ParseError("parse.duplicate_key", name=key)
        quoted, link, word = match.group(2), match.group(3), match.group(4)
        if word is not None and word[:1] in _QUOTES:
            raise ParseError("parse.unbalanced_quotes")
        value = quoted if quoted is not None else link if link is not None else word or ""
        options[key] = slack_to_plain(value).strip()
        pos = match.end()
    summary = slack_to_plain(text[pos:]).strip()
    if not summary:
        raise ParseError("comms.summary_missing")
    ref, channel = (slack_to_plain(word) for word in words)
    return LogCommand(ref=ref, channel=channel, options=options, summary=summary)


def parse_list_command(text: str) -> tuple[str, int, int]:
    """`REF [N] [page=P]`: the customer, how many entries, which page."""
    args = parse_arguments(text)
    unknown = [key for key in args.options if key != "page"]
    if not 1 <= len(args.positional) <= 2 or unknown:
        raise ParseError("parse.expected_args")
    count = _positive(args.positional[1], "comms.bad_count") if len(args.positional) > 1 else None
    page = _positive(args.options["page"], "comms.bad_page") if "page" in args.options else 1
    return args.positional[0], count or DEFAULT_LIST, page


def _positive(text: str, key: str) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > 6 or int(text) < 1:
        raise ParseError(key, value=text)
    return int(text)


_REQUEST_ID = re.compile(r"^(?:#|dsr-?)?(\d{1,9})$", re.IGNORECASE | re.ASCII)
_CODE = re.compile(r"^\d{6}$", re.ASCII)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
NEW_OPTIONS = frozenset({"received", "via", "requester"})


def parse_request_number(word: str) -> int:
    """`DSR-12`, `dsr12`, `#12` or `12` → 12."""
    match = _REQUEST_ID.match(word.strip())
    if match is None:
        raise ParseError("parse.bad_request_id", word=word)
    return int(match.group(1))


def parse_code(word: str) -> str:
    """A one-time code: six digits."""
    if not _CODE.match(word):
        raise ParseError("parse.bad_code")
    return word


def parse_date(value: str) -> dt.date:
    """A date written YYYY-MM-DD."""
    text = value.strip()
    if _DATE.match(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    raise ParseError("parse.bad_date", value=value)


def parse_one_request(rest: str) -> int:
    """Exactly one request number and nothing else."""
    args = parse_arguments(rest)
    if len(args.positional) != 1 or args.options:
        raise ParseError("parse.expected_args")
    return parse_request_number(args.positional[0])


DISCLOSE_OPTIONS = frozenset({"recipient", "basis", "law", "country", "data"})


def parse_request_option(options: dict[str, str]) -> int | None:
    """`request=DSR-12` → 12 (None when absent)."""

    value = options.get("request")
    return parse_request_number(value) if value else None
