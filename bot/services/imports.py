"""Importing customers from a CSV file (SPEC §8.2): validated as `/customer new`, no duplicates.

The CLI is an operator tool, so the import runs without a staff role check; every change is still
audited under the actor it is given and recorded in the history with source `import`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from bot.domain import field_history
from bot.domain.customer_fields import FieldError
from bot.domain.enums import CustomerStatus, Source
from bot.domain.import_rows import (
    CUSTOMER_VALUES,
    NUMBER_COLUMN,
    Checked,
    fallback_keys,
    given,
)
from bot.services.bulk_load import SqliteBulkLoad, insert_many
from bot.services.customers import apply_customer_changes
from bot.services.errors import DomainError, InvalidInput
from bot.services.faults import crash_point
from bot.services.import_csv import check_header, csv_chunks, scan_csv
from bot.services.import_workers import (
    PARALLEL_FROM_ROWS,
    checked_batches,
    collector_spared,
    default_workers,
)
from bot.services.unit import ServiceContext, Tx
from storage.models import Counter, Customer
from storage.raw import bound_time, driver_run

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BadRow:
    """A row that was not imported: its physical line in the file and why (message key)."""

    line: int
    key: str
    params: dict[str, object] = field(default_factory=dict)


@dataclass
class ImportReport:
    """What an import did; `written` is False when bad rows stopped an all-or-nothing import."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    bad_rows: list[BadRow] = field(default_factory=list)
    written: bool = False
    # Of the created: rows with no customer number, business ID, e-mail or phone, which
    # nothing can match when the file is imported again.
    unkeyed: int = 0


class _Abandon(Exception):
    """Rolls the all-or-nothing transaction back when any row was bad."""


class ImportService:
    """Bulk imports into the register, for operators (the `regbot import` commands)."""

    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def import_customers(
        self,
        actor: str,
        path: Path,
        *,
        skip_invalid: bool = False,
        progress: Progress | None = None,
        workers: int | None = None,
    ) -> ImportReport:
        """Create or update customers from a CSV file, all or nothing unless `skip_invalid`.

        The file is read twice, streaming: once to check its shape, find the highest customer
        number and where each batch ends, then batch by batch as lines that are parsed and
        validated (in `workers` processes for big files; default: one per CPU but the one
        this process writes on) while this process writes the batches before them.
        """
        scan = scan_csv(path)
        columns = check_header(scan.header)
        total = scan.records
        if workers is None:
            workers = default_workers() if total >= PARALLEL_FROM_ROWS else 0
        report = ImportReport()
        try:
            with self._context.transaction(actor) as tx:
                if NUMBER_COLUMN in columns and scan.highest_number is not None:
                    # Move the counter past every number in the file first, so a generated one
                    # never collides with a later row's.
                    tx.bump_counter("customer_number", scan.highest_number)
                bulk_load = SqliteBulkLoad.begin(tx.session, total)
                writer = _BatchWriter(tx, report, bulk_load, columns)
                done = 0
                chunks = csv_chunks(path, scan)
                batches = checked_batches(columns, scan.delimiter, chunks, workers)
                with collector_spared() as age:
                    for checked in batches:
                        writer.write(checked)
                        age()
                        crash_point("import.after_batch")
                        done += len(checked)
                        if progress is not None:
                            progress(done, total)
                if report.bad_rows and not skip_invalid:
                    # The rollback restores what the bulk load dropped: nothing to rebuild.
                    raise _Abandon()
                if bulk_load is not None:
                    bulk_load.finish()
                tx.audit("import.customers", detail=_summary(report))
        except _Abandon:
            report.created = report.updated = report.unchanged = report.unkeyed = 0
            with self._context.transaction(actor) as tx:
                tx.audit(
                    "import.customers",
                    detail=f"rejected, bad_rows={len(report.bad_rows)}",
                    outcome="rejected",
                )
            return report
        if progress is not None and total == 0:
            progress(0, 0)
        report.written = True
        return report


