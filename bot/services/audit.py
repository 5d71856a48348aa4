"""The audit trail: who accessed a customer, and whether the hash chain is intact (SPEC §6)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.domain.audit_chain import ChainReport, Link, verify_chain
from bot.services.subjects import find_customer
from bot.services.unit import ServiceContext
from storage.models import AuditEvent, AuditHead

AUDIT_LIST_LIMIT = 100


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: dt.datetime
    actor: str
    action: str
    outcome: str
    detail: str | None


@dataclass(frozen=True)
class AuditListing:
    number: int
    entries: list[AuditEntry]
    total: int


class AuditService:
    """Reading the audit trail (itself audited) and verifying its chain."""

    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def for_customer(self, actor: str, ref: str) -> AuditListing:
        """Who accessed or changed the customer, newest first."""
        with self._context.reading(actor) as tx:
            tx.authorize("audit.read")
            customer = find_customer(tx.session, ref)
            total = tx.session.execute(
                select(func.count()).where(AuditEvent.customer_number == customer.number)
            ).scalar_one()
            rows = tx.session.execute(
                select(AuditEvent)
                .where(AuditEvent.customer_number == customer.number)
                .order_by(AuditEvent.seq.desc())
                .limit(AUDIT_LIST_LIMIT)
            ).scalars()
            entries = [
                AuditEntry(r.seq, r.at, r.actor, r.action, r.outcome, r.detail) for r in rows
            ]
            tx.audit("audit.read", customer.number)
            return AuditListing(number=customer.number, entries=entries, total=total)

    def verify(self, anchor: tuple[int, str] | None = None) -> ChainReport:
        """Walk the whole chain in order and report the first broken link.

        `anchor` is a (seq, hash) pair recorded earlier outside the database (`regbot audit
        head`): the chain must still hold that link, which catches rows cut from the end
        together with a rewritten head.
        """
        with self._context.sessions() as session:
            head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one()
            report = verify_chain(_links(session), head.seq, head.hash)
            if not report.ok or anchor is None:
                return report
            seq, digest = anchor
            stored = session.execute(
                select(AuditEvent.hash).where(AuditEvent.seq == seq)
            ).scalar_one_or_none()
            if stored != digest:
                return ChainReport(False, report.checked, seq, "does not match the recorded anchor")
            return report

    def head(self) -> tuple[int, str]:
        """The chain's last link (seq, hash), to record outside the database as an anchor."""
        with self._context.sessions() as session:
            head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one()
            return head.seq, head.hash


def _links(session: Session, batch: int = 5000) -> Iterator[Link]:
    last = 0
    while True:
        rows = (
            session.execute(
                select(AuditEvent)
                .where(AuditEvent.seq > last)
                .order_by(AuditEvent.seq)
                .limit(batch)
            )
            .scalars()
            .all()
        )
        if not rows:
            return
        for r in rows:
            yield Link(
                r.seq,
                r.at,
                r.actor,
                r.action,
                r.outcome,
                r.customer_number,
                r.detail,
                r.prev_hash,
                r.hash,
            )
        last = rows[-1].seq
        session.expunge_all()
