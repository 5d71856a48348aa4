"""The export's times on SQLite: the stored text rewritten, the same as parsing it would give."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Date
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite

from bot.services.export import _sqlite_date, _sqlite_time, _value
from storage.models import UtcDateTime

SQLITE = SQLiteDialect_pysqlite()
PARSE_TIME = UtcDateTime().dialect_impl(SQLITE).result_processor(SQLITE, None)
PARSE_DATE = Date().dialect_impl(SQLITE).result_processor(SQLITE, None)


def _refuse(stored: str) -> Any:
    raise AssertionError(f"{stored!r} was parsed, not rewritten")


@pytest.mark.parametrize(
    ("stored", "exported"),
    [
        ("2026-12-05 01:02:03.000000", "2026-12-05T01:02:03+00:00"),
        ("2026-12-05 01:02:03.000250", "2026-12-05T01:02:03.000250+00:00"),
        ("0999-01-02 03:04:05.000001", "0999-01-02T03:04:05.000001+00:00"),
        ("9999-12-31 23:59:59.999999", "9999-12-31T23:59:59.999999+00:00"),
    ],
)
def test_a_time_in_the_stored_form_is_rewritten_without_parsing(stored: str, exported: str) -> None:
    assert PARSE_TIME is not None
    assert _sqlite_time(stored, parse=_refuse) == exported
    assert _value(PARSE_TIME(stored)) == exported


@pytest.mark.parametrize(
    ("stored", "exported"),
    [
        ("2026-12-05 01:02:03", "2026-12-05T01:02:03+00:00"),
        ("2026-12-05T01:02:03.123456", "2026-12-05T01:02:03.123456+00:00"),
        ("2026-12-05 01:02:03.123+01", "2026-12-05T00:02:03.123000+00:00"),
        ("2026-12-05 01:02:03.12345Z", "2026-12-05T01:02:03.123450+00:00"),
    ],
)
def test_a_time_in_any_other_form_is_parsed_as_before(stored: str, exported: str) -> None:
    assert PARSE_TIME is not None
    assert _sqlite_time(stored, parse=PARSE_TIME) == exported == _value(PARSE_TIME(stored))


def test_a_date_is_kept_as_stored_and_any_other_form_parsed() -> None:
    assert PARSE_DATE is not None
    assert _sqlite_date("2026-03-10", parse=_refuse) == "2026-03-10"
    assert _sqlite_date("20260310", parse=PARSE_DATE) == "2026-03-10"