class _BatchWriter:
    """Writes checked batches inside the import's transaction, remembering what it has seen.

    Per batch: one query per kind of identifier finds the existing customers, new customers
    go in with driver-level bulk inserts (customers, their history, their audit links), and
    updates go through `apply_customer_changes` like `/customer set`.
    """

    def __init__(
        self, tx: Tx, report: ImportReport, bulk_load: SqliteBulkLoad | None, columns: list[str]
    ) -> None:
        self._tx = tx
        self._columns = columns
        self._report = report
        self._bulk_load = bulk_load
        self._inserted = 0
        self._analyzed_at = 0
        self._first_lines: dict[tuple[str, object], int] = {}
        # Customers this import updated, or created without a business ID (the only ones a
        # later row can reach again, by name and e-mail or phone): id -> line.
        self._touched: dict[int, int] = {}
        session = tx.session
        self._sqlite = session.connection().dialect.name == "sqlite"
        # With no customers before the import, a row's number or business ID can only name a
        # customer an earlier row of the file created, and such a row is already refused as a
        # repeat of that one: only the name-and-contact look-up is left to ask the database.
        self._register_was_empty = session.execute(select(Customer.id).limit(1)).first() is None

    def write(self, batch: list[Checked]) -> None:
        rows = [row for row in batch if self._accepted(row)]
        found = _Existing.load(self._tx.session, rows, by_identifiers=not self._register_was_empty)
        creates: list[Checked] = []
        pending: dict[tuple[str, str, str], tuple[int, int | None]] = {}
        for row in rows:
            try:
                self._write_row(row, found, creates, pending)
            except DomainError as exc:
                self._report.bad_rows.append(BadRow(row.line, exc.key, dict(exc.params)))
        if creates:
            self._insert(creates)

    def _accepted(self, row: Checked) -> bool:
        """Whether the row goes on to be written; else it is reported bad (same order of
        reasons as one by one)."""
        first_lines = self._first_lines
        line = row.line
        repeated: tuple[str, int] | None = None
        for name, value in _keys(row):
            first = first_lines.setdefault((name, value), line)
            if first != line and repeated is None:
                repeated = (name, first)
        error = row.error
        if error is None and repeated is not None:
            name, first = repeated
            error = ("import.duplicate_row", {"line": first, "field": name})
        if error is not None:
            self._report.bad_rows.append(BadRow(line, error[0], dict(error[1])))
            return False
        return True

    def _write_row(
        self,
        row: Checked,
        found: _Existing,
        creates: list[Checked],
        pending: dict[tuple[str, str, str], tuple[int, int | None]],
    ) -> None:
        tx = self._tx
        existing = found.customer_for(row, pending)
        if existing is None:
            if row.business_id is not None:
                owner = found.by_business_id.get(row.business_id)
                if owner is not None:
                    raise InvalidInput(
                        {
                            "business_id": FieldError(
                                "field.business_id_taken", {"number": str(owner.number)}
                            )
                        }
                    )
            creates.append(row)
            if row.business_id is None:
                for key in fallback_keys(row.name_search, row.values[_EMAIL], row.values[_PHONE]):
                    pending.setdefault(key, (row.line, row.number))
            return
        first = self._touched.setdefault(existing.id, row.line)
        if first != row.line:
            raise DomainError("import.duplicate_row", line=first, field=_matched_by(row))
        if existing.status == CustomerStatus.ERASED.value:
            raise DomainError("error.customer_erased", number=existing.number)
        fields = given(self._columns, row.cells)
        changed = apply_customer_changes(tx, existing, fields, source=Source.IMPORT)
        if not changed:
            self._report.unchanged += 1
            return
        tx.audit("customer.update", existing.number, detail="import, fields: " + ",".join(changed))
        self._report.updated += 1

    def _refresh_statistics(self, connection: Connection, inserted: int) -> None:
        """On PostgreSQL, ANALYZE the customers each time the import has doubled them.

        The planner's statistics of a table that grows inside one transaction stay those of
        before; for an empty register it would look up each batch's business IDs with a
        sequential scan, and the import would slow down quadratically.
        """
        self._inserted += inserted
        if connection.dialect.name != "postgresql" or self._inserted < 2 * self._analyzed_at:
            return
        connection.exec_driver_sql("ANALYZE customer")
        self._analyzed_at = max(self._inserted, 1000)

    def _insert(self, creates: list[Checked]) -> None:
        """Insert new customers, their history and their audit links, a batch at a time."""
        tx = self._tx
        session = tx.session
        # The ORM's pending work (updates, counters) goes first; the rest is driver-level.
        session.flush()
        connection = session.connection()
        now = bound_time(connection.dialect, tx.now)
        fresh = iter(_take_numbers(tx, sum(1 for row in creates if row.number is None)))
        numbers = [row.number if row.number is not None else next(fresh) for row in creates]
        active = CustomerStatus.ACTIVE.value
        if self._sqlite:
            # The rowids SQLite would give, given here: no query to learn them afterwards.
            last = connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM customer")
            first_id = int(last.scalar_one()) + 1
            ids = list(range(first_id, first_id + len(creates)))
            customers = [
                (cid, number, *row.values, active, False, now, now)
                for cid, number, row in zip(ids, numbers, creates, strict=True)
            ]
            insert_many(connection, "customer", ("id", *_CUSTOMER_COLUMNS), customers)
        else:
            customers = [
                (number, *row.values, active, False, now, now)
                for row, number in zip(creates, numbers, strict=True)
            ]
            insert_many(connection, "customer", _CUSTOMER_COLUMNS, customers)
            query = select(Customer.number, Customer.id).where(Customer.number.in_(numbers))
            by_number = {number: customer_id for number, customer_id in session.execute(query)}
            ids = [by_number[number] for number in numbers]
        self._refresh_statistics(connection, len(customers))
        if self._bulk_load is not None:
            self._bulk_load.add(
                [(cid, row.name_search) for cid, row in zip(ids, creates, strict=True)]
            )
        for cid, row in zip(ids, creates, strict=True):
            if row.business_id is None:
                self._touched[cid] = row.line
        self._insert_history(connection, now, ids, creates)
        tx.audit_many("customer.create", numbers, detail="import")
        self._report.created += len(numbers)
        self._report.unkeyed += sum(
            row.number is None and row.business_id is None and row.fallback is None
            for row in creates
        )

    def _insert_history(
        self, connection: Connection, now: object, ids: list[int], creates: list[Checked]
    ) -> None:
        """Each new customer's given fields as one packed history row (source `import`)."""
        actor = self._tx.actor
        history = [
            (now, actor, cid, "customer", cid, field_history.PACKED, None, row.packed, _IMPORT)
            for cid, row in zip(ids, creates, strict=True)
        ]
        insert_many(connection, "field_change", _HISTORY_COLUMNS, history)


