"""The living notice covers every table; retention and transfer rules are right."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.domain.retention import INVOICE_RULE, RULES, financial_year_end, retained_until
from bot.domain.transfers import EEA, inside_eea
from bot.services.notice import TABLE_CATEGORIES, category_fields, notice_as_text
from storage.models import Base

D = dt.date.fromisoformat


def test_every_table_has_a_place_in_the_notice_and_no_place_is_stale() -> None:
    assert set(TABLE_CATEGORIES) == set(Base.metadata.tables)


def test_the_notice_lists_real_columns_and_hides_mechanics() -> None:
    fields = category_fields()
    assert any("business id" in entry for entry in fields["a"])
    assert any("recording uri" in entry for entry in fields["f"])
    assert all("name search" not in entry for entries in fields.values() for entry in entries)
    assert any("password hash (argon2id)" in entry for entry in fields["c"])


def test_the_notice_renders_controller_settings(tmp_path: Path) -> None:
    settings = load_settings(
        database_url=f"sqlite:///{tmp_path}/x.db",
        controller_name="Pro PK-Pilvipalvelut",
        controller_business_id="2855354-7",
        controller_contact="tietosuoja@example.fi",
        usage_retention_days=180,
    )
    text = notice_as_text(settings, "fi")
    assert "Pro PK-Pilvipalvelut, 2855354-7" in text
    assert "tietosuoja@example.fi" in text
    assert "180 päivää" in text
    assert "Controller" in notice_as_text(settings, "en")


@pytest.mark.parametrize(
    ("record", "fy_end", "voucher", "books"),
    [
        ("2026-03-10", (12, 31), "2032-12-31", "2036-12-31"),
        ("2026-12-31", (12, 31), "2032-12-31", "2036-12-31"),
        ("2027-01-01", (12, 31), "2033-12-31", "2037-12-31"),
        ("2026-03-10", (6, 30), "2032-12-31", "2036-06-30"),
        ("2026-08-10", (6, 30), "2033-12-31", "2037-06-30"),
        ("2025-04-30", (4, 30), "2031-12-31", "2035-04-30"),
    ],
)
def test_retention_follows_the_accounting_act(
    record: str, fy_end: tuple[int, int], voucher: str, books: str
) -> None:
    assert retained_until(RULES["voucher"], D(record), *fy_end) == D(voucher)
    assert retained_until(RULES["books"], D(record), *fy_end) == D(books)


def test_invoices_are_vouchers_and_the_financial_year_defaults_to_the_calendar_year() -> None:
    assert INVOICE_RULE is RULES["voucher"] and INVOICE_RULE.years == 6
    assert financial_year_end(D("2026-05-05")) == D("2026-12-31")


def test_the_eea_has_thirty_states_and_the_eu_alias_for_greece_works() -> None:
    assert len(EEA) == 30
    assert inside_eea("fi") and inside_eea("NO") and inside_eea("EL")
    assert not inside_eea("US") and not inside_eea("GB") and not inside_eea("CH")
