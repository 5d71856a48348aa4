"""Bulk writes for an import: driver-level executemany (COPY on PostgreSQL), and on SQLite the
FTS trigger and the indexes no import query uses set aside inside the import's transaction.

What it buys: an import's rows cost SQLite's own statements and little else; the common path
(`/customer new`) never comes here. Where it is measured: docs/BENCHMARKS.md, "Import from CSV".
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

# SQLite page cache for an import's connection, in KiB.
IMPORT_CACHE_KIB = 512 * 1024


class SqliteBulkLoad:
    """Makes an import's writes cheaper on SQLite, inside its own transaction.

    SQLite's DDL is transactional and the import holds the write lock, so whatever is
    dropped here is created again before COMMIT, and a rollback restores it anyway; readers
    in other connections keep seeing the register as it was (WAL), indexes included.

    - The row-by-row insert trigger of the customers' FTS5 table costs three times the insert
      itself: it is dropped, and each batch's names go in with one executemany (`add`).
    - New customers land at random places in the indexes on names and e-mail addresses, so
      each insert reads and dirties pages all over them. When the file holds more rows than
      the register has customers, the indexes the import never queries are dropped and
      built again at the end (`finish`): sorting a million keys once takes a fraction of
      the time inserting them one by one does.
    """

    TRIGGER = "customer_fts_ai"
    # Secondary indexes on `customer` that no import query uses. The unique ones (number,
    # business ID) are constraints of the table, and e-mail and phone answer the look-ups of
    # rows without identifiers.
    DEFERRABLE = ("ix_customer_name_search", "ix_customer_email_lower", "ix_customer_status")

    def __init__(self, session: Session, trigger: str | None, indexes: list[str]) -> None:
        self._session = session
        self._trigger = trigger
        self._indexes = indexes

    @classmethod
    def begin(cls, session: Session, rows: int) -> SqliteBulkLoad | None:
        """Set the import's connection up for `rows` rows; None on other engines."""
        connection = session.connection()
        if connection.dialect.name != "sqlite":
            return None
        trigger = connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (cls.TRIGGER,)
        ).scalar()
        if trigger is not None:
            connection.exec_driver_sql(f"DROP TRIGGER {cls.TRIGGER}")
        # With SQLite's default 2 MB page cache nearly every insert into the business ID,
        # e-mail and phone indexes reads and spills a page; this keeps their hot pages.
        connection.exec_driver_sql(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
        indexes: list[str] = []
        customers = connection.exec_driver_sql("SELECT count(*) FROM customer").scalar_one()
        if rows > customers:
            placeholders = ", ".join("?" * len(cls.DEFERRABLE))
            found = connection.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index'"  # noqa: S608
                f" AND tbl_name = 'customer' AND name IN ({placeholders}) ORDER BY name",
                cls.DEFERRABLE,
            ).all()
            for name, sql in found:
                connection.exec_driver_sql(f"DROP INDEX {name}")
                indexes.append(str(sql))
        return cls(session, None if trigger is None else str(trigger), indexes)

    def add(self, rows: list[tuple[int, str]]) -> None:
        """The batch's names into the FTS5 table (when its trigger was dropped)."""
        if self._trigger is not None:
            insert_many(self._session.connection(), "customer_fts", ("rowid", "name_search"), rows)

    def finish(self) -> None:
        """Create the dropped indexes and trigger again, before the import commits."""
        connection = self._session.connection()
        for sql in self._indexes:
            connection.exec_driver_sql(sql)
        if self._trigger is not None:
            connection.exec_driver_sql(self._trigger)


def insert_many(
    connection: Connection, table: str, columns: tuple[str, ...], rows: Sequence[Sequence[object]]
) -> None:
    """One driver-level executemany: the ORM's per-value type handling costs more than the
    insert itself at this volume, so values arrive already in the driver's form."""
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        # COPY is several times faster than any INSERT for bulk rows on PostgreSQL.
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 (constant names)
        f"VALUES ({', '.join([marker] * len(columns))})"
    )
    connection.exec_driver_sql(sql, rows)
