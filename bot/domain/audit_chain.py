"""The audit trail's hash chain (SPEC §6): each link hashes its fields and the link before."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class Link:
    seq: int
    at: dt.datetime
    actor: str
    action: str
    outcome: str
    customer_number: int | None
    detail: str | None
    prev_hash: str
    hash: str


def link_hash(
    prev_hash: str,
    seq: int,
    at: dt.datetime,
    actor: str,
    action: str,
    outcome: str,
    customer_number: int | None,
    detail: str | None,
) -> str:
    """SHA-256 over the previous hash and a canonical JSON form of the link's fields."""
    fields = {
        "seq": seq,
        "at": at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": actor,
        "action": action,
        "outcome": outcome,
        "customer": customer_number,
        "detail": detail,
    }
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(f"{prev_hash}|{canonical}".encode()).hexdigest()


def chain_links(
    prev_hash: str,
    seq: int,
    at: dt.datetime,
    actor: str,
    action: str,
    outcome: str,
    customer_numbers: Sequence[int | None],
    detail: str | None,
) -> Iterator[tuple[int, int | None, str, str]]:
    """(seq, customer number, previous hash, hash) of the links that follow `seq`, one per
    customer number, all else alike: `link_hash`'s hashes, with the fields every link shares
    encoded once rather than once per link (a bulk import appends a link per row)."""
    head, tail = canonical_affixes(at, actor, action, outcome, detail)
    for number in customer_numbers:
        seq += 1
        customer = "null" if number is None else str(int(number))
        canonical = f"{head}{customer}{tail}{seq}}}"
        digest = hashlib.sha256(f"{prev_hash}|{canonical}".encode()).hexdigest()
        yield seq, number, prev_hash, digest
        prev_hash = digest


def canonical_affixes(
    at: dt.datetime, actor: str, action: str, outcome: str, detail: str | None
) -> tuple[str, str]:
    """`link_hash`'s canonical JSON of a link, but for its customer number and seq: the text
    before the number, and the text between it and the seq (the JSON then ends with `}`).

    Keys sorted (action, actor, at, customer, detail, outcome, seq), no spaces, ASCII only,
    as json.dumps writes each value alone. The hash is then SHA-256 of
    `{previous hash}|{head}{number or null}{tail}{seq}}}`, which PostgreSQL can compute too
    (`bot.services.looking`, links appended in the statement that lists the customers).
    """
    when = at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    head = (
        f'{{"action":{json.dumps(action)},"actor":{json.dumps(actor)},'
        f'"at":{json.dumps(when)},"customer":'
    )
    tail = f',"detail":{json.dumps(detail)},"outcome":{json.dumps(outcome)},"seq":'
    return head, tail


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str | None = None


def verify_chain(links: Iterable[Link], head_seq: int, head_hash: str) -> ChainReport:
    """Walk the links in order; report the first one whose order, back-link or hash is wrong."""
    expected_prev, expected_seq, checked = GENESIS_HASH, 1, 0
    for link in links:
        if link.seq != expected_seq:
            return ChainReport(False, checked, expected_seq, "missing or reordered link")
        if link.prev_hash != expected_prev:
            return ChainReport(False, checked, link.seq, "does not point to the link before")
        recomputed = link_hash(
            link.prev_hash,
            link.seq,
            link.at,
            link.actor,
            link.action,
            link.outcome,
            link.customer_number,
            link.detail,
        )
        if recomputed != link.hash:
            return ChainReport(False, checked, link.seq, "content does not match its hash")
        expected_prev, expected_seq, checked = link.hash, link.seq + 1, checked + 1
    if head_seq != expected_seq - 1 or head_hash != expected_prev:
        return ChainReport(False, checked, expected_seq, "links after this one were removed")
    return ChainReport(True, checked)
