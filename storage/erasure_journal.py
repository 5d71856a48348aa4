"""The erasure journal: an append-only file of erasures, kept apart from the database.

A restore from a backup taken before an erasure would bring the erased data back. Each erasure
is therefore also appended here — customer number, time, actor and request, never personal data —
before its transaction commits, and `regbot erasures reapply` (run by `regbot restore`) erases
again every journaled customer that a restored database still holds.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class JournalEntry:
    customer_number: int
    erased_at: dt.datetime
    actor: str
    request: str | None


def append(path: Path, entry: JournalEntry) -> None:
    """Append one entry and make it durable (fsync) before the erasure commits."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(
        {
            "customer_number": entry.customer_number,
            "erased_at": entry.erased_at.astimezone(dt.UTC).isoformat(),
            "actor": entry.actor,
            "request": entry.request,
        },
        separators=(",", ":"),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def read(path: Path) -> Iterator[JournalEntry]:
    """Every entry, oldest first; a torn last line (crash mid-write) is skipped."""
    if not path.exists():
        return
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                data = json.loads(line)
                yield JournalEntry(
                    customer_number=int(data["customer_number"]),
                    erased_at=dt.datetime.fromisoformat(data["erased_at"]),
                    actor=str(data["actor"]),
                    request=data.get("request"),
                )
            except (ValueError, KeyError, TypeError):
                continue
