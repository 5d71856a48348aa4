"""Reminders through a Notification outbox (SPEC §5.4): each reminder is sent exactly once.

A sweep first *enqueues* what is due today — a channel digest and one direct message per
assignee — as outbox rows with unique keys (kind, target, day), inserted with ON CONFLICT DO
NOTHING, so a sweep run twice or by two processes adds nothing new. It then *delivers* pending
rows: each is claimed in a short transaction (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite
serialises writers), sent outside any transaction, and marked sent or left pending for the next
try when Slack fails. Nothing is lost: a failed row stays in the outbox.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.domain.enums import NotificationStatus
from bot.domain.requests import OPEN_STATUSES
from bot.services.faults import crash_point
from bot.services.requests import RequestSummary, summaries
from bot.services.unit import SYSTEM_ACTOR, ServiceContext, Tx
from storage.models import DataSubjectRequest, Notification

logger = logging.getLogger("regbot.reminders")

DUE_SOON_DAYS = 7
CLAIM_FOR = dt.timedelta(minutes=2)
CLAIM_BATCH = 20
MAX_ATTEMPTS = 50
MAX_BACKOFF = dt.timedelta(minutes=30)


@dataclass(frozen=True)
class OutgoingNotification:
    """What a sender needs to post one outbox row."""

    id: int
    key: str
    kind: str
    target: str
    day: str
    sections: dict[str, list[RequestSummary]]


@dataclass(frozen=True)
class Delivery:
    """The outcome of one send: where it landed, or why not."""

    ok: bool
    channel: str | None = None
    ts: str | None = None
    error: str | None = None
    retry_after: float | None = None


class NotificationSender(Protocol):
    """Posts outbox rows to Slack (implemented in handlers/notifications.py)."""

    def send(self, notification: OutgoingNotification) -> Delivery: ...


@dataclass
class SweepReport:
    day: str
    planned: list[str] = field(default_factory=list)
    enqueued: int = 0
    sent: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class ReminderService:
    """The daily sweep and the outbox delivery loop."""

    def __init__(self, context: ServiceContext, sender: NotificationSender | None = None) -> None:
        self._context = context
        self._sender = sender

    def sweep(self, *, dry_run: bool = False) -> SweepReport:
        """Enqueue today's digest and DMs (unless already enqueued), then deliver pending ones."""
        with self._context.transaction(SYSTEM_ACTOR) as tx:
            report = SweepReport(day=_today(tx).isoformat())
            rows = _due_notifications(tx, report)
            report.planned = [f"{r['kind']} → {r['target']}" for r in rows]
            if dry_run:
                existing = set(
                    tx.session.execute(
                        select(Notification.key).where(
                            Notification.key.in_([r["key"] for r in rows])
                        )
                    ).scalars()
                )
                report.planned = [
                    f"{r['kind']} → {r['target']}"
                    + (" (already sent or queued)" if r["key"] in existing else "")
                    for r in rows
                ]
                return report
            report.enqueued = _insert_new(tx, rows)
            tx.audit("reminders.sweep", detail=f"day {report.day}: {report.enqueued} new")
        crash_point("sweep.after_enqueue")
        delivered = self.deliver_pending()
        report.sent, report.failed, report.errors = (
            delivered.sent,
            delivered.failed,
            delivered.errors,
        )
        return report

    def deliver_pending(self) -> SweepReport:
        """Send every pending outbox row that is due; failures stay pending for a later try."""
        report = SweepReport(day="")
        if self._sender is None:
            report.notes.append("no Slack sender configured")
            return report
        attempted: set[int] = set()
        while True:
            batch = self._claim(attempted)
            if not batch:
                return report
            crash_point("sweep.after_claim")
            for notification in batch:
                attempted.add(notification.id)
                try:
                    delivery = self._sender.send(notification)
                except Exception:
                    logger.exception("sending a notification failed unexpectedly")
                    delivery = Delivery(ok=False, error="unexpected error")
                self._record(notification, delivery, report)

    def _claim(self, attempted: set[int]) -> list[OutgoingNotification]:
        with self._context.transaction(SYSTEM_ACTOR) as tx:
            query = (
                select(Notification)
                .where(
                    Notification.status == NotificationStatus.PENDING.value,
                    Notification.next_attempt_at <= tx.now,
                    or_(Notification.claimed_until.is_(None), Notification.claimed_until < tx.now),
                )
                .order_by(Notification.id)
                .limit(CLAIM_BATCH)
                .with_for_update(skip_locked=True)
            )
            if attempted:
                query = query.where(Notification.id.not_in(attempted))
            rows = list(tx.session.execute(query).scalars())
            claimed = []
            for row in rows:
                row.claimed_until = tx.now + CLAIM_FOR
                claimed.append(_outgoing(tx, row))
            return claimed

    def _record(
        self, notification: OutgoingNotification, delivery: Delivery, report: SweepReport
    ) -> None:
        with self._context.transaction(SYSTEM_ACTOR) as tx:
            row = tx.session.get(Notification, notification.id, with_for_update=True)
            if row is None:
                return
            row.claimed_until = None
            row.attempts += 1
            if delivery.ok:
                row.status = NotificationStatus.SENT.value
                row.sent_at = tx.now
                row.slack_channel, row.slack_ts = delivery.channel, delivery.ts
                row.last_error = None
                report.sent += 1
                return
            error = (delivery.error or "unknown")[:300]
            row.last_error = error
            report.failed += 1
            report.errors.append(f"{notification.kind} {notification.key}: {error}")
            if row.attempts >= MAX_ATTEMPTS:
                row.status = NotificationStatus.FAILED.value
                logger.error(
                    "gave up on notification %s after %s attempts: %s", row.key, row.attempts, error
                )
                return
            wait = dt.timedelta(seconds=delivery.retry_after or 0)
            row.next_attempt_at = tx.now + min(wait, MAX_BACKOFF)
            logger.warning("notification %s not delivered (%s); it stays queued", row.key, error)


