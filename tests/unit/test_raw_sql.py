"""Hand-written SQL in each driver's parameter style (`storage.raw.for_driver`)."""

from __future__ import annotations

import pytest

from storage.raw import for_driver


def test_sqlite_takes_named_and_positional_placeholders_as_written() -> None:
    sql = "UPDATE t SET a = :a WHERE id = ?"

    assert for_driver(sql, "qmark") == sql


def test_psycopg_gets_its_own_style_for_named_and_positional_placeholders() -> None:
    assert for_driver("SELECT a FROM t WHERE id = :id_1", "pyformat") == (
        "SELECT a FROM t WHERE id = %(id_1)s"
    )
    assert for_driver("INSERT INTO t (a, b) VALUES (?, ?)", "pyformat") == (
        "INSERT INTO t (a, b) VALUES (%s, %s)"
    )
    # A PostgreSQL cast is not a placeholder.
    assert for_driver("SELECT :at::timestamptz", "pyformat") == "SELECT %(at)s::timestamptz"


def test_a_literal_percent_sign_is_refused_for_psycopg() -> None:
    with pytest.raises(ValueError, match="literal %"):
        for_driver("SELECT a FROM t WHERE b LIKE 'x%'", "pyformat")
