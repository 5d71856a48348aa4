"""Importing customers from a CSV file (SPEC §8.2): validated as `/customer new`, no duplicates.

The CLI is an operator tool, so the import runs without a staff role check; every change is still
audited under the actor it is given and recorded in the history with source `import`.
"""

from __future__ import annotations

import collections
import csv
import datetime as dt
import multiprocessing
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.audit_chain import link_hash
from bot.customer_fields import CUSTOMER_FIELDS, FieldError, clean_customer_fields
from bot.faults import crash_point
from bot.services.customers import apply_customer_changes
from bot.services.errors import DomainError, InvalidInput
from bot.services.unit import ServiceContext, Tx
from bot.text import fold
from storage.models import (
    AuditHead,
    Counter,
    Customer,
    CustomerStatus,
    Source,
    UtcDateTime,
)

NUMBER_COLUMN = "customer_number"
IMPORT_COLUMNS = (*CUSTOMER_FIELDS, NUMBER_COLUMN)
BATCH_SIZE = 1000
# Files at least this long are validated in worker processes while this one writes (the
# validation of e-mail addresses and phone numbers costs more than the inserts).
PARALLEL_FROM_ROWS = 20_000
# SQLite page cache for an import's connection, in KiB.
IMPORT_CACHE_KIB = 512 * 1024
_CUSTOMER_NUMBER = re.compile(r"^\d{1,7}$")

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


@dataclass(frozen=True)
class _Record:
    line: int
    cells: list[str]


@dataclass(frozen=True)
class _Checked:
    """What the checks that need neither the database nor the rest of the file found in a row.

    Plain data, so that worker processes can return it.
    """

    line: int
    raw: dict[str, str]
    cleaned: dict[str, str | None]
    error: tuple[str, dict[str, object]] | None
    number_text: str | None
    number: int | None
    business_id: str | None
    fallback: tuple[str, str, str] | None
    keys: tuple[tuple[str, object], ...]


