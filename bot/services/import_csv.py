"""An import's CSV file: read whole and checked before anything is written (its encoding, its
quoting, its header), then cut into batches of raw lines for validation (SPEC §8.2).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot.domain.import_rows import (
    IMPORT_COLUMNS,
    NUMBER_COLUMN,
    BadCsv,
    Chunk,
    parse,
    parse_number,
    parse_unquoted,
)
from bot.services.errors import DomainError

BATCH_SIZE = 2000


@dataclass(frozen=True)
class Scan:
    header: list[str]
    delimiter: str
    records: int
    highest_number: int | None
    # Physical lines up to the header's end, and up to the end of each full batch.
    header_end: int
    batch_size: int
    batch_ends: list[int]


def open_csv(path: Path) -> TextIO:
    try:
        return path.open(encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise DomainError("import.file_not_found", path=str(path)) from None
    except OSError as exc:
        raise DomainError("import.unreadable", path=str(path), reason=exc.strerror) from None


def scan_csv(path: Path) -> Scan:
    """Check the whole file can be read before anything is written; count its data records
    and note where each batch of BATCH_SIZE records ends."""
    batch_size = BATCH_SIZE
    quoted = has_quotes(path)
    with open_csv(path) as handle:
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
            header_end = 0
            batch_ends: list[int] = []
            records = 0
            highest: int | None = None
            number_index: int | None = None
            found = parse(handle, delimiter) if quoted else parse_unquoted(handle, delimiter)
            for record in found:
                if header is None:
                    header, header_end = record.cells, record.end
                    names = [name.strip().lower() for name in header]
                    if NUMBER_COLUMN in names:
                        number_index = names.index(NUMBER_COLUMN)
                    continue
                records += 1
                if records % batch_size == 0:
                    batch_ends.append(record.end)
                if number_index is not None and len(record.cells) == len(header):
                    number = parse_number(record.cells[number_index].strip())
                    if number is not None and (highest is None or number > highest):
                        highest = number
        except UnicodeDecodeError:
            raise DomainError("import.not_utf8") from None
        except BadCsv as exc:
            raise DomainError("import.bad_csv", line=exc.line) from None
    if header is None:
        raise DomainError("import.empty")
    return Scan(header, delimiter, records, highest, header_end, batch_size, batch_ends)


def has_quotes(path: Path) -> bool:
    """Whether the file holds a quote or NUL character anywhere, read as bytes (a quick
    pass: UTF-8 never has these bytes inside another character)."""
    try:
        with path.open("rb") as raw:
            while block := raw.read(1 << 20):
                if b'"' in block or b"\0" in block:
                    return True
    except OSError:
        return True  # `open_csv` reports why
    return False


def csv_chunks(path: Path, scan: Scan) -> Iterator[Chunk]:
    """The data lines of a file `scan_csv` has checked, cut where its batches end.

    Lines are what the file yields when iterated, as the CSV reader of the scan saw them, so
    parsing a chunk gives exactly the records (and line numbers) the scan found in it.
    """
    with open_csv(path) as handle:
        lines = iter(handle)
        for _ in itertools.islice(lines, scan.header_end):
            pass
        start = scan.header_end
        for end in scan.batch_ends:
            yield Chunk(start, "".join(itertools.islice(lines, end - start)))
            start = end
        if scan.records % scan.batch_size:
            yield Chunk(start, "".join(lines))


def check_header(header: Sequence[str]) -> list[str]:
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
