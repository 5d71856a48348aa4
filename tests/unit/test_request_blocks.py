"""The digest, the assignee's DM and the App Home lists are messages Slack accepts, whatever
the data: a request in several sections, hundreds of requests, both languages."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.fake_slack.limits import message_refusal
from bot.i18n import Translator
from bot.services.reminders import OutgoingNotification
from bot.services.requests import HomeRequests, RequestSummary
from handlers.blocks.requests import home_request_blocks, notification_message

TODAY = dt.date(2026, 12, 8)
SECTIONS = ("overdue", "due_soon", "unassigned", "tell")


def summary(number: int, *, days_left: int = -3, assignee: str | None = None) -> RequestSummary:
    due = TODAY + dt.timedelta(days=days_left)
    return RequestSummary(
        number=number,
        type="access",
        status="received",
        received_on=due - dt.timedelta(days=31),
        due_on=due,
        original_due_on=due,
        customer_number=10000 + number,
        assignee=assignee,
        extended=False,
        told_of_extension=False,
        days_left=days_left,
    )


def digest(sections: dict[str, list[RequestSummary]], kind: str = "digest") -> OutgoingNotification:
    return OutgoingNotification(1, "k", kind, "C1", TODAY.isoformat(), sections)


def block_ids(msg: dict[str, object]) -> list[str]:
    return [str(b["block_id"]) for b in msg["blocks"] if "block_id" in b]  # type: ignore[attr-defined]


@pytest.mark.parametrize("language", ["fi", "en"])
def test_an_overdue_unassigned_request_is_drawn_once_and_named_under_unassigned(
    language: str,
) -> None:
    t = Translator(language)
    late = summary(4)
    msg = notification_message(t, digest({"overdue": [late], "unassigned": [late]}))

    assert message_refusal(msg) is None
    assert block_ids(msg).count("dsr-4") == 1
    assert "DSR-4" in msg["blocks"][-1]["elements"][0]["text"]


@pytest.mark.parametrize("language", ["fi", "en"])
def test_sixty_requests_fit_in_fifty_blocks_with_how_many_more(language: str) -> None:
    t = Translator(language)
    overdue = [summary(n) for n in range(1, 61)]
    msg = notification_message(t, digest({"overdue": overdue, "unassigned": overdue[::2]}))

    assert message_refusal(msg) is None
    assert len(msg["blocks"]) <= 50
    drawn = [i for i in block_ids(msg) if i.startswith("dsr-")]
    more = msg["blocks"][-1]["elements"][0]["text"]
    assert str(60 - len(drawn)) in more


@settings(max_examples=150, deadline=None)
@given(
    members=st.lists(
        st.tuples(st.integers(1, 400), st.sets(st.sampled_from(SECTIONS), min_size=1)),
        max_size=120,
        unique_by=lambda member: member[0],
    ),
    kind=st.sampled_from(["digest", "assignee_dm"]),
    language=st.sampled_from(["fi", "en"]),
)
def test_no_digest_repeats_a_block_id_or_goes_over_slacks_limits(
    members: list[tuple[int, set[str]]], kind: str, language: str
) -> None:
    sections: dict[str, list[RequestSummary]] = {key: [] for key in SECTIONS}
    for number, keys in members:
        for key in keys:
            sections[key].append(summary(number, assignee=None if number % 2 else "U1"))
    msg = notification_message(Translator(language), digest(sections, kind))

    assert message_refusal(msg) is None
    drawn = {i for i in block_ids(msg) if i.startswith("dsr-")}
    hidden = len(members) - len(drawn)
    if hidden:
        assert str(hidden) in msg["blocks"][-1]["elements"][0]["text"]


@pytest.mark.parametrize("language", ["fi", "en"])
def test_app_home_lists_stay_within_their_blocks(language: str) -> None:
    home = HomeRequests(
        mine=[summary(n, assignee="U1") for n in range(1, 40)],
        unassigned=[summary(n) for n in range(40, 90)],
        overdue_count=89,
    )
    blocks = home_request_blocks(Translator(language), home)

    assert message_refusal({"text": "home", "blocks": blocks}) is None
