"""GDPR Art. 12(3) deadlines, counted as Regulation 1182/71 counts months, in Finland."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.domain.deadlines import due_date, extended_due_date, is_working_day, months_after

D = dt.date.fromisoformat

# (received, due, why)
DEADLINES: list[tuple[str, str, str]] = [
    ("2026-01-15", "2026-02-16", "same day falls on a Sunday"),
    ("2026-01-31", "2026-03-02", "no 31 February: last day, a Saturday → Monday"),
    ("2024-01-31", "2024-02-29", "leap year: 29 February"),
    ("2023-01-31", "2023-02-28", "common year: 28 February"),
    ("2024-01-29", "2024-02-29", "leap day exists"),
    ("2025-01-29", "2025-02-28", "no 29 February in 2025"),
    ("2028-01-31", "2028-02-29", "leap year 2028"),
    ("2026-03-31", "2026-04-30", "no 31 April"),
    ("2026-05-31", "2026-06-30", "no 31 June"),
    ("2026-08-31", "2026-09-30", "no 31 September"),
    ("2026-11-24", "2026-12-28", "Christmas Eve, Christmas, St Stephen's, Sunday"),
    ("2026-11-25", "2026-12-28", "Christmas Day"),
    ("2026-11-26", "2026-12-28", "St Stephen's Day on a Saturday"),
    ("2026-11-27", "2026-12-28", "a Sunday after Christmas"),
    ("2026-11-28", "2026-12-28", "an ordinary Monday"),
    ("2026-12-01", "2027-01-04", "New Year's Day, then a weekend"),
    ("2026-12-06", "2027-01-07", "Epiphany on a Wednesday"),
    ("2025-12-31", "2026-02-02", "31 January is a Saturday"),
    ("2026-05-19", "2026-06-22", "Midsummer Eve and Midsummer Day, then Sunday"),
    ("2026-05-20", "2026-06-22", "Midsummer Day"),
    ("2027-05-25", "2027-06-28", "Midsummer 2027"),
    ("2026-03-03", "2026-04-07", "Good Friday to Easter Monday"),
    ("2026-04-14", "2026-05-15", "Ascension Day"),
    ("2026-04-01", "2026-05-04", "May Day on a Friday"),
    ("2026-10-01", "2026-11-02", "1 November is a Sunday"),
    ("2026-11-06", "2026-12-07", "Independence Day on a Sunday"),
    ("2027-11-06", "2027-12-07", "Independence Day on a Monday"),
    ("2026-07-10", "2026-08-10", "an ordinary Monday in summer"),
    ("2026-09-30", "2026-10-30", "an ordinary Friday"),
]


@pytest.mark.parametrize(("received", "due", "why"), DEADLINES, ids=[d[0] for d in DEADLINES])
def test_the_due_date_follows_the_month_rule_and_the_finnish_calendar(
    received: str, due: str, why: str
) -> None:
    assert due_date(D(received)) == D(due), why


def test_the_table_has_at_least_twenty_receipt_dates() -> None:
    assert len(DEADLINES) >= 20


@pytest.mark.parametrize(
    ("received", "due"),
    [
        ("2026-11-25", "2027-02-25"),
        ("2026-11-30", "2027-03-01"),  # 28 February 2027 is a Sunday
        ("2026-03-31", "2026-06-30"),
        ("2025-11-29", "2026-03-02"),  # 28 Feb 2026 is a Saturday
        ("2026-09-24", "2026-12-28"),  # 24 December
    ],
)
def test_the_extended_due_date_is_three_months_from_receipt(received: str, due: str) -> None:
    assert extended_due_date(D(received)) == D(due)


def test_every_due_date_is_a_working_day_and_never_early() -> None:
    day = D("2024-01-01")
    while day < D("2028-12-31"):
        due = due_date(day)
        assert is_working_day(due)
        assert due >= months_after(day, 1)
        assert (due - months_after(day, 1)).days <= 5
        day += dt.timedelta(days=1)