def _today(tx: Tx) -> dt.date:
    return tx.now.astimezone(tx.settings.tz).date()


def _due_notifications(tx: Tx, report: SweepReport) -> list[dict[str, Any]]:
    today = _today(tx)
    soon = today + dt.timedelta(days=DUE_SOON_DAYS)
    open_ = DataSubjectRequest.status.in_(OPEN_STATUSES)
    due = list(
        tx.session.execute(
            select(DataSubjectRequest)
            .where(open_, DataSubjectRequest.due_on <= soon)
            .order_by(DataSubjectRequest.due_on, DataSubjectRequest.number)
        ).scalars()
    )
    unassigned = list(
        tx.session.execute(
            select(DataSubjectRequest.number)
            .where(open_, DataSubjectRequest.assignee.is_(None))
            .order_by(DataSubjectRequest.due_on, DataSubjectRequest.number)
        ).scalars()
    )
    to_tell = list(
        tx.session.execute(
            select(DataSubjectRequest)
            .where(
                open_,
                DataSubjectRequest.extended_at.is_not(None),
                DataSubjectRequest.requester_told_of_extension_at.is_(None),
                DataSubjectRequest.original_due_on >= today,
            )
            .order_by(DataSubjectRequest.number)
        ).scalars()
    )
    overdue = [r.number for r in due if r.due_on < today]
    due_soon = [r.number for r in due if r.due_on >= today]
    rows: list[dict[str, Any]] = []
    channel = tx.settings.reminder_channel
    if channel and (overdue or due_soon or unassigned):
        rows.append(
            _row(
                tx,
                f"digest:{channel}:{today}",
                "digest",
                channel,
                {
                    "overdue": overdue,
                    "due_soon": due_soon,
                    "unassigned": unassigned,
                    "day": str(today),
                },
            )
        )
    elif not channel:
        report.notes.append("REGBOT_REMINDER_CHANNEL is not set: no channel digest")
    per_user: dict[str, dict[str, list[int]]] = defaultdict(
        lambda: {"overdue": [], "due_soon": [], "tell": []}
    )
    for r in due:
        if r.assignee:
            per_user[r.assignee]["overdue" if r.due_on < today else "due_soon"].append(r.number)
    for r in to_tell:
        if r.assignee:
            per_user[r.assignee]["tell"].append(r.number)
    for user, sections in sorted(per_user.items()):
        rows.append(
            _row(tx, f"dm:{user}:{today}", "assignee_dm", user, {**sections, "day": str(today)})
        )
    return rows


def _row(tx: Tx, key: str, kind: str, target: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "key": key,
        "kind": kind,
        "target": target,
        "payload": payload,
        "status": NotificationStatus.PENDING.value,
        "attempts": 0,
        "created_at": tx.now,
        "next_attempt_at": tx.now,
    }


def _insert_new(tx: Tx, rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    dialect = tx.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(Notification)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(Notification.id)
    )
    return len(tx.session.execute(statement).all())


def _outgoing(tx: Tx, row: Notification) -> OutgoingNotification:
    payload = row.payload or {}
    numbers = sorted(
        {n for key, value in payload.items() if isinstance(value, list) for n in value}
    )
    requests = (
        list(
            tx.session.execute(
                select(DataSubjectRequest).where(DataSubjectRequest.number.in_(numbers))
            ).scalars()
        )
        if numbers
        else []
    )
    by_number = {s.number: s for s in summaries(tx, requests)}
    sections = {
        key: [by_number[n] for n in value if n in by_number]
        for key, value in payload.items()
        if isinstance(value, list)
    }
    return OutgoingNotification(
        id=row.id,
        key=row.key,
        kind=row.kind,
        target=row.target,
        day=str(payload.get("day", "")),
        sections=sections,
    )
