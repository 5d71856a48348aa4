"""The retention job (SPEC §5.6): purge what the register may no longer keep, and say how much."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Executable, delete, func, select, update

from bot.services.unit import SYSTEM_ACTOR, ServiceContext, Tx
from storage.models import DataSubjectRequest, Invoice, UsageEvent


@dataclass(frozen=True)
class RetentionReport:
    dry_run: bool
    usage_cutoff: dt.datetime
    usage_events: int
    invoices: int
    verification_codes: int


class RetentionService:
    """Purges old usage events, invoices past `retained_until` and expired one-time codes."""

    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def run(self, *, dry_run: bool = False) -> RetentionReport:
        """Delete (or, with dry_run, count) what is past its retention; one audit event."""
        with self._context.transaction(SYSTEM_ACTOR) as tx:
            cutoff = tx.now - dt.timedelta(days=tx.settings.usage_retention_days)
            today = tx.now.astimezone(tx.settings.tz).date()
            usage = UsageEvent.at < cutoff
            invoices = Invoice.retained_until.is_not(None) & (Invoice.retained_until < today)
            codes = DataSubjectRequest.code_hash.is_not(None) & (
                DataSubjectRequest.code_expires_at < tx.now
            )
            if dry_run:
                return RetentionReport(
                    True,
                    cutoff,
                    _count(tx, UsageEvent, usage),
                    _count(tx, Invoice, invoices),
                    _count(tx, DataSubjectRequest, codes),
                )
            report = RetentionReport(
                False,
                cutoff,
                _changed(tx, delete(UsageEvent).where(usage)),
                _changed(tx, delete(Invoice).where(invoices)),
                _changed(
                    tx,
                    update(DataSubjectRequest)
                    .where(codes)
                    .values(code_hash=None, code_expires_at=None),
                ),
            )
            tx.audit(
                "retention.run",
                detail=(
                    f"usage_events={report.usage_events} invoices={report.invoices} "
                    f"codes={report.verification_codes}"
                ),
            )
            return report


def _count(tx: Tx, model: object, condition: object) -> int:
    return int(
        tx.session.execute(select(func.count()).select_from(model).where(condition)).scalar_one()  # type: ignore[arg-type]
    )


def _changed(tx: Tx, statement: Executable) -> int:
    return int(getattr(tx.session.execute(statement), "rowcount", 0) or 0)
