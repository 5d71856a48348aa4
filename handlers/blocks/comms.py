"""Block Kit builders for correspondence, the log-message modal and the App Home (pure).

Every stored text goes through `esc`; lists stay within Slack's limits (`handlers.blocks.common`).
"""

from __future__ import annotations

import json
import zoneinfo
from collections.abc import Mapping, Sequence
from typing import Any

from bot.domain.correspondence import CHANNELS, DIRECTIONS, MAX_SUMMARY, is_slack_permalink
from bot.domain.text import clip
from bot.i18n import Translator
from bot.services.comms import CorrespondenceEntry, CorrespondenceListing, Logged
from bot.services.customers import FindResult
from bot.services.home import HomeOverview
from bot.services.search import CustomerSummary
from handlers.blocks.common import (
    MAX_MESSAGE_BLOCKS,
    MAX_MODAL_BLOCKS,
    Block,
    Message,
    context,
    esc,
    fmt_actor,
    fmt_time,
    header,
    message,
    packed_lines,
    section,
    text_message,
)

LOG_MODAL_CALLBACK = "log_message_modal"
CUSTOMER_ACTION = "customer"
CUSTOMER_MIN_QUERY = 2
# Slack's limits for options: 100 per answer, 75 characters of text, 150 of value.
MAX_OPTIONS = 100
MAX_OPTION_TEXT = 75
# How much of each entry's text a list shows, from this many characters in all.
LIST_TEXT_BUDGET = 24_000
_CHANNEL_EMOJI = {
    "email": ":email:",
    "phone": ":telephone_receiver:",
    "meeting": ":handshake:",
    "chat": ":speech_balloon:",
    "letter": ":envelope:",
    "slack": ":hash:",
    "web": ":globe_with_meridians:",
    "other": ":memo:",
}


