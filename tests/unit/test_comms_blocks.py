"""Correspondence, modal, picker and App Home builders: escaped and within Slack's limits."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from typing import Any

from bot.domain.permissions import Role
from bot.i18n import Translator
from bot.services.comms import CorrespondenceEntry, CorrespondenceListing
from bot.services.customers import FindResult
from bot.services.home import HomeOverview
from bot.services.search import CustomerSummary
from bot.services.usage import UsageSummary
from handlers.blocks.common import MAX_MESSAGE_BLOCKS, MAX_SECTION_TEXT
from handlers.blocks.comms import (
    correspondence_message,
    customer_options,
    home_view,
    log_message_modal,
    log_modal_values,
    parse_metadata,
)
from handlers.blocks.customers import usage_section

T = Translator("en")
TZ = zoneinfo.ZoneInfo("Europe/Helsinki")
NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
EVIL = "<!channel> <@U1> <https://evil.example|x> & co"


def _texts(message: dict[str, Any]) -> list[str]:
    texts = []
    for block in message["blocks"]:
        if isinstance(block.get("text"), dict):
            texts.append(block["text"]["text"])
        texts += [e["text"] for e in block.get("elements", []) if "text" in e]
    return texts


def _entry(i: int = 1, **overrides: Any) -> CorrespondenceEntry:
    values: dict[str, Any] = dict(
        id=i,
        occurred_at=NOW,
        channel="email",
        direction="in",
        subject="Hello",
        body="Hello\nworld",
        recording_uri=None,
        slack_permalink=None,
        logged_by="UAGENT0001",
    )
    values.update(overrides)
    return CorrespondenceEntry(**values)


def _listing(entries: list[CorrespondenceEntry], **overrides: Any) -> CorrespondenceListing:
    values: dict[str, Any] = dict(
        number=10001,
        name="Acme Oy",
        entries=entries,
        total=len(entries),
        page=1,
        per_page=10,
        clipped_from=None,
    )
    values.update(overrides)
    return CorrespondenceListing(**values)


def test_stored_text_of_an_entry_is_escaped_and_only_slack_permalinks_link() -> None:
    entry = _entry(
        body=EVIL,
        subject=EVIL,
        recording_uri="https://rec.example/<!here>",
        slack_permalink="https://example.slack.com/archives/C1/p1",
    )
    message = correspondence_message(T, _listing([entry], name=EVIL), TZ)
    joined = "\n".join([*_texts(message), message["text"]])
    assert "<!channel>" not in joined and "<!here>" not in joined and "<@U1>" not in joined
    assert "&lt;!channel&gt;" in joined
    assert "<https://example.slack.com/archives/C1/p1|Slack message>" in joined
    assert "<@UAGENT0001>" in joined  # who logged it, as a mention
    forged = _entry(slack_permalink="https://evil.example/|<!channel>")
    text = "\n".join(_texts(correspondence_message(T, _listing([forged]), TZ)))
    assert "<https://evil" not in text and "<!channel>" not in text


def test_fifty_long_entries_stay_within_slack_limits() -> None:
    entries = [_entry(i, body="z" * 3000) for i in range(50)]
    message = correspondence_message(T, _listing(entries, total=120, per_page=50), TZ)
    assert len(message["blocks"]) <= MAX_MESSAGE_BLOCKS
    assert all(len(text) <= MAX_SECTION_TEXT for text in _texts(message))
    assert sum(text.count("*#") for text in _texts(message)) == 50
    assert "page=2" in message["blocks"][-1]["elements"][0]["text"]


def test_a_clipped_count_says_so_and_an_empty_list_says_none() -> None:
    clipped = correspondence_message(T, _listing([_entry()], clipped_from=500, per_page=50), TZ)
    assert any("You asked for 500" in text for text in _texts(clipped))
    empty = correspondence_message(T, _listing([]), TZ)
    assert any("No correspondence" in text for text in _texts(empty))


def test_the_log_modal_presets_slack_and_keeps_the_message_reference() -> None:
    view = log_message_modal(T, summary="x" * 5000, channel_id="C1", message_ts="1700.0001")
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["customer"]["element"]["type"] == "external_select"
    assert blocks["customer"]["element"]["min_query_length"] == 2
    assert blocks["channel"]["element"]["initial_option"]["value"] == "slack"
    assert blocks["direction"]["element"]["initial_option"]["value"] == "in"
    assert len(blocks["summary"]["element"]["initial_value"]) == 3000
    assert parse_metadata(view["private_metadata"]) == ("C1", "1700.0001", "")
    assert len(view["title"]["text"]) <= 24
    assert json.loads(view["private_metadata"]) == {
        "channel": "C1",
        "ts": "1700.0001",
        "response_url": "",
    }


def test_unreadable_metadata_gives_no_reference() -> None:
    assert parse_metadata("not json") == ("", "", "")
    assert parse_metadata("[1]") == ("", "", "")


def test_submitted_modal_values_are_read_from_every_element_kind() -> None:
    state = {
        "values": {
            "customer": {
                "customer": {"type": "external_select", "selected_option": {"value": "10001"}}
            },
            "channel": {"value": {"type": "static_select", "selected_option": {"value": "email"}}},
            "direction": {"value": {"type": "radio_buttons", "selected_option": {"value": "out"}}},
            "summary": {"value": {"type": "plain_text_input", "value": "Hi"}},
        }
    }
    assert log_modal_values(state) == {
        "customer": "10001",
        "channel": "email",
        "direction": "out",
        "summary": "Hi",
    }
    assert log_modal_values({"values": {"customer": {"customer": {"selected_option": None}}}}) == {
        "customer": ""
    }


def test_picker_options_are_plain_text_within_slack_limits() -> None:
    hits = [CustomerSummary(10001, "A" * 200, "company", None, "Turku", "active")]
    options = customer_options(FindResult(hits=hits, total=1))
    assert options[0]["value"] == "10001"
    assert options[0]["text"]["type"] == "plain_text"
    assert len(options[0]["text"]["text"]) <= 75


def test_the_home_view_lists_recent_customers_escaped_and_keeps_room_for_requests() -> None:
    recent = [CustomerSummary(10001, EVIL, "company", None, None, "active")]
    overview = HomeOverview(role=Role.AGENT, recent=recent)
    extra = [{"type": "section", "text": {"type": "mrkdwn", "text": "DSR-1 due"}}]
    view = home_view(T, "UAGENT0001", overview, extra_blocks=extra)
    text = json.dumps(view)
    assert view["type"] == "home"
    assert "agent" in text and "Recently viewed" in text
    assert "<!channel>" not in text and "10001" in text
    assert view["blocks"][-1] == extra[0]
    stranger = home_view(T, "USTRANGER1", HomeOverview(role=None, recent=[]), extra_blocks=extra)
    assert "not registered as staff" in json.dumps(stranger)
    assert "DSR-1" not in json.dumps(stranger)


def test_the_usage_section_escapes_details_and_says_when_there_is_nothing() -> None:
    usage = UsageSummary(NOW, "192.0.2.1", "anna", 3, NOW, "<!channel> broke", 10)
    text = usage_section(T, usage, TZ)["text"]["text"]
    assert "192.0.2.1" in text and "Failed logins in the last 30 days: 3" in text
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    empty = UsageSummary(None, None, None, 0, None, None, 0)
    assert "No usage events" in usage_section(T, empty, TZ)["text"]["text"]
