"""Correspondence use cases (SPEC §2.6, notice §5(f)): log an entry, list a customer's entries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from bot.domain.correspondence import clean_entry
from bot.domain.enums import CustomerStatus
from bot.services.errors import DomainError, InvalidInput
from bot.services.subjects import find_customer
from bot.services.unit import ServiceContext
from storage.models import Correspondence

DEFAULT_LIST = 10
MAX_LIST = 50


@dataclass(frozen=True)
class LogRequest:
    """Raw values of one entry, as typed or picked; `at` empty means now."""

    ref: str
    channel: str
    summary: str
    direction: str = ""
    at: str | None = None
    recording: str | None = None
    permalink: str | None = None


@dataclass(frozen=True)
class Logged:
    number: int
    entry_id: int
    channel: str
    direction: str
    occurred_at: dt.datetime
    has_permalink: bool


@dataclass(frozen=True)
class CorrespondenceEntry:
    id: int
    occurred_at: dt.datetime
    channel: str
    direction: str
    subject: str | None
    body: str | None
    recording_uri: str | None
    slack_permalink: str | None
    logged_by: str


@dataclass(frozen=True)
class CorrespondenceListing:
    number: int
    name: str
    entries: list[CorrespondenceEntry]
    total: int
    page: int
    per_page: int
    # The N asked for when it was more than a page holds (the listing shows MAX_LIST).
    clipped_from: int | None


class CorrespondenceService:
    """Logging and reading correspondence; every read and write is audited."""

    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def check_can_log(self, actor: str) -> None:
        """Refuse (audited) before a logging form is opened for someone who may not log."""
        with self._context.reading(actor) as tx:
            tx.authorize("comms.log")

    def log(self, actor: str, request: LogRequest) -> Logged:
        """Store one entry after validating every value; nothing is stored on a refusal."""
        with self._context.transaction(actor) as tx:
            tx.authorize("comms.log")
            cleaned = clean_entry(
                channel=request.channel,
                direction=request.direction,
                summary=request.summary,
                at=request.at,
                recording=request.recording,
                permalink=request.permalink,
                tz=tx.settings.tz,
                now=tx.now,
            )
            if cleaned.errors:
                raise InvalidInput(cleaned.errors)
            values = cleaned.values
            assert values is not None
            customer = find_customer(tx.session, request.ref)
            if customer.status == CustomerStatus.ERASED.value:
                raise DomainError("error.customer_erased", number=customer.number)
            entry = Correspondence(
                customer_id=customer.id,
                channel=values.channel,
                direction=values.direction,
                occurred_at=values.occurred_at,
                subject=values.subject,
                body=values.body,
                recording_uri=values.recording_uri,
                slack_permalink=values.slack_permalink,
                logged_by=tx.actor,
                created_at=tx.now,
            )
            tx.session.add(entry)
            tx.session.flush()
            tx.audit(
                "comms.log",
                customer.number,
                detail=f"entry {entry.id}: {values.channel}/{values.direction}",
            )
            return Logged(
                number=customer.number,
                entry_id=entry.id,
                channel=values.channel,
                direction=values.direction,
                occurred_at=values.occurred_at,
                has_permalink=values.slack_permalink is not None,
            )

    def list(
        self, actor: str, ref: str, count: int = DEFAULT_LIST, page: int = 1
    ) -> CorrespondenceListing:
        """A page of the customer's entries, newest first (at most MAX_LIST per page)."""
        if count < 1:
            raise DomainError("comms.bad_count", value=count)
        if page < 1:
            raise DomainError("comms.bad_page", value=page)
        per_page = min(count, MAX_LIST)
        with self._context.reading(actor) as tx:
            tx.authorize("comms.list")
            customer = find_customer(tx.session, ref)
            total = tx.session.execute(
                select(func.count()).where(Correspondence.customer_id == customer.id)
            ).scalar_one()
            rows = tx.session.execute(
                select(Correspondence)
                .where(Correspondence.customer_id == customer.id)
                .order_by(Correspondence.occurred_at.desc(), Correspondence.id.desc())
                .offset((page - 1) * per_page)
                .limit(per_page)
            ).scalars()
            entries = [
                CorrespondenceEntry(
                    id=r.id,
                    occurred_at=r.occurred_at,
                    channel=r.channel,
                    direction=r.direction,
                    subject=r.subject,
                    body=r.body,
                    recording_uri=r.recording_uri,
                    slack_permalink=r.slack_permalink,
                    logged_by=r.logged_by,
                )
                for r in rows
            ]
            tx.audit(
                "comms.list",
                customer.number,
                detail=f"page {page}, {len(entries)} of {total} entries",
            )
            return CorrespondenceListing(
                number=customer.number,
                name=customer.name,
                entries=entries,
                total=int(total),
                page=page,
                per_page=per_page,
                clipped_from=count if count > MAX_LIST else None,
            )