@dataclass(frozen=True)
class _Row:
    """A data row that passed the checks that need no database, ready to be written."""

    line: int
    raw: dict[str, str]
    cleaned: dict[str, str | None]
    number: int | None
    business_id: str | None
    # Rows with neither identifier match on the folded name plus e-mail (else phone).
    fallback: tuple[str, str, str] | None


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

        The file is read twice, streaming: once to check its shape and find the highest
        customer number, then in batches that are validated (in `workers` processes for big
        files; default: one per CPU) and written with multi-row inserts.
        """
        scan = _scan_csv(path)
        columns = _check_header(scan.header)
        total = scan.records
        if workers is None:
            workers = min(os.cpu_count() or 1, 8) if total >= PARALLEL_FROM_ROWS else 0
        report = ImportReport()
        try:
            with self._context.transaction(actor) as tx:
                if NUMBER_COLUMN in columns and scan.highest_number is not None:
                    # Move the counter past every number in the file first, so a generated one
                    # never collides with a later row's.
                    tx.bump_counter("customer_number", scan.highest_number)
                search_index = _SqliteSearchIndex.suspend(tx.session)
                writer = _BatchWriter(tx, columns, report, search_index)
                done = 0
                batches = _batches(_records(path, scan.delimiter), BATCH_SIZE)
                for checked in _checked_batches(columns, batches, workers):
                    writer.write(checked)
                    crash_point("import.after_batch")
                    done += len(checked)
                    if progress is not None:
                        progress(done, total)
                if search_index is not None:
                    search_index.resume()
                if report.bad_rows and not skip_invalid:
                    raise _Abandon()
                tx.audit("import.customers", detail=_summary(report))
        except _Abandon:
            report.created = report.updated = report.unchanged = 0
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


def _check_record(columns: list[str], record: _Record) -> _Checked:
    """The database-free checks of one row (runs in worker processes for big files)."""
    if len(record.cells) != len(columns):
        error: tuple[str, dict[str, object]] = (
            "import.row_cells",
            {"expected": len(columns), "found": len(record.cells)},
        )
        return _Checked(record.line, {}, {}, error, None, None, None, None, ())
    # An empty cell means "not in the file": it neither sets nor clears a field.
    values = {
        column: cell.strip()
        for column, cell in zip(columns, record.cells, strict=True)
        if cell.strip()
    }
    number_text = values.pop(NUMBER_COLUMN, None)
    cleaned = clean_customer_fields(values, creating=True)
    number = _parse_number(number_text) if number_text is not None else None
    business_id = None if "business_id" in cleaned.errors else cleaned.values.get("business_id")
    fallback = None
    if number_text is None and "business_id" not in values and not cleaned.errors:
        fallback = _fallback_key(cleaned.values)
    keys: list[tuple[str, object]] = []
    if number is not None:
        keys.append((NUMBER_COLUMN, number))
    if business_id is not None:
        keys.append(("business_id", business_id))
    if fallback is not None:
        keys.append((fallback[0], fallback[1:]))
    problem: tuple[str, dict[str, object]] | None = None
    if cleaned.errors:
        first = _first_error(cleaned.errors)
        problem = (first.key, dict(first.params))
    elif number_text is not None and number is None:
        problem = ("field.customer_number", {"field": NUMBER_COLUMN, "value": number_text})
    return _Checked(
        record.line,
        values,
        cleaned.values,
        problem,
        number_text,
        number,
        business_id,
        fallback,
        tuple(keys),
    )


def _check_batch(columns: list[str], batch: list[_Record]) -> list[_Checked]:
    return [_check_record(columns, record) for record in batch]


def _checked_batches(
    columns: list[str], batches: Iterator[list[_Record]], workers: int
) -> Iterator[list[_Checked]]:
    """Checked batches in file order; with workers, a few batches are checked ahead."""
    if workers <= 1:
        for batch in batches:
            yield _check_batch(columns, batch)
        return
    # "spawn": the workers need none of this process's state (engines, threads).
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: collections.deque[Future[list[_Checked]]] = collections.deque()
        for batch in batches:
            pending.append(pool.submit(_check_batch, columns, batch))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


class _BatchWriter:
    """Writes checked batches inside the import's transaction, remembering what it has seen.

    Per batch: one query per kind of identifier finds the existing customers, new customers
    go in with multi-row inserts (customers, their history, their audit links), and updates go
    through `apply_customer_changes` like `/customer set`.
    """

    def __init__(
        self,
        tx: Tx,
        columns: list[str],
        report: ImportReport,
        search_index: _SqliteSearchIndex | None,
    ) -> None:
        self._tx = tx
        self._columns = columns
        self._report = report
        self._search_index = search_index
        self._inserted = 0
        self._analyzed_at = 0
        self._first_lines: dict[tuple[str, object], int] = {}
        # Customers this import updated, or created without a business ID (the only ones a
        # later row can reach again, by name and e-mail or phone): id -> line.
        self._touched: dict[int, int] = {}

    def write(self, batch: list[_Checked]) -> None:
        rows = [row for checked in batch if (row := self._row(checked)) is not None]
        found = _Existing.load(self._tx.session, rows)
        creates: list[tuple[_Row, int | None]] = []
        pending: dict[tuple[str, str, str], tuple[int, int | None]] = {}
        for row in rows:
            try:
                self._write_row(row, found, creates, pending)
            except DomainError as exc:
                self._report.bad_rows.append(BadRow(row.line, exc.key, dict(exc.params)))
        if creates:
            self._insert(creates)

    def _row(self, checked: _Checked) -> _Row | None:
        """The row, or None after reporting it bad (same order of reasons as one by one)."""
        repeated = [
            (name, first)
            for name, value in checked.keys
            if (first := self._first_lines.setdefault((name, value), checked.line)) != checked.line
        ]
        error = checked.error
        if error is None and repeated:
            name, first = repeated[0]
            error = ("import.duplicate_row", {"line": first, "field": name})
        if error is not None:
            self._report.bad_rows.append(BadRow(checked.line, error[0], dict(error[1])))
            return None
        return _Row(
            checked.line,
            checked.raw,
            checked.cleaned,
            checked.number,
            checked.business_id,
            checked.fallback,
        )

    def _write_row(
        self,
        row: _Row,
        found: _Existing,
        creates: list[tuple[_Row, int | None]],
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
            creates.append((row, row.number))
            if row.business_id is None:
                for key in _fallback_keys(row.cleaned):
                    pending.setdefault(key, (row.line, row.number))
            return
        first = self._touched.setdefault(existing.id, row.line)
        if first != row.line:
            raise DomainError("import.duplicate_row", line=first, field=_matched_by(row))
        if existing.status == CustomerStatus.ERASED.value:
            raise DomainError("error.customer_erased", number=existing.number)
        changed = apply_customer_changes(tx, existing, row.raw, source=Source.IMPORT)
        if not changed:
            self._report.unchanged += 1
            return
        tx.audit("customer.update", existing.number, detail="import, fields: " + ",".join(changed))
        self._report.updated += 1

    def _refresh_statistics(self, inserted: int) -> None:
        """On PostgreSQL, ANALYZE the customers each time the import has doubled them.

        The planner's statistics of a table that grows inside one transaction stay those of
        before; for an empty register it would look up each batch's business IDs with a
        sequential scan, and the import would slow down quadratically.
        """
        self._inserted += inserted
        connection = self._tx.session.connection()
        if connection.dialect.name != "postgresql" or self._inserted < 2 * self._analyzed_at:
            return
        connection.exec_driver_sql("ANALYZE customer")
        self._analyzed_at = max(self._inserted, 1000)

    def _insert(self, creates: list[tuple[_Row, int | None]]) -> None:
        """Insert new customers, their history and their audit links, a batch at a time."""
        tx = self._tx
        session = tx.session
        now = _bound_time(session, tx.now)
        fresh = iter(_take_numbers(tx, sum(1 for _, number in creates if number is None)))
        numbers: list[int] = []
        customers: list[tuple[object, ...]] = []
        for row, given in creates:
            values = row.cleaned
            name = values["name"] or ""
            number = given if given is not None else next(fresh)
            numbers.append(number)
            customers.append(
                (
                    number,
                    values.get("kind") or "company",
                    name,
                    fold(name),
                    values.get("business_id"),
                    values.get("vat_id"),
                    values.get("email"),
                    values.get("phone"),
                    values.get("street"),
                    values.get("postal_code"),
                    values.get("city"),
                    values.get("country") or "FI",
                    values.get("language") or "fi",
                    CustomerStatus.ACTIVE.value,
                    False,
                    now,
                    now,
                )
            )
        _insert_many(session, "customer", _CUSTOMER_COLUMNS, customers)
        self._refresh_statistics(len(customers))
        query = select(Customer.number, Customer.id).where(Customer.number.in_(numbers))
        ids = {number: customer_id for number, customer_id in session.execute(query)}
        if self._search_index is not None:
            self._search_index.add(
                [
                    (ids[number], customer[3])
                    for number, customer in zip(numbers, customers, strict=True)
                ]
            )
        history: list[tuple[object, ...]] = []
        for (row, _), number in zip(creates, numbers, strict=True):
            customer_id = ids[number]
            if row.business_id is None:
                self._touched[customer_id] = row.line
            history.extend(
                (
                    now,
                    tx.actor,
                    customer_id,
                    "customer",
                    customer_id,
                    key,
                    None,
                    str(value),
                    "import",
                )
                for key, value in row.cleaned.items()
                if value is not None
            )
        _insert_many(session, "field_change", _HISTORY_COLUMNS, history)
        append_audit_links(tx, "customer.create", numbers, "import")
        self._report.created += len(numbers)


_CUSTOMER_COLUMNS = (
    "number",
    "kind",
    "name",
    "name_search",
    "business_id",
    "vat_id",
    "email",
    "phone",
    "street",
    "postal_code",
    "city",
    "country",
    "language",
    "status",
    "marketing_opt_out",
    "created_at",
    "updated_at",
)
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
_AUDIT_COLUMNS = (
    "seq",
    "at",
    "actor",
    "action",
    "outcome",
    "customer_number",
    "detail",
    "prev_hash",
    "hash",
)


class _SqliteSearchIndex:
    """Feeds the customers' FTS5 table in bulk during an import on SQLite.

    The row-by-row insert trigger costs three times the insert itself, so the import drops it
    inside its own transaction (SQLite's DDL is transactional and the import holds the write
    lock), inserts the batch's names into `customer_fts` with one executemany, and creates the
    trigger again from its saved definition before committing; a rollback restores it anyway.
    """

    TRIGGER = "customer_fts_ai"

    def __init__(self, session: Session, definition: str) -> None:
        self._session = session
        self._definition = definition

    @classmethod
    def suspend(cls, session: Session) -> _SqliteSearchIndex | None:
        connection = session.connection()
        if connection.dialect.name != "sqlite":
            return None
        definition = connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (cls.TRIGGER,)
        ).scalar()
        if definition is None:
            return None
        connection.exec_driver_sql(f"DROP TRIGGER {cls.TRIGGER}")
        # New customers land at random places in the business ID, e-mail and phone indexes;
        # with SQLite's default 2 MB page cache nearly every insert then reads and spills a
        # page. A larger cache for this connection keeps the indexes' hot pages in memory.
        connection.exec_driver_sql(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
        return cls(session, str(definition))

    def add(self, rows: list[tuple[int, object]]) -> None:
        _insert_many(self._session, "customer_fts", ("rowid", "name_search"), rows)

    def resume(self) -> None:
        self._session.connection().exec_driver_sql(self._definition)


def _insert_many(
    session: Session, table: str, columns: tuple[str, ...], rows: Sequence[tuple[object, ...]]
) -> None:
    """One driver-level executemany: the ORM's per-value type handling costs more than the
    insert itself at this volume, so values arrive already in the driver's form."""
    if not rows:
        return
    connection = session.connection()
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


