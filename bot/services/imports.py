"""Importing customers from a CSV file (SPEC §8.2): validated as `/customer new`, no duplicates.

The CLI is an operator tool, so the import runs without a staff role check; every change is still
audited under the actor it is given and recorded in the history with source `import`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from bot.customer_fields import CUSTOMER_FIELDS, FieldError, clean_customer_fields
from bot.services.customers import apply_customer_changes, create_customer
from bot.services.errors import DomainError
from bot.services.unit import ServiceContext, Tx
from bot.text import fold
from storage.models import Customer, CustomerStatus, Source

NUMBER_COLUMN = "customer_number"
IMPORT_COLUMNS = (*CUSTOMER_FIELDS, NUMBER_COLUMN)
BATCH_SIZE = 1000
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
class _Row:
    """A data row that passed the checks that need no database, ready to be written."""

    line: int
    raw: dict[str, str]
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
    ) -> ImportReport:
        """Create or update customers from a CSV file, all or nothing unless `skip_invalid`."""
        header, records = _read_csv(path)
        columns = _check_header(header)
        total = len(records)
        report = ImportReport()
        try:
            with self._context.transaction(actor) as tx:
                _reserve_imported_numbers(tx, columns, records)
                importer = _Importer(tx, columns, report)
                done = 0
                for batch in _batches(records, BATCH_SIZE):
                    for record in batch:
                        importer.import_record(record)
                    tx.session.flush()
                    done += len(batch)
                    if progress is not None:
                        progress(done, total)
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


class _Importer:
    """Applies rows one by one inside the import's transaction, remembering what it has seen."""

    def __init__(self, tx: Tx, columns: list[str], report: ImportReport) -> None:
        self._tx = tx
        self._columns = columns
        self._report = report
        self._first_lines: dict[tuple[str, object], int] = {}
        self._touched: dict[int, int] = {}

    def import_record(self, record: _Record) -> None:
        """Validate one record and create or update its customer; a bad one is only reported."""
        try:
            row = self._check(record)
            self._write(row)
        except DomainError as exc:
            self._report.bad_rows.append(BadRow(record.line, exc.key, dict(exc.params)))

    def _check(self, record: _Record) -> _Row:
        if len(record.cells) != len(self._columns):
            raise DomainError(
                "import.row_cells", expected=len(self._columns), found=len(record.cells)
            )
        # An empty cell means "not in the file": it neither sets nor clears a field.
        values = {
            column: cell.strip()
            for column, cell in zip(self._columns, record.cells, strict=True)
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
        # Remember identifiers even of a bad row, so all its repeats are reported at once.
        repeated = [
            (name, first)
            for name, value in keys
            if (first := self._first_lines.setdefault((name, value), record.line)) != record.line
        ]
        if cleaned.errors:
            raise _first_error(cleaned.errors)
        if number_text is not None and number is None:
            raise DomainError("field.customer_number", field=NUMBER_COLUMN, value=number_text)
        if repeated:
            name, first = repeated[0]
            raise DomainError("import.duplicate_row", line=first, field=name)
        return _Row(record.line, values, number, business_id, fallback)

    def _write(self, row: _Row) -> None:
        tx = self._tx
        existing = self._existing(row)
        if existing is None:
            customer = create_customer(tx, row.raw, source=Source.IMPORT, number=row.number)
            self._touched[customer.id] = row.line
            tx.audit("customer.create", customer.number, detail="import")
            self._report.created += 1
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

    def _existing(self, row: _Row) -> Customer | None:
        """The customer a row names: by number when given, else business ID, else name."""
        session = self._tx.session
        if row.number is not None:
            # A number the register lacks means a new customer, even when the business ID is
            # taken: create_customer then reports whose it is.
            return session.execute(
                select(Customer).where(Customer.number == row.number)
            ).scalar_one_or_none()
        if row.business_id is not None:
            return session.execute(
                select(Customer).where(Customer.business_id == row.business_id)
            ).scalar_one_or_none()
        if row.fallback is None:
            return None
        kind, name_search, value = row.fallback
        column = Customer.email if kind == "name, email" else Customer.phone
        matches = list(
            session.execute(
                select(Customer)
                .where(
                    Customer.name_search == name_search,
                    column == value,
                    Customer.business_id.is_(None),
                    Customer.status != CustomerStatus.ERASED.value,
                )
                .order_by(Customer.number)
                .limit(2)
            ).scalars()
        )
        if len(matches) > 1:
            numbers = ", ".join(str(c.number) for c in matches)
            raise DomainError("import.ambiguous_match", field=kind, numbers=numbers)
        return matches[0] if matches else None


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


def _matched_by(row: _Row) -> str:
    if row.number is not None:
        return NUMBER_COLUMN
    if row.business_id is not None:
        return "business_id"
    return row.fallback[0] if row.fallback is not None else "name"


def _read_csv(path: Path) -> tuple[list[str], list[_Record]]:
    """The header and the non-blank data records, each with its first physical line number."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise DomainError("import.file_not_found", path=str(path)) from None
    except UnicodeDecodeError:
        raise DomainError("import.not_utf8") from None
    except OSError as exc:
        raise DomainError("import.unreadable", path=str(path), reason=exc.strerror) from None
    # The header names the delimiter: column names contain neither `,` nor `;`.
    header_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    records: list[_Record] = []
    header: list[str] | None = None
    last_line = 0
    try:
        for cells in reader:
            line, last_line = last_line + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = cells
            else:
                records.append(_Record(line, cells))
    except csv.Error:
        raise DomainError("import.bad_csv", line=last_line + 1) from None
    if header is None:
        raise DomainError("import.empty")
    return header, records


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


def _reserve_imported_numbers(tx: Tx, columns: list[str], records: list[_Record]) -> None:
    """Move the counter past every number in the file, so a generated one never collides."""
    if NUMBER_COLUMN not in columns:
        return
    index = columns.index(NUMBER_COLUMN)
    numbers = [
        number
        for record in records
        if len(record.cells) == len(columns)
        and (number := _parse_number(record.cells[index].strip())) is not None
    ]
    if numbers:
        tx.bump_counter("customer_number", max(numbers))


def _batches(records: list[_Record], size: int) -> Iterator[list[_Record]]:
    for start in range(0, len(records), size):
        yield records[start : start + size]


def _summary(report: ImportReport) -> str:
    return (
        f"created={report.created}, updated={report.updated}, "
        f"unchanged={report.unchanged}, skipped={len(report.bad_rows)}"
    )