def correspondence_message(
    t: Translator, listing: CorrespondenceListing, tz: zoneinfo.ZoneInfo
) -> Message:
    """A page of a customer's correspondence, newest first, with who logged each entry."""
    title = t(
        "comms.list_title", number=listing.number, name=esc(listing.name), total=listing.total
    )
    blocks: list[Block] = [section(f"*{title}*")]
    if listing.clipped_from is not None:
        blocks.append(
            context(t("comms.clipped", asked=listing.clipped_from, limit=listing.per_page))
        )
    if not listing.entries:
        key = "comms.none" if listing.total == 0 else "comms.page_empty"
        blocks.append(section(t(key, number=listing.number, page=listing.page)))
        return message(blocks, title)
    budget = max(200, min(2000, LIST_TEXT_BUDGET // len(listing.entries)))
    lines = [_entry_line(t, entry, tz, budget) for entry in listing.entries]
    blocks += packed_lines(lines, max_blocks=MAX_MESSAGE_BLOCKS - 3, more=None)
    shown_to = (listing.page - 1) * listing.per_page + len(listing.entries)
    if shown_to < listing.total:
        blocks.append(
            context(
                t(
                    "comms.more",
                    first=(listing.page - 1) * listing.per_page + 1,
                    last=shown_to,
                    total=listing.total,
                    command=f"/comms list {listing.number} {listing.per_page} "
                    f"page={listing.page + 1}",
                )
            )
        )
    return message(blocks, title)


def _entry_line(
    t: Translator, entry: CorrespondenceEntry, tz: zoneinfo.ZoneInfo, budget: int
) -> str:
    head = " · ".join(
        [
            f"*#{entry.id}*",
            fmt_time(entry.occurred_at, tz),
            f"{_CHANNEL_EMOJI.get(entry.channel, '')} {t('channel.' + entry.channel)}".strip(),
            t("direction." + entry.direction),
            t("comms.logged_by", by=fmt_actor(entry.logged_by)),
        ]
    )
    text = entry.body if entry.body is not None else entry.subject
    lines = [head]
    if text:
        quoted = "\n".join("> " + esc(line) for line in clip(text, budget).splitlines() if line)
        lines.append(quoted)
    else:
        lines.append("> " + t("comms.no_text"))
    if entry.recording_uri:
        lines.append(t("comms.recording", uri=esc(clip(entry.recording_uri, 300))))
    if entry.slack_permalink:
        link = (
            f"<{entry.slack_permalink}|{t('comms.slack_message')}>"
            if is_slack_permalink(entry.slack_permalink)
            else esc(clip(entry.slack_permalink, 300))
        )
        lines.append(t("comms.permalink", link=link))
    return "\n".join(lines)


def logged_text(t: Translator, logged: Logged, tz: zoneinfo.ZoneInfo) -> str:
    """One sentence confirming a stored entry."""
    return t(
        "comms.logged",
        id=logged.entry_id,
        number=logged.number,
        channel=t("channel." + logged.channel),
        direction=t("direction." + logged.direction),
        at=fmt_time(logged.occurred_at, tz),
    )


def logged_message(t: Translator, logged: Logged, tz: zoneinfo.ZoneInfo) -> Message:
    """The reply to `/comms log`."""
    return text_message(":white_check_mark: " + logged_text(t, logged, tz))


def log_message_modal(
    t: Translator, *, summary: str, channel_id: str, message_ts: str, response_url: str = ""
) -> dict[str, Any]:
    """The "Log to customer register" form: customer picker, channel, direction, summary.

    The private metadata keeps the message's channel and ts (for its permalink) and the
    shortcut's response URL, through which the confirmation reaches the message's channel
    even where the bot is not a member (chat.postEphemeral would be `not_in_channel`)."""
    summary_element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "value",
        "multiline": True,
        "max_length": MAX_SUMMARY,
    }
    if summary.strip():
        summary_element["initial_value"] = summary[:MAX_SUMMARY]
    blocks: list[Block] = [
        {
            "type": "input",
            "block_id": "customer",
            "label": {"type": "plain_text", "text": t("comms.field_customer")},
            "element": {
                "type": "external_select",
                "action_id": CUSTOMER_ACTION,
                "min_query_length": CUSTOMER_MIN_QUERY,
                "placeholder": {"type": "plain_text", "text": t("comms.customer_placeholder")},
            },
        },
        _select(t, "channel", "static_select", CHANNELS, "slack", "channel."),
        _select(t, "direction", "radio_buttons", DIRECTIONS, "in", "direction."),
        {
            "type": "input",
            "block_id": "summary",
            "label": {"type": "plain_text", "text": t("comms.field_summary")},
            "element": summary_element,
        },
        context(t("comms.modal_hint")),
    ]
    return {
        "type": "modal",
        "callback_id": LOG_MODAL_CALLBACK,
        "private_metadata": json.dumps(
            {"channel": channel_id, "ts": message_ts, "response_url": response_url}
        ),
        "title": {"type": "plain_text", "text": clip(t("comms.modal_title"), 24)},
        "submit": {"type": "plain_text", "text": clip(t("modal.save"), 24)},
        "close": {"type": "plain_text", "text": clip(t("modal.cancel"), 24)},
        "blocks": blocks[:MAX_MODAL_BLOCKS],
    }


def _select(
    t: Translator, name: str, kind: str, choices: Sequence[str], initial: str, prefix: str
) -> Block:
    options = [{"text": {"type": "plain_text", "text": t(prefix + c)}, "value": c} for c in choices]
    return {
        "type": "input",
        "block_id": name,
        "label": {"type": "plain_text", "text": t("comms.field_" + name)},
        "element": {
            "type": kind,
            "action_id": "value",
            "options": options,
            "initial_option": next(o for o in options if o["value"] == initial),
        },
    }


def log_modal_values(state: Mapping[str, Any]) -> dict[str, str]:
    """The submitted form: customer (number), channel, direction and summary, as text."""
    values: dict[str, str] = {}
    for block_id, actions in state.get("values", {}).items():
        for element in actions.values():
            if not isinstance(element, dict):
                continue
            selected = element.get("selected_option")
            if isinstance(selected, dict):
                values[block_id] = str(selected.get("value", ""))
            else:
                values[block_id] = str(element.get("value") or "")
    return values


def parse_metadata(raw: str) -> tuple[str, str, str]:
    """The message's channel ID, its ts and the shortcut's response URL from a modal's
    private_metadata ('' when unreadable)."""
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return "", "", ""
    if not isinstance(data, dict):
        return "", "", ""
    return (
        str(data.get("channel") or ""),
        str(data.get("ts") or ""),
        str(data.get("response_url") or ""),
    )


def customer_options(result: FindResult) -> list[dict[str, Any]]:
    """Search hits as external-select options (plain text: nothing to escape, nothing pings)."""
    return [
        {
            "text": {"type": "plain_text", "text": _option_text(hit), "emoji": False},
            "value": str(hit.number),
        }
        for hit in result.hits[:MAX_OPTIONS]
    ]


def _option_text(hit: CustomerSummary) -> str:
    text = f"{hit.number} {hit.name}"
    if hit.city:
        text += f" · {hit.city}"
    return clip(" ".join(text.split()), MAX_OPTION_TEXT)


def home_view(
    t: Translator,
    user: str,
    overview: HomeOverview,
    *,
    extra_blocks: Sequence[Block] = (),
) -> dict[str, Any]:
    """The App Home tab: greeting, role, recently viewed customers, then `extra_blocks`.

    `extra_blocks` is where the data-subject-request lists (#4) go: my open requests with due
    dates, unassigned requests, the overdue count.
    """
    blocks: list[Block] = [header(t("home.title"))]
    if overview.role is None:
        blocks.append(section(t("home.not_staff")))
        return {"type": "home", "blocks": blocks}
    blocks.append(section(t("home.greeting", user=f"<@{user}>", role=overview.role.value)))
    blocks.append(context(t("home.commands")))
    blocks.append(context(t("home.shortcut_hint")))
    blocks.append({"type": "divider"})
    blocks.append(section(f"*{t('home.recent_title')}*"))
    if overview.recent:
        lines = [
            f"• *{c.number}*  {esc(c.name)}"
            + (f"  ·  {esc(c.city)}" if c.city else "")
            + (f"  ·  _{t('status.' + c.status)}_" if c.status != "active" else "")
            for c in overview.recent
        ]
        blocks += packed_lines(lines, max_blocks=3, more=None)
        blocks.append(context(t("home.recent_hint")))
    else:
        blocks.append(context(t("home.recent_none")))
    # --- room for the data-subject-request lists (#4) ---
    extra = list(extra_blocks)
    if extra:
        blocks.append({"type": "divider"})
        blocks += extra
    return {"type": "home", "blocks": blocks[:MAX_MODAL_BLOCKS]}