def _bound_time(session: Session, at: dt.datetime) -> object:
    """`at` as the driver stores it in a UtcDateTime column (naive UTC text on SQLite)."""
    dialect = session.get_bind().dialect
    processor = UtcDateTime().dialect_impl(dialect).bind_processor(dialect)
    return processor(at) if processor is not None else at


@dataclass
class _Existing:
    """The register's customers that a batch's rows name, looked up once per batch."""

    by_number: dict[int, Customer]
    by_business_id: dict[str, Customer]
    by_fallback: dict[tuple[str, str, str], list[Customer]]

    @classmethod
    def load(cls, session: Session, rows: list[_Row]) -> _Existing:
        numbers = {row.number for row in rows if row.number is not None}
        business_ids = {row.business_id for row in rows if row.business_id is not None}
        emails = {r.fallback[2] for r in rows if r.fallback and r.fallback[0] == "name, email"}
        phones = {r.fallback[2] for r in rows if r.fallback and r.fallback[0] == "name, phone"}
        by_number: dict[int, Customer] = {}
        by_business_id: dict[str, Customer] = {}
        if numbers:
            query = select(Customer).where(Customer.number.in_(numbers))
            by_number = {c.number: c for c in session.execute(query).scalars()}
        if business_ids:
            query = select(Customer).where(Customer.business_id.in_(business_ids))
            by_business_id = {c.business_id or "": c for c in session.execute(query).scalars()}
        by_fallback: dict[tuple[str, str, str], list[Customer]] = {}
        for kind, column, values in (
            ("name, email", Customer.email, emails),
            ("name, phone", Customer.phone, phones),
        ):
            if not values:
                continue
            query = (
                select(Customer)
                .where(
                    column.in_(values),
                    Customer.business_id.is_(None),
                    Customer.status != CustomerStatus.ERASED.value,
                )
                .order_by(Customer.number)
            )
            for customer in session.execute(query).scalars():
                value = customer.email if kind == "name, email" else customer.phone
                key = (kind, customer.name_search, value or "")
                by_fallback.setdefault(key, []).append(customer)
        return cls(by_number, by_business_id, by_fallback)

    def customer_for(
        self, row: _Row, pending: dict[tuple[str, str, str], tuple[int, int | None]]
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


def append_audit_links(tx: Tx, action: str, customer_numbers: list[int], detail: str) -> None:
    """Append one audit link per customer in one go: what `Tx.audit` does, batched."""
    if not customer_numbers:
        return
    session = tx.session
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update()
    ).scalar_one()
    seq, previous = head.seq, head.hash
    at = _bound_time(session, tx.now)
    links: list[tuple[object, ...]] = []
    for number in customer_numbers:
        seq += 1
        digest = link_hash(previous, seq, tx.now, tx.actor, action, "ok", number, detail)
        links.append((seq, at, tx.actor, action, "ok", number, detail, previous, digest))
        previous = digest
    _insert_many(session, "audit_event", _AUDIT_COLUMNS, links)
    head.seq, head.hash = seq, previous
    session.flush()


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


