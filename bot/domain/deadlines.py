"""Data-subject request deadlines: GDPR Art. 12(3), counted as Regulation 1182/71 counts months.

A period of months ends on the day of the last month with the same number as the day of
receipt; when that month is too short, on its last day. When the end falls on a Saturday,
Sunday or Finnish public holiday (the `holidays` package's calendar for Finland), it moves to
the next working day.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays
from dateutil.relativedelta import relativedelta

RESPONSE_MONTHS = 1
EXTENDED_MONTHS = 3  # one month plus the extension "by up to two further months"


@lru_cache(maxsize=64)
def _finnish_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("FI", years=[year]).keys())


def is_working_day(day: dt.date) -> bool:
    """Monday to Friday and not a Finnish public holiday."""
    return day.weekday() < 5 and day not in _finnish_holidays(day.year)


def next_working_day(day: dt.date) -> dt.date:
    """The day itself when it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def months_after(received: dt.date, months: int) -> dt.date:
    """The same day number `months` later, or that month's last day when it has no such day."""
    # relativedelta clamps to the month's last day (31 Jan + 1 month = 28/29 Feb).
    result: dt.date = received + relativedelta(months=months)
    return result


def due_date(received: dt.date) -> dt.date:
    """When the answer to a request received on `received` is due."""
    return next_working_day(months_after(received, RESPONSE_MONTHS))


def extended_due_date(received: dt.date) -> dt.date:
    """The due date after the one allowed extension: three months from receipt."""
    return next_working_day(months_after(received, EXTENDED_MONTHS))


def days_left(due: dt.date, today: dt.date) -> int:
    """Calendar days from today to the due date (negative when overdue)."""
    return (due - today).days
