"""Legal retention of accounting records (Finnish Accounting Act, kirjanpitolaki 2:10), as data.

- Vouchers (tositteet) — invoices among them — are kept for 6 years from the end of the
  calendar year in which the financial year ended.
- Books (kirjanpitokirjat: journals, ledgers, the financial statements) are kept for 10 years
  from the end of the financial year.

regbot holds invoices, which are vouchers; the books rule is here so the table is complete and
tested. The financial year is the calendar year unless REGBOT_FINANCIAL_YEAR_END says otherwise.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta


class Anchor(enum.StrEnum):
    END_OF_CALENDAR_YEAR_OF_FY_END = "end of the calendar year in which the financial year ended"
    END_OF_FINANCIAL_YEAR = "end of the financial year"


@dataclass(frozen=True)
class RetentionRule:
    name: str
    years: int
    anchor: Anchor
    law: str


RULES: dict[str, RetentionRule] = {
    "voucher": RetentionRule(
        "voucher", 6, Anchor.END_OF_CALENDAR_YEAR_OF_FY_END, "Kirjanpitolaki 1336/1997, 2 luku 10 §"
    ),
    "books": RetentionRule(
        "books", 10, Anchor.END_OF_FINANCIAL_YEAR, "Kirjanpitolaki 1336/1997, 2 luku 10 §"
    ),
}
INVOICE_RULE = RULES["voucher"]


def financial_year_end(day: dt.date, fy_end_month: int = 12, fy_end_day: int = 31) -> dt.date:
    """The last day of the financial year that contains `day`."""
    candidate = _safe_date(day.year, fy_end_month, fy_end_day)
    return candidate if day <= candidate else _safe_date(day.year + 1, fy_end_month, fy_end_day)


def retained_until(
    rule: RetentionRule, record_date: dt.date, fy_end_month: int = 12, fy_end_day: int = 31
) -> dt.date:
    """The last day a record dated `record_date` must be kept under `rule`."""
    fy_end = financial_year_end(record_date, fy_end_month, fy_end_day)
    if rule.anchor is Anchor.END_OF_CALENDAR_YEAR_OF_FY_END:
        return dt.date(fy_end.year + rule.years, 12, 31)
    result: dt.date = fy_end + relativedelta(years=rule.years)
    return result


def _safe_date(year: int, month: int, day: int) -> dt.date:
    result: dt.date = dt.date(year, month, 1) + relativedelta(day=day)
    return result
