"""The life of a request as data (bot/domain/requests.py, SPEC §5.2–5.3): which moves are
allowed, what a close may say, when the one extension may be given."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.domain.enums import RequestStatus
from bot.domain.requests import (
    OPEN_STATUSES,
    OUTCOMES,
    TRANSITIONS,
    extension_refusal,
    is_marketing_objection,
    is_open,
    may_move,
)

S = RequestStatus


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        (S.RECEIVED, S.VERIFYING, True),
        (S.RECEIVED, S.IN_PROGRESS, True),
        (S.RECEIVED, S.COMPLETED, False),
        (S.VERIFYING, S.IN_PROGRESS, True),
        (S.VERIFYING, S.RECEIVED, False),
        (S.IN_PROGRESS, S.COMPLETED, True),
        (S.IN_PROGRESS, S.VERIFYING, False),
        (S.COMPLETED, S.IN_PROGRESS, False),
        (S.REFUSED, S.COMPLETED, False),
        (S.WITHDRAWN, S.WITHDRAWN, True),
    ],
)
def test_a_request_moves_only_forward_and_a_closed_one_is_final(
    current: RequestStatus, target: RequestStatus, allowed: bool
) -> None:
    assert may_move(current.value, target.value) is allowed


def test_every_open_status_can_be_closed_by_refusal_or_withdrawal_and_closed_ones_not_at_all() -> (
    None
):
    for status in OPEN_STATUSES:
        assert is_open(status)
        assert {S.REFUSED.value, S.WITHDRAWN.value} <= TRANSITIONS[status]
    for status in (S.COMPLETED, S.REFUSED, S.WITHDRAWN):
        assert not is_open(status.value) and status.value not in TRANSITIONS


def test_the_outcomes_of_a_close_are_its_three_final_statuses() -> None:
    assert OUTCOMES == {"fulfilled": "completed", "refused": "refused", "withdrawn": "withdrawn"}


def test_the_extension_is_given_once_and_only_within_the_first_month() -> None:
    due = dt.date(2026, 12, 28)
    assert extension_refusal(extended=False, today=due, original_due=due) is None
    assert extension_refusal(extended=True, today=due, original_due=due) == "dsr.already_extended"
    late = due + dt.timedelta(days=1)
    assert extension_refusal(extended=False, today=late, original_due=due) == (
        "dsr.extension_too_late"
    )


@pytest.mark.parametrize(
    ("note", "marketing"),
    [
        ("marketing", True),
        ("Suoramarkkinointi: ei enää kirjeitä", True),
        ("markkinointi.", True),
        ("profiling and marketing", False),
        ("", False),
        (None, False),
    ],
)
def test_an_objection_is_about_direct_marketing_when_its_note_begins_so(
    note: str | None, marketing: bool
) -> None:
    assert is_marketing_objection(note) is marketing
