"""What every message and view shares: sections, contexts, escaping, times, one-sentence errors."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Sequence
from typing import Any

from bot.domain.text import clip, escape_mrkdwn
from bot.i18n import Translator

Block = dict[str, Any]


Message = dict[str, Any]


MAX_MESSAGE_BLOCKS = 50
MAX_MODAL_BLOCKS = 100


MAX_SECTION_TEXT = 3000
_SLACK_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")


def esc(value: object) -> str:
    """Stored text made safe for mrkdwn."""
    return escape_mrkdwn(str(value))


def fmt_time(at: dt.datetime | None, tz: zoneinfo.ZoneInfo) -> str:
    """A UTC time shown in the register's time zone."""
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if at is not None else "–"


def fmt_actor(actor: str) -> str:
    """A Slack user as a mention (renders the name, pings nobody in ephemeral text); else text."""
    return f"<@{actor}>" if _SLACK_ID.match(actor) else esc(actor)


def fmt_money(cents: int) -> str:
    """Euro cents as `1 234,50 €`."""
    euros, rest = divmod(abs(cents), 100)
    sign = "-" if cents < 0 else ""
    return f"{sign}{euros:,}".replace(",", " ") + f",{rest:02d} €"


def section(text: str) -> Block:
    """A mrkdwn section, clipped to Slack's limit."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, MAX_SECTION_TEXT)}}


def context(text: str) -> Block:
    """A small grey line."""
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text, 3000)}]}


def header(text: str) -> Block:
    """A plain-text header (Slack allows 150 characters)."""
    return {"type": "header", "text": {"type": "plain_text", "text": clip(text, 150)}}


def message(blocks: list[Block], fallback: str) -> Message:
    """An ephemeral reply with blocks and its notification text."""
    return {
        "response_type": "ephemeral",
        "text": clip(fallback, 3000),
        "blocks": blocks[:MAX_MESSAGE_BLOCKS],
    }


def text_message(text: str) -> Message:
    """A one-section ephemeral reply."""
    return message([section(text)], text)


def packed_lines(lines: Sequence[str], *, max_blocks: int, more: str | None) -> list[Block]:
    """Lines packed into as few sections as fit, within a block budget; `more` ends a cut list."""
    blocks: list[Block] = []
    current: list[str] = []
    size = 0
    shown = 0
    for line in lines:
        line = clip(line, MAX_SECTION_TEXT)
        if current and size + len(line) + 1 > MAX_SECTION_TEXT:
            if len(blocks) + 2 > max_blocks:
                break
            blocks.append(section("\n".join(current)))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
        shown += 1
    if current and len(blocks) + 2 <= max_blocks:
        blocks.append(section("\n".join(current)))
    else:
        shown -= len(current)
    hidden = len(lines) - shown
    if more is not None and hidden > 0:
        blocks.append(context(more.format(n=hidden)))
    return blocks


def lines_message(t: Translator, title: str, lines: Sequence[str], total: int) -> Message:
    """A titled list of `total` entries of which `lines` are shown, within Slack's blocks,
    with `… and N more` for those cut here or not read at all."""
    blocks = [section(title)]
    blocks += packed_lines(
        lines, max_blocks=MAX_MESSAGE_BLOCKS - 2, more=t("common.and_more", n="{n}")
    )
    cut = total - len(lines)
    if cut > 0:
        blocks.append(context(t("common.and_more", n=cut)))
    return message(blocks, title)


def help_message(t: Translator, command: str, usage: Sequence[str]) -> Message:
    """The usage of one command (a line per subcommand), with a line on what it does."""
    lines = "\n".join(f"`{line}`" for line in usage)
    intro = t(f"help.{command.strip('/')}")
    return message([section(f"*{command}* — {intro}"), section(lines)], f"{command}: {intro}")


def error_message(t: Translator, sentence: str, usage: str | None) -> Message:
    """One clear sentence and the usage line that applies."""
    text = f":warning: {sentence}"
    if usage:
        text += "\n" + t("common.usage", usage=f"`{usage}`")
    return text_message(text)


def modal_notice(t: Translator, title: str, text: str) -> dict[str, Any]:
    """A modal that only says something (after a save, or a refusal)."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": clip(title, 24)},
        "close": {"type": "plain_text", "text": t("modal.close")},
        "blocks": [section(text)],
    }
