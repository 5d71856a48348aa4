"""Hand-written SQL for the hottest paths, run at the driver level.

Building and compiling an SQLAlchemy statement costs more than an indexed query answers in, so
the few statements every `/customer find` and every audit link run are written out here once,
with `:name` placeholders, and handed to the driver as they are (sqlite3 takes `:name` itself;
psycopg gets `%(name)s`). Values arrive in the driver's own form: `bound_time` converts a time
the way the `UtcDateTime` column type would.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from contextlib import closing
from functools import lru_cache
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError

from storage.models import UtcDateTime

# One statement's values: a mapping for `:name` placeholders, or many of them (executemany),
# or many rows of positional values for a statement already in the driver's style (`?`).
Params = Mapping[str, Any] | Sequence[Mapping[str, Any]] | Sequence[Sequence[Any]]

_NAMED = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")


@lru_cache(maxsize=1024)
def for_driver(sql: str, paramstyle: str) -> str:
    """`sql` with `:name` placeholders, or `?` for positional values, in the driver's own
    parameter style. Neither `?` nor `%` may appear in it but as a placeholder."""
    if paramstyle in ("named", "qmark"):
        # sqlite3 accepts `:name` with a mapping whatever its default style is.
        return sql
    if paramstyle == "pyformat":
        if "%" in sql:
            raise ValueError("a literal % would be read as a placeholder; pass it as a value")
        return _NAMED.sub(r"%(\1)s", sql).replace("?", "%s")
    raise ValueError(f"unsupported parameter style {paramstyle!r}")


def driver_run(
    driver_connection: Any,
    dialect: Dialect,
    sql: str,
    params: Params,
) -> list[tuple[Any, ...]]:
    """Execute hand-written `sql` (`:name` placeholders) on a cursor of the DBAPI connection,
    inside its transaction; a sequence of mappings is executemany. Returns the rows, if any.

    SQLAlchemy's execution context (result proxies, events, type handling) costs tens of
    microseconds a statement, more than these statements take; a driver error is still
    raised as SQLAlchemy's wrapper of it (`sqlalchemy.exc.OperationalError` and so on).
    """
    statement = for_driver(sql, dialect.paramstyle)
    cursor = driver_connection.cursor()
    try:
        _execute(cursor, statement, params)
        return cursor.fetchall() if cursor.description is not None else []
    except dialect.loaded_dbapi.Error as error:
        raise DBAPIError.instance(
            statement, params, error, dialect.loaded_dbapi.Error, dialect=dialect
        ) from error
    finally:
        cursor.close()


def driver_run_all(
    driver_connection: Any,
    dialect: Dialect,
    statements: Sequence[tuple[str, Params]],
) -> list[tuple[Any, ...]]:
    """Statements one after another; the rows of the last that yields a result set (a SELECT
    among BEGIN, SET and COMMIT). On PostgreSQL they go together in one round trip (psycopg's
    pipeline mode): a round trip costs more than these statements take."""
    results = driver_run_each(driver_connection, dialect, statements)
    return next((rows for rows in reversed(results) if rows is not None), [])


def driver_run_each(
    driver_connection: Any,
    dialect: Dialect,
    statements: Sequence[tuple[str, Params]],
) -> list[list[tuple[Any, ...]] | None]:
    """`driver_run_all`, with the rows of every statement (None where it yields no result
    set)."""
    results: list[list[tuple[Any, ...]] | None] = []
    try:
        if dialect.name != "postgresql":
            for sql, params in statements:
                with closing(driver_connection.cursor()) as cursor:
                    _execute(cursor, for_driver(sql, dialect.paramstyle), params)
                    results.append(cursor.fetchall() if cursor.description is not None else None)
            return results
        cursors: list[Any] = []
        try:
            with driver_connection.pipeline():
                for sql, params in statements:
                    cursor = driver_connection.cursor()
                    cursors.append(cursor)
                    _execute(cursor, for_driver(sql, dialect.paramstyle), params)
            for cursor in cursors:
                results.append(cursor.fetchall() if cursor.description is not None else None)
        finally:
            for cursor in cursors:
                cursor.close()
        return results
    except dialect.loaded_dbapi.Error as error:
        raise DBAPIError.instance(
            "; ".join(sql for sql, _ in statements),
            None,
            error,
            dialect.loaded_dbapi.Error,
            dialect=dialect,
        ) from error


def _execute(cursor: Any, statement: str, params: Params) -> None:
    if isinstance(params, Mapping):
        cursor.execute(statement, params)
    else:
        cursor.executemany(statement, list(params))


def bound_time(dialect: Dialect, at: dt.datetime) -> object:
    """`at` as the driver stores it in a UtcDateTime column (naive UTC text on SQLite)."""
    processor = _time_processor(dialect)
    return processor(at) if processor is not None else at


def _time_processor(dialect: Dialect) -> Any:
    cached = _PROCESSORS.get(dialect.name)
    if cached is None:
        cached = (UtcDateTime().dialect_impl(dialect).bind_processor(dialect),)
        _PROCESSORS[dialect.name] = cached
    return cached[0]


_PROCESSORS: dict[str, tuple[Any]] = {}
