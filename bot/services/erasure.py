"""Erasure (SPEC §5.6): anonymise every personal field, keep what the law requires, report both.

The customer row survives with its number (never reused) and status `erased`; invoices stay as
accounting records with minimal identifiers and a `retained_until` date
(bot/domain/retention.py).
Everything else that could identify the person is blanked in one transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Executable, delete, func, select, update

from bot.domain import field_history
from bot.domain.enums import CustomerStatus, RequestType
from bot.domain.retention import INVOICE_RULE, retained_until
from bot.services.customers import history_entry_count
from bot.services.errors import DomainError
from bot.services.faults import crash_point
from bot.services.requests import add_event, linked_request, request_label
from bot.services.subjects import find_customer
from bot.services.unit import ServiceContext, Tx
from storage import erasure_journal as journal
from storage.models import (
    BillingProfile,
    Consent,
    ContactPerson,
    Correspondence,
    Customer,
    DataSubjectRequest,
    Disclosure,
    FieldChange,
    Invoice,
    RequestEvent,
    ServiceUser,
    UsageEvent,
)

ERASED_MARK = "(erased)"
CLI_ACTOR = "cli"


@dataclass(frozen=True)
class ErasureItem:
    what: str
    count: int
    why: str = ""


@dataclass
class ErasureReport:
    number: int
    erased_at: dt.datetime
    removed: list[ErasureItem] = field(default_factory=list)
    retained: list[ErasureItem] = field(default_factory=list)
    request_number: int | None = None


@dataclass
class ReapplyReport:
    reapplied: list[int] = field(default_factory=list)
    already: list[int] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class ErasurePreview:
    number: int
    name: str
    counts: dict[str, int]
    invoices: int


class ErasureService:
    """Anonymises a customer and records it; refuses twice."""

    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def preview(self, actor: str, ref: str) -> ErasurePreview:
        """What an erasure would touch, for the confirmation step."""
        with self._context.transaction(actor) as tx:
            tx.authorize("customer.erase")
            customer = find_customer(tx.session, ref)
            _refuse_erased(customer)
            tx.audit("customer.erase_preview", customer.number)
            counts = {
                name: _count(tx, model, customer.id)
                for name, model in (
                    ("contacts", ContactPerson),
                    ("service_users", ServiceUser),
                    ("correspondence", Correspondence),
                    ("usage_events", UsageEvent),
                    ("consents", Consent),
                )
            }
            counts["field_history"] = history_entry_count(tx.session, customer.id)
            return ErasurePreview(
                customer.number, customer.name, counts, _count(tx, Invoice, customer.id)
            )

    def erase(self, actor: str, ref: str, *, request_number: int | None = None) -> ErasureReport:
        """Anonymise the customer everywhere; keep invoices until their retention ends."""
        with self._context.transaction(actor) as tx:
            tx.authorize("customer.erase")
            customer = find_customer(tx.session, ref)
            _refuse_erased(customer)
            request = linked_request(
                tx,
                customer.id,
                request_number,
                (RequestType.ERASURE.value,),
                "erase.wrong_request_type",
            )
            report = erase_customer(tx, customer)
            if request is not None:
                add_event(tx, request, "erased", None, None, f"customer {customer.number} erased")
                report.request_number = request.number
            tx.audit(
                "customer.erase",
                customer.number,
                detail=request_label(request.number) if request else None,
            )
            # Journal first, commit second: a journaled erasure that did not commit is simply
            # applied again by `regbot erasures reapply`; a committed one is never missing.
            journal.append(
                tx.settings.erasure_journal,
                journal.JournalEntry(
                    customer.number,
                    tx.now,
                    actor,
                    request_label(request.number) if request else None,
                ),
            )
            crash_point("erase.before_commit")
            return report

    def reapply_journal(self, *, dry_run: bool = False) -> ReapplyReport:
        """Erase again every journaled customer that this database still holds (after a restore)."""
        report = ReapplyReport()
        seen: set[int] = set()
        for entry in journal.read(self._context.settings.erasure_journal):
            if entry.customer_number in seen:
                continue
            seen.add(entry.customer_number)
            with self._context.transaction(CLI_ACTOR) as tx:
                customer = tx.session.execute(
                    select(Customer).where(Customer.number == entry.customer_number)
                ).scalar_one_or_none()
                if customer is None:
                    report.missing.append(entry.customer_number)
                    continue
                if customer.status == CustomerStatus.ERASED.value:
                    report.already.append(entry.customer_number)
                    continue
                report.reapplied.append(entry.customer_number)
                if dry_run:
                    continue
                erase_customer(tx, customer)
                tx.audit(
                    "customer.erase",
                    customer.number,
                    detail=f"re-applied from the erasure journal ({entry.erased_at:%Y-%m-%d})",
                )
        return report


def erase_customer(tx: Tx, customer: Customer) -> ErasureReport:
    """Blank every personal field of one customer inside the caller's transaction."""
    cid, s = customer.id, tx.session
    report = ErasureReport(number=customer.number, erased_at=tx.now)

    def removed(what: str, count: int) -> None:
        if count:
            report.removed.append(ErasureItem(what, count))

    fields = (
        "name", "business_id", "vat_id", "email", "phone", "street", "postal_code", "city",
    )  # fmt: skip
    removed("customer details", sum(1 for f in fields if getattr(customer, f)))
    customer.name = f"{ERASED_MARK} {customer.number}"
    customer.name_search = ""
    for name in fields[1:]:
        setattr(customer, name, None)
    customer.marketing_opt_out_by = None
    customer.status = CustomerStatus.ERASED.value
    customer.erased_at = tx.now
    customer.updated_at = tx.now

    removed(
        "contact persons",
        _changed(
            tx,
            update(ContactPerson)
            .where(ContactPerson.customer_id == cid)
            .values(name=ERASED_MARK, name_search="", title=None, email=None, phone=None),
        ),
    )
    users = list(s.execute(select(ServiceUser).where(ServiceUser.customer_id == cid)).scalars())
    for user in users:
        user.username = f"erased-{user.id}"
        user.name = user.name_search = user.email = None
        user.password_hash = None
        user.needs_rehash = False
        user.disabled = True
    removed("service users (names, e-mails and password hashes)", len(users))
    removed(
        "correspondence bodies, subjects, recording references and Slack links",
        _changed(
            tx,
            update(Correspondence)
            .where(Correspondence.customer_id == cid)
            .values(subject=None, body=None, recording_uri=None, slack_permalink=None),
        ),
    )
    removed(
        "usage events (usernames, IP addresses, details)",
        _changed(
            tx,
            update(UsageEvent)
            .where(UsageEvent.customer_id == cid)
            .values(username=None, source_ip=None, detail=None),
        ),
    )
    removed(
        "consent evidence",
        _changed(tx, update(Consent).where(Consent.customer_id == cid).values(evidence=None)),
    )
    removed(
        "disclosure descriptions",
        _changed(
            tx,
            update(Disclosure).where(Disclosure.customer_id == cid).values(data_description=None),
        ),
    )
    packed = s.execute(
        select(FieldChange.id, FieldChange.new_value).where(
            FieldChange.customer_id == cid, FieldChange.field == field_history.PACKED
        )
    ).all()
    for row_id, new_value in packed:
        # A packed row keeps its field names, as every other row keeps its field.
        s.execute(
            update(FieldChange)
            .where(FieldChange.id == row_id)
            .values(new_value=field_history.blank(new_value))
        )
    removed(
        "old and new values in the change history",
        sum(field_history.count(new_value) for _, new_value in packed)
        + _changed(
            tx,
            update(FieldChange)
            .where(FieldChange.customer_id == cid, FieldChange.field != field_history.PACKED)
            .values(old_value=None, new_value=None),
        ),
    )
    billing = _changed(tx, delete(BillingProfile).where(BillingProfile.customer_id == cid))
    removed("billing contact details", billing)
    requests = list(
        s.execute(
            select(DataSubjectRequest.id).where(DataSubjectRequest.customer_id == cid)
        ).scalars()
    )
    if requests:
        _changed(
            tx,
            update(DataSubjectRequest)
            .where(DataSubjectRequest.id.in_(requests))
            .values(requester=None, note=None, code_hash=None),
        )
        _changed(
            tx,
            update(RequestEvent)
            .where(RequestEvent.request_id.in_(requests), RequestEvent.kind == "created")
            .values(detail=None),
        )
        removed("requesters' names and notes on data-subject requests", len(requests))

    invoices = list(s.execute(select(Invoice).where(Invoice.customer_id == cid)).scalars())
    for invoice in invoices:
        invoice.retained_until = retained_until(INVOICE_RULE, invoice.invoice_date)
    if invoices:
        last = max(i.retained_until for i in invoices if i.retained_until)
        report.retained.append(
            ErasureItem(
                "invoices (number, date, amount, status)",
                len(invoices),
                f"accounting vouchers: {INVOICE_RULE.law}, {INVOICE_RULE.years} years from the "
                f"{INVOICE_RULE.anchor.value}; the last is kept until {last.isoformat()}",
            )
        )
    report.retained.append(
        ErasureItem(
            "customer number and status 'erased'",
            1,
            "so the number is never reused and the erasure itself is on record",
        )
    )
    if requests:
        report.retained.append(
            ErasureItem(
                "data-subject requests (type, dates, status, events)",
                len(requests),
                "evidence that the rights were honoured (GDPR Art. 5(2) accountability)",
            )
        )
    tx.record_change(cid, "customer", cid, "status", "active", "erased", "staff")
    return report


def _count(tx: Tx, model: Any, customer_id: int) -> int:
    return int(
        tx.session.execute(
            select(func.count()).select_from(model).where(model.customer_id == customer_id)
        ).scalar_one()
    )


def _changed(tx: Tx, statement: Executable) -> int:
    result = tx.session.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)


def _refuse_erased(customer: Customer) -> None:
    if customer.status == CustomerStatus.ERASED.value:
        raise DomainError("error.customer_erased", number=customer.number)