def _first_error(errors: Mapping[str, FieldError]) -> DomainError:
    """The row's first field error, with the field named as InvalidInput names it."""
    name, error = next(iter(errors.items()))
    return DomainError(error.key, **{"field": name, **error.params})


def _fallback_key(values: dict[str, str | None]) -> tuple[str, str, str] | None:
    """How a row without customer number or business ID is recognised on a re-import."""
    name = fold(values.get("name") or "")
    if email := values.get("email"):
        return ("name, email", name, email)
    if phone := values.get("phone"):
        return ("name, phone", name, phone)
    return None


def _fallback_keys(values: Mapping[str, str | None]) -> list[tuple[str, str, str]]:
    """Both keys by which a later row without identifiers could name this customer."""
    name = fold(values.get("name") or "")
    keys = []
    if email := values.get("email"):
        keys.append(("name, email", name, email))
    if phone := values.get("phone"):
        keys.append(("name, phone", name, phone))
    return keys


def _matched_by(row: _Row) -> str:
    if row.number is not None:
        return NUMBER_COLUMN
    if row.business_id is not None:
        return "business_id"
    return row.fallback[0] if row.fallback is not None else "name"


@dataclass(frozen=True)
class _Scan:
    header: list[str]
    delimiter: str
    records: int
    highest_number: int | None


