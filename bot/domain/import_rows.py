"""The rows of a customer import, parsed and checked without the database (SPEC §8.2).

This is what the import's worker processes run (`bot.services.imports` writes the rows), so it
imports only the field checks: a worker is ready in a tenth of a second instead of the second
the services and SQLAlchemy take to import.
"""

from __future__ import annotations

import csv
import io
import marshal
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

from bot.domain import field_history
from bot.domain.customer_fields import CUSTOMER_FIELDS, clean_customer_fields
from bot.domain.text import fold

NUMBER_COLUMN = "customer_number"
IMPORT_COLUMNS = (*CUSTOMER_FIELDS, NUMBER_COLUMN)
_CUSTOMER_NUMBER = re.compile(r"^\d{1,7}$")


class BadCsv(Exception):
    """The file stops being CSV at this physical line."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


class Record(NamedTuple):
    """A non-blank CSV record: its first and last physical line, and its cells."""

    line: int
    end: int
    cells: list[str]


class Chunk(NamedTuple):
    """A batch's physical lines as read from the file, joined (one string pickles far faster
    than thousands), and how many lines came before them."""

    offset: int
    text: str


class Checked(NamedTuple):
    """A data row after the checks that need neither the database nor the rest of the file.

    Workers send it as a plain tuple (`check_chunk_marshalled`): a named tuple pickles
    through a Python-level method per row, and an import sends a million of them.
    """

    line: int
    error: tuple[str, dict[str, object]] | None
    # The row's cells, stripped, in the file's column order (`given` makes them what an
    # update applies); () for a row with the wrong number of cells.
    cells: tuple[str, ...]
    # The folded name (search column, fallback key); "" for a row with an error.
    name_search: str
    number: int | None
    business_id: str | None
    # Rows with neither identifier match on the folded name plus e-mail (else phone).
    fallback: tuple[str, str, str] | None
    # A new customer's columns from `kind` to `language` (`CUSTOMER_VALUES`), defaults
    # filled in, and its history: the given fields as one packed row (`bot.field_history`).
    values: tuple[str | None, ...]
    packed: str


# The customer columns a row's `values` hold, in order.
CUSTOMER_VALUES = (
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
)


def check_chunk(columns: list[str], delimiter: str, chunk: Chunk) -> list[Checked]:
    """Parse and check one batch's lines."""
    # A string read with newline="" splits into the lines the file gave (\n, \r or \r\n).
    lines = io.StringIO(chunk.text, newline="")
    return [check_record(columns, record) for record in parse(lines, delimiter, chunk.offset)]


def check_chunk_marshalled(columns: list[str], delimiter: str, chunk: Chunk) -> bytes:
    """`check_chunk` as plain tuples in `marshal`'s form (a worker process's task; restore
    with `unmarshal_checked`). Rows are only strings, numbers, None, tuples and dicts of
    them, which marshal writes faster than pickle (docs/BENCHMARKS.md, "Import from CSV")."""
    return marshal.dumps([tuple(row) for row in check_chunk(columns, delimiter, chunk)])


def unmarshal_checked(data: bytes) -> list[Checked]:
    """The rows `check_chunk_marshalled` sent, from this same Python."""
    return list(map(Checked._make, marshal.loads(data)))  # noqa: S302 (our own worker's bytes)


def given(columns: Sequence[str], cells: Sequence[str]) -> dict[str, str]:
    """The fields a row gives: its non-empty stripped cells by column, without the number.

    An empty cell means "not in the file": it neither sets nor clears a field.
    """
    fields = {column: cell for column, cell in zip(columns, cells, strict=True) if cell}
    fields.pop(NUMBER_COLUMN, None)
    return fields


def check_record(columns: list[str], record: Record) -> Checked:
    """The database-free checks of one row."""
    if len(record.cells) != len(columns):
        error: tuple[str, dict[str, object]] = (
            "import.row_cells",
            {"expected": len(columns), "found": len(record.cells)},
        )
        return Checked(record.line, error, (), "", None, None, None, (), "")
    cells = tuple([cell.strip() for cell in record.cells])
    values = given(columns, cells)
    number_text = cells[columns.index(NUMBER_COLUMN)] if NUMBER_COLUMN in columns else ""
    cleaned = clean_customer_fields(values, creating=True)
    number = parse_number(number_text) if number_text else None
    business_id = None if "business_id" in cleaned.errors else cleaned.values.get("business_id")
    problem: tuple[str, dict[str, object]]
    if cleaned.errors:
        # The first field error, with the field named as InvalidInput names it.
        name, first = next(iter(cleaned.errors.items()))
        problem = (first.key, {"field": name, **first.params})
        return Checked(record.line, problem, cells, "", number, business_id, None, (), "")
    if number_text and number is None:
        problem = ("field.customer_number", {"field": NUMBER_COLUMN, "value": number_text})
        return Checked(record.line, problem, cells, "", None, business_id, None, (), "")
    fields = cleaned.values
    name_search = fold(fields.get("name") or "")
    email, phone = fields.get("email"), fields.get("phone")
    fallback = None
    if not number_text and "business_id" not in values:
        fallback = fallback_key(name_search, email, phone)
    row = (
        fields.get("kind") or "company",
        fields["name"],
        name_search,
        fields.get("business_id"),
        fields.get("vat_id"),
        email,
        phone,
        fields.get("street"),
        fields.get("postal_code"),
        fields.get("city"),
        fields.get("country") or "FI",
        fields.get("language") or "fi",
    )
    packed = field_history.pack({k: v for k, v in fields.items() if v is not None})
    return Checked(
        record.line, None, cells, name_search, number, business_id, fallback, row, packed
    )


def parse(lines: Iterable[str], delimiter: str, offset: int = 0) -> Iterator[Record]:
    """Non-blank records of physical lines (numbered from `offset` + 1), each with its first
    and last line; BadCsv where the lines stop being CSV."""
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    last_line = 0
    try:
        for cells in reader:
            line, last_line = last_line + 1, reader.line_num
            if "".join(cells).strip():
                yield Record(offset + line, offset + last_line, cells)
    except csv.Error:
        raise BadCsv(offset + last_line + 1) from None


def parse_unquoted(lines: Iterable[str], delimiter: str) -> Iterator[Record]:
    """`parse` for lines without quote or NUL characters, where a record is one line: the
    same records in a fraction of the time the CSV reader takes."""
    limit = csv.field_size_limit()
    for number, line in enumerate(lines, 1):
        if line.replace(delimiter, "").strip():
            cells = line.rstrip("\r\n").split(delimiter)
            if len(line) > limit and max(map(len, cells)) > limit:
                raise BadCsv(number)  # as the CSV reader refuses a field that long
            yield Record(number, number, cells)


def parse_number(text: str) -> int | None:
    """A customer number from a cell: 1 to 9 999 999, else None."""
    if not _CUSTOMER_NUMBER.match(text) or int(text) == 0:
        return None
    return int(text)


def fallback_keys(
    name_search: str, email: str | None, phone: str | None
) -> list[tuple[str, str, str]]:
    """The keys by which a row without customer number or business ID names a customer:
    the folded name with the e-mail, and with the phone."""
    keys = []
    if email:
        keys.append(("name, email", name_search, email))
    if phone:
        keys.append(("name, phone", name_search, phone))
    return keys


def fallback_key(
    name_search: str, email: str | None, phone: str | None
) -> tuple[str, str, str] | None:
    """How a row without customer number or business ID is recognised on a re-import: by its
    first key (`fallback_keys`)."""
    keys = fallback_keys(name_search, email, phone)
    return keys[0] if keys else None