# A new customer's row: its number, the values a checked row brings, then what the import sets.
_CUSTOMER_COLUMNS = (
    "number",
    *CUSTOMER_VALUES,
    "status",
    "marketing_opt_out",
    "created_at",
    "updated_at",
)
_IMPORT = Source.IMPORT.value
_EMAIL = CUSTOMER_VALUES.index("email")
_PHONE = CUSTOMER_VALUES.index("phone")
_HISTORY_COLUMNS = (
    "at",
    "actor",
    "customer_id",
    "entity",
    "entity_id",
    "field",
    "old_value",
    "new_value",
    "source",
)


@dataclass
class _Existing:
    """The register's customers that a batch's rows name, looked up once per batch."""

    by_number: dict[int, Customer]
    by_business_id: dict[str, Customer]
    by_fallback: dict[tuple[str, str, str], list[Customer]]

    @classmethod
    def load(cls, session: Session, rows: list[Checked], *, by_identifiers: bool) -> _Existing:
        by_number: dict[int, Customer] = {}
        by_business_id: dict[str, Customer] = {}
        if by_identifiers:
            numbers = {row.number for row in rows if row.number is not None}
            business_ids = {row.business_id for row in rows if row.business_id is not None}
            if numbers:
                query = select(Customer).where(Customer.number.in_(numbers))
                by_number = {c.number: c for c in session.execute(query).scalars()}
            if business_ids:
                query = select(Customer).where(Customer.business_id.in_(business_ids))
                by_business_id = {c.business_id or "": c for c in session.execute(query).scalars()}
        emails = {r.fallback[2] for r in rows if r.fallback and r.fallback[0] == "name, email"}
        phones = {r.fallback[2] for r in rows if r.fallback and r.fallback[0] == "name, phone"}
        by_fallback: dict[tuple[str, str, str], list[Customer]] = {}
        for kind, column, values in (
            ("name, email", "email", emails),
            ("name, phone", "phone", phones),
        ):
            ids = _without_business_id(session, column, values)
            if not ids:
                continue
            query = select(Customer).where(Customer.id.in_(ids)).order_by(Customer.number)
            for customer in session.execute(query).scalars():
                value = customer.email if kind == "name, email" else customer.phone
                key = (kind, customer.name_search, value or "")
                by_fallback.setdefault(key, []).append(customer)
        return cls(by_number, by_business_id, by_fallback)

    def customer_for(
        self, row: Checked, pending: dict[tuple[str, str, str], tuple[int, int | None]]
    ) -> Customer | None:
        """The customer a row names: by number when given, else business ID, else name."""
        if row.number is not None:
            # A number the register lacks means a new customer, even when the business ID is
            # taken: the create then reports whose it is.
            return self.by_number.get(row.number)
        if row.business_id is not None:
            return self.by_business_id.get(row.business_id)
        if row.fallback is None:
            return None
        matches = self.by_fallback.get(row.fallback, [])
        created = pending.get(row.fallback)
        if len(matches) + (created is not None) > 1:
            numbers = [str(c.number) for c in matches[:2]]
            if created is not None and created[1] is not None:
                numbers.append(str(created[1]))
            raise DomainError(
                "import.ambiguous_match", field=row.fallback[0], numbers=", ".join(numbers)
            )
        if created is not None:
            # A customer an earlier row of this batch creates.
            raise DomainError("import.duplicate_row", line=created[0], field=row.fallback[0])
        return matches[0] if matches else None


