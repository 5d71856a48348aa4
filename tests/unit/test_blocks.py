"""Block Kit builders stay within Slack's limits and escape every stored text."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from bot.i18n import Translator
from bot.services.customers import (
    ContactView,
    CustomerCard,
    FindResult,
    History,
    HistoryEntry,
)
from bot.services.search import CustomerSummary
from handlers.blocks.common import MAX_MESSAGE_BLOCKS, MAX_SECTION_TEXT, packed_lines
from handlers.blocks.customers import card_message, find_message, history_message

T = Translator("en")
TZ = zoneinfo.ZoneInfo("Europe/Helsinki")
NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)


def _texts(message: dict[str, Any]) -> list[str]:
    texts = []
    for block in message["blocks"]:
        if isinstance(block.get("text"), dict):
            texts.append(block["text"]["text"])
        texts += [f["text"] for f in block.get("fields", [])]
        texts += [e["text"] for e in block.get("elements", []) if "text" in e]
    return texts


def _within_limits(message: dict[str, Any]) -> None:
    assert len(message["blocks"]) <= MAX_MESSAGE_BLOCKS
    assert all(len(text) <= MAX_SECTION_TEXT for text in _texts(message))


def _card(**overrides: object) -> CustomerCard:
    values: dict[str, object] = dict(
        number=10001,
        kind="company",
        name="Acme Oy",
        business_id="2855354-7",
        vat_id=None,
        email=None,
        phone=None,
        street=None,
        postal_code=None,
        city=None,
        country="FI",
        language="fi",
        status="active",
        marketing_opt_out=False,
        marketing_opt_out_at=None,
        marketing_opt_out_by=None,
        marketing_opt_out_source=None,
        created_at=NOW,
        updated_at=NOW,
        contacts=[],
        service_users=[],
        contracts=[],
        billing=None,
        withheld=(),
    )
    values.update(overrides)
    return CustomerCard(**values)  # type: ignore[arg-type]


def test_a_long_history_is_cut_within_fifty_blocks_and_says_how_many_more() -> None:
    entries = [
        HistoryEntry(NOW, "UADMIN0001", "customer", "street", "x" * 150, "y" * 150, "staff")
        for _ in range(200)
    ]
    message = history_message(T, History(number=10001, entries=entries, total=450), TZ)
    _within_limits(message)
    assert any("more" in text for text in _texts(message))


def test_packed_lines_counts_every_hidden_line() -> None:
    lines = [f"line {i} " + "z" * 500 for i in range(400)]
    blocks = packed_lines(lines, max_blocks=10, more="… and {n} more")
    shown = sum(b["text"]["text"].count("line ") for b in blocks if b["type"] == "section")
    hidden = int(blocks[-1]["elements"][0]["text"].split()[2])
    assert shown + hidden == 400
    assert len(blocks) <= 10


def test_a_card_with_a_hundred_contacts_stays_within_limits() -> None:
    contacts = [ContactView(f"Henkilö {i}", "CEO", f"h{i}@example.fi", None) for i in range(100)]
    _within_limits(card_message(T, _card(contacts=contacts), TZ))


def test_stored_text_is_escaped_everywhere_on_the_card() -> None:
    evil = "<!channel> <@U1> <https://evil.example|x> & co"
    message = card_message(
        T,
        _card(name=evil, street=evil, city=evil, contacts=[ContactView(evil, evil, None, None)]),
        TZ,
    )
    for text in [*_texts(message), message["text"]]:
        assert "<!channel>" not in text
        assert "<https://evil" not in text
        assert "<@U1>" not in text


def test_find_results_escape_names_and_the_query() -> None:
    hits = [CustomerSummary(10001, "<!here> Oy", "company", None, "<b>", "active")]
    message = find_message(T, "<!here>", FindResult(hits=hits, total=1))
    assert all("<!here>" not in text for text in [*_texts(message), message["text"]])
