"""`/comms`: log correspondence with a customer and list it (SPEC §4.1)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App

from bot.services.comms import DEFAULT_LIST, LogRequest
from handlers.blocks import SUBCOMMAND_USAGE, Message
from handlers.common import HandlerDeps, Respond, answer_command
from handlers.comms_blocks import correspondence_message, logged_message
from handlers.parsing import MAX_COMMAND_TEXT, ParseError, parse_arguments, slack_to_plain

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


def register(app: App, deps: HandlerDeps) -> None:
    """Attach the /comms command."""
    services, t, tz = deps.services, deps.t, deps.settings.tz

    def log(user: str, rest: str) -> Message:
        command = parse_log_command(rest)
        logged = services.comms.log(
            user,
            LogRequest(
                ref=command.ref,
                channel=command.channel,
                summary=command.summary,
                direction=command.options.get("dir", ""),
                at=command.options.get("at"),
                recording=command.options.get("recording"),
            ),
        )
        return logged_message(t, logged, tz)

    def list_(user: str, rest: str) -> Message:
        ref, count, page = parse_list_command(rest)
        return correspondence_message(t, services.comms.list(user, ref, count, page), tz)

    subcommands: dict[str, Callable[[str, str], Message]] = {"log": log, "list": list_}

    @app.command("/comms")
    def handle_comms(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        ack()
        answer_command(deps, "/comms", command, respond, subcommands)


def parse_log_command(text: str) -> LogCommand:
    """`REF CHANNEL [dir=in|out] [at=…] [recording=URI] SUMMARY…` (options before the summary)."""
    if len(text) > MAX_COMMAND_TEXT:
        raise ParseError("parse.too_long", limit=MAX_COMMAND_TEXT)
    usage = SUBCOMMAND_USAGE["/comms log"]
    words: list[str] = []
    pos = 0
    for _ in range(2):
        match = _WORD.match(text, pos)
        if match is None:
            raise ParseError("parse.expected_args", usage=usage)
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
    usage = SUBCOMMAND_USAGE["/comms list"]
    unknown = [key for key in args.options if key != "page"]
    if not 1 <= len(args.positional) <= 2 or unknown:
        raise ParseError("parse.expected_args", usage=usage)
    count = _positive(args.positional[1], "comms.bad_count") if len(args.positional) > 1 else None
    page = _positive(args.options["page"], "comms.bad_page") if "page" in args.options else 1
    return args.positional[0], count or DEFAULT_LIST, page


def _positive(text: str, key: str) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > 6 or int(text) < 1:
        raise ParseError(key, value=text)
    return int(text)