def _without_business_id(session: Session, column: str, values: set[str]) -> list[int]:
    """The ids of the customers without business ID, not erased, whose `column` (e-mail or
    phone) is one of `values`: the ones a row without identifiers can name.

    Most batches find none, so this asks at the driver level (an ORM query with an IN list
    of hundreds of values cost more to build than to run) and only the few found are loaded.
    Only the e-mail or phone goes into the WHERE clause: given `business_id IS NULL` too,
    SQLite walks the business ID index through every customer without one (a fifth of the
    register), once per batch.
    """
    if not values:
        return []
    session.flush()  # the batch before may have changed an e-mail or phone
    connection = session.connection()
    dialect = connection.dialect
    listed: object
    if dialect.name == "postgresql":
        matches, listed = "= ANY(:values)", list(values)
    else:
        matches, listed = "IN (SELECT value FROM json_each(:values))", json.dumps([*values])
    # `column` is "email" or "phone", never text from the file.
    sql = f"SELECT id, business_id, status FROM customer WHERE {column} {matches}"  # noqa: S608
    driver = connection.connection.driver_connection
    rows = driver_run(driver, dialect, sql, {"values": listed})
    erased = CustomerStatus.ERASED.value
    return [cid for cid, business_id, status in rows if business_id is None and status != erased]


def _take_numbers(tx: Tx, count: int) -> range:
    """`count` consecutive customer numbers, with one locked read of the counter."""
    if count == 0:
        return range(0)
    row = tx.session.execute(
        select(Counter).where(Counter.name == "customer_number").with_for_update()
    ).scalar_one()
    first = row.next_value
    row.next_value = first + count
    tx.session.flush()
    return range(first, first + count)


def _keys(row: Checked) -> list[tuple[str, object]]:
    """The identifiers by which a later row of the same file would repeat this one."""
    keys: list[tuple[str, object]] = []
    if row.number is not None:
        keys.append((NUMBER_COLUMN, row.number))
    if row.business_id is not None:
        keys.append(("business_id", row.business_id))
    if row.fallback is not None:
        keys.append((row.fallback[0], row.fallback[1:]))
    return keys


def _matched_by(row: Checked) -> str:
    if row.number is not None:
        return NUMBER_COLUMN
    if row.business_id is not None:
        return "business_id"
    return row.fallback[0] if row.fallback is not None else "name"


def _summary(report: ImportReport) -> str:
    return (
        f"created={report.created}, updated={report.updated}, "
        f"unchanged={report.unchanged}, skipped={len(report.bad_rows)}"
    )
