"""Links appended to the audit chain at the driver level (SPEC §6), in the transaction of the
use case they record: one locked read-modify-write of the chain's head, whatever the engine.

Every audited read is on a command's path, so the links are written with hand-written
statements in two round trips rather than through the ORM (docs/BENCHMARKS.md, "find and
show at 1 M"). The hashes are `bot.domain.audit_chain`'s; `regbot audit verify` checks them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy.engine import Connection, Dialect

from bot.domain.audit_chain import chain_links
from storage.raw import Params, bound_time, driver_run, driver_run_all

_INSERT_LINK = (
    "INSERT INTO audit_event"
    " (seq, at, actor, action, outcome, customer_number, detail, prev_hash, hash)"
    " VALUES (:seq, :at, :actor, :action, :outcome, :number, :detail, :prev, :hash)"
)


# The same with positional placeholders, for many rows.
_INSERT_LINKS = _INSERT_LINK.split(" VALUES ")[0] + " VALUES (" + ", ".join(["?"] * 9) + ")"


_READ_HEAD = "SELECT seq, hash FROM audit_head WHERE id = 1"


_LOCK_HEAD = _READ_HEAD + " FOR UPDATE"


_MOVE_HEAD = "UPDATE audit_head SET seq = :seq, hash = :hash WHERE id = 1"


# What `Tx.append_links` is given: action, customer numbers, detail, outcome.
Links = tuple[str, Sequence[int | None], str | None, str]


def append_links(
    connection: Connection,
    actor: str,
    now: dt.datetime,
    action: str,
    customer_numbers: Sequence[int | None],
    detail: str | None,
    outcome: str,
) -> None:
    """Append links to the audit chain in the connection's transaction (`append_links_at`)."""
    driver = connection.connection.driver_connection
    links: list[Links] = [(action, customer_numbers, detail, outcome)]
    append_links_at(driver, connection.dialect, actor, now, links)


def append_links_at(
    driver: Any, dialect: Dialect, actor: str, now: dt.datetime, links: list[Links]
) -> None:
    """Append links to the audit chain in the DBAPI connection's transaction, in one locked
    read-modify-write of the chain's head: its row lock (PostgreSQL) or the write lock that
    BEGIN IMMEDIATE took (SQLite) keeps every process appending in turn. Three driver-level
    statements in two round trips, since an audited read is on every command's path."""
    read = _LOCK_HEAD if dialect.name == "postgresql" else _READ_HEAD
    ((seq, previous),) = cast("list[tuple[int, str]]", driver_run(driver, dialect, read, {}))
    driver_run_all(driver, dialect, _link_writes(dialect, seq, previous, actor, now, links))


def append_in_two_round_trips(
    driver: Any, dialect: Dialect, actor: str, now: dt.datetime, links: list[Links]
) -> None:
    """`append_links_at` for a PostgreSQL connection in autocommit mode (`autocommitted`, which
    rolls back what an error leaves open): BEGIN and the head's lock in one round trip, the
    links, the head and COMMIT in the next."""
    head = driver_run_all(driver, dialect, [("BEGIN", {}), (_LOCK_HEAD, {})])
    ((seq, previous),) = cast("list[tuple[int, str]]", head)
    writes = _link_writes(dialect, seq, previous, actor, now, links)
    driver_run_all(driver, dialect, [*writes, ("COMMIT", {})])


def _link_writes(
    dialect: Dialect, seq: int, previous: str, actor: str, now: dt.datetime, links: list[Links]
) -> list[tuple[str, Params]]:
    """The statements that append `links` after the head (`seq`, `previous`) and move the
    head; none when there are no links."""
    at = bound_time(dialect, now)
    writes: list[tuple[str, Params]] = []
    for action, numbers, detail, outcome in links:
        chain = list(chain_links(previous, seq, now, actor, action, outcome, numbers, detail))
        if len(chain) > 1:
            # Many links (an import's, one per customer): positional rows bind in a third
            # less time than mappings, which matters at a million.
            rows = [
                (link_seq, at, actor, action, outcome, number, detail, prev, digest)
                for link_seq, number, prev, digest in chain
            ]
            writes.append((_INSERT_LINKS, rows))
        else:
            ((link_seq, number, prev, digest),) = chain
            link = {
                "seq": link_seq,
                "at": at,
                "actor": actor,
                "action": action,
                "outcome": outcome,
                "number": number,
                "detail": detail,
                "prev": prev,
                "hash": digest,
            }
            writes.append((_INSERT_LINK, link))
        seq, _, _, previous = chain[-1]
    if not writes:
        return []
    return [*writes, (_MOVE_HEAD, {"seq": seq, "hash": previous})]
