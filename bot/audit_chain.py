"""The audit trail's hash chain (SPEC §6): each link hashes its fields and the link before."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
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