def _open(path: Path) -> TextIO:
    try:
        return path.open(encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise DomainError("import.file_not_found", path=str(path)) from None
    except OSError as exc:
        raise DomainError("import.unreadable", path=str(path), reason=exc.strerror) from None


def _scan_csv(path: Path) -> _Scan:
    """Check the whole file can be read before anything is written; count its data records."""
    with _open(path) as handle:
        try:
            header_line = ""
            for line in handle:
                if line.strip():
                    header_line = line
                    break
            # The header names the delimiter: column names contain neither `,` nor `;`.
            delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
            handle.seek(0)
            header: list[str] | None = None
            records = 0
            highest: int | None = None
            number_index: int | None = None
            for record in _parse(handle, delimiter):
                if header is None:
                    header = record.cells
                    names = [name.strip().lower() for name in header]
                    if NUMBER_COLUMN in names:
                        number_index = names.index(NUMBER_COLUMN)
                    continue
                records += 1
                if number_index is not None and len(record.cells) == len(header):
                    number = _parse_number(record.cells[number_index].strip())
                    if number is not None and (highest is None or number > highest):
                        highest = number
        except UnicodeDecodeError:
            raise DomainError("import.not_utf8") from None
    if header is None:
        raise DomainError("import.empty")
    return _Scan(header, delimiter, records, highest)


def _parse(handle: TextIO, delimiter: str) -> Iterator[_Record]:
    """Non-blank records (the header first), each with its first physical line number."""
    reader = csv.reader(handle, delimiter=delimiter, strict=True)
    last_line = 0
    try:
        for cells in reader:
            line, last_line = last_line + 1, reader.line_num
            if any(cell.strip() for cell in cells):
                yield _Record(line, cells)
    except csv.Error:
        raise DomainError("import.bad_csv", line=last_line + 1) from None


def _records(path: Path, delimiter: str) -> Iterator[_Record]:
    """The data records of a file `_scan_csv` has checked."""
    with _open(path) as handle:
        records = _parse(handle, delimiter)
        next(records, None)
        yield from records


def _check_header(header: Sequence[str]) -> list[str]:
    """The header's column names, normalised; unknown, repeated or missing columns are refused."""
    columns = [name.strip().lower() for name in header]
    unknown = [name for name in columns if name not in IMPORT_COLUMNS]
    if unknown:
        shown = ", ".join(name or '""' for name in unknown)
        raise DomainError(
            "import.unknown_columns", columns=shown, allowed=", ".join(IMPORT_COLUMNS)
        )
    repeated = sorted({name for name in columns if columns.count(name) > 1})
    if repeated:
        raise DomainError("import.duplicate_columns", columns=", ".join(repeated))
    if "name" not in columns:
        raise DomainError("import.missing_name_column")
    return columns


def _parse_number(text: str) -> int | None:
    if not _CUSTOMER_NUMBER.match(text) or int(text) == 0:
        return None
    return int(text)


def _batches(records: Iterator[_Record], size: int) -> Iterator[list[_Record]]:
    batch: list[_Record] = []
    for record in records:
        batch.append(record)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _summary(report: ImportReport) -> str:
    return (
        f"created={report.created}, updated={report.updated}, "
        f"unchanged={report.unchanged}, skipped={len(report.bad_rows)}"
    )
