"""Packed history rows: a customer's created fields as one `field_change` row (issue #6).

A customer created by `regbot import customers` has one history entry per given field, each
`None → value` with source `import`, all at the same moment by the same actor. An import of a
million customers stored ten million such rows, which took more of the import's time than the
customers themselves. The import now stores them as one packed row: `field` is `PACKED` and
`new_value` a JSON object of the fields and their values in the file's column order.

Whoever reads the history expands a packed row back into its entries (`expand`, and
`bot.services.customers.history_entry_count` to count them), so `/customer history`, the
access export and the erasure preview show and count exactly what one row per field showed.
Erasure keeps the field names and blanks the values (`blank`), as it blanks `old_value` and
`new_value` of every other row.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping

# No field is named `*`: a row with this field holds several fields' values.
PACKED = "*"
# Built once: `json.dumps` with options builds an encoder per call, a third of its time here.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def pack(values: Mapping[str, str | None]) -> str:
    """The packed `new_value` for the given fields' values, in their order."""
    return _ENCODER.encode(values)


def expand(
    field: str, old: str | None, new: str | None
) -> Iterator[tuple[str, str | None, str | None]]:
    """A history row's entries as (field, old, new), in the order they were given; a row
    that is not packed is its own one entry."""
    if field != PACKED:
        yield field, old, new
        return
    if new is None:
        return
    for name, value in json.loads(new).items():
        yield name, None, value


def count(new: str | None) -> int:
    """How many fields a packed row holds."""
    return 0 if new is None else len(json.loads(new))


def blank(new: str | None) -> str | None:
    """A packed `new_value` with the fields kept and every value erased."""
    if new is None:
        return None
    return pack(dict.fromkeys(json.loads(new)))
