"""Data-subject requests (SPEC §5.1–5.3, §5.7): record, assign, verify, extend, close."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select

from bot.domain.deadlines import days_left, due_date, extended_due_date
from bot.domain.enums import Channel, RequestStatus, RequestType, Source
from bot.domain.passwords import hash_password, verify_password
from bot.domain.permissions import may
from bot.domain.requests import (
    OPEN_STATUSES,
    OUTCOMES,
    VERIFIABLE_STATUSES,
    extension_refusal,
    is_marketing_objection,
    is_open,
    may_move,
)
from bot.domain.text import clip
from bot.services.customers import apply_opt_out
from bot.services.errors import DomainError, NotFound
from bot.services.subjects import find_customer
from bot.services.unit import ServiceContext, Tx
from storage.models import Customer, DataSubjectRequest, Notification, RequestEvent

LIST_FILTERS = ("open", "overdue", "mine", "all")
LIST_LIMIT = 100
CODE_DIGITS = 6
CODE_LIFETIME = dt.timedelta(hours=24)
CODE_ATTEMPTS = 5
MAX_TEXT = 2000
DUE_SOON_DAYS = 7


@dataclass(frozen=True)
class RequestSummary:
    number: int
    type: str
    status: str
    received_on: dt.date
    due_on: dt.date
    original_due_on: dt.date
    customer_number: int | None
    assignee: str | None
    extended: bool
    told_of_extension: bool
    days_left: int

    @property
    def label(self) -> str:
        return request_label(self.number)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass(frozen=True)
class EventView:
    at: dt.datetime
    actor: str
    kind: str
    from_status: str | None
    to_status: str | None
    detail: str | None


@dataclass(frozen=True)
class RequestDetail:
    summary: RequestSummary
    via: str | None
    requester: str | None
    note: str | None
    created_by: str
    created_at: dt.datetime
    extension_reason: str | None
    verified_at: dt.datetime | None
    verification_method: str | None
    code_pending: bool
    code_attempts_left: int
    outcome_reason: str | None
    events: list[EventView]


@dataclass(frozen=True)
class RequestList:
    filter: str
    items: list[RequestSummary]
    total: int


@dataclass(frozen=True)
class Created:
    summary: RequestSummary
    marketing_objection_applied: bool


@dataclass(frozen=True)
class CodeIssued:
    number: int
    code: str
    send_to: str
    expires_at: dt.datetime
    due_on: dt.date


@dataclass(frozen=True)
class CodeCheck:
    number: int
    ok: bool
    attempts_left: int
    locked: bool
    expired: bool
    due_on: dt.date


@dataclass(frozen=True)
class HomeRequests:
    mine: list[RequestSummary]
    unassigned: list[RequestSummary]
    overdue_count: int


def linked_request(
    tx: Tx,
    customer_id: int,
    number: int | None,
    allowed_types: tuple[str, ...],
    wrong_type_key: str,
) -> DataSubjectRequest | None:
    """The request an export or erasure is carried out for, checked to fit it (or None)."""
    if number is None:
        return None
    request = tx.session.execute(
        select(DataSubjectRequest).where(DataSubjectRequest.number == number)
    ).scalar_one_or_none()
    if request is None:
        raise DomainError("dsr.not_found", label=request_label(number))
    if request.type not in allowed_types:
        raise DomainError(wrong_type_key, label=request_label(number))
    if request.customer_id not in (None, customer_id):
        raise DomainError("export.other_customer", label=request_label(number))
    return request


def request_label(number: int) -> str:
    """The one way a request is named everywhere: `DSR-12`."""
    return f"DSR-{number}"


class RequestService:
    """Use cases on data-subject requests; every step is an event with actor and time."""

    def __init__(
        self, context: ServiceContext, on_notification: Callable[[], None] | None = None
    ) -> None:
        self._context = context
        self._on_notification = on_notification

    # --- recording -----------------------------------------------------------------------

    def create(
        self,
        actor: str,
        ref: str | None,
        type_name: str,
        *,
        received: dt.date | None = None,
        via: str | None = None,
        requester: str | None = None,
        note: str | None = None,
    ) -> Created:
        """Record a request; the due date follows from the receipt date (SPEC §5.3)."""
        request_type = _parse_type(type_name)
        if via is not None and via not in {c.value for c in Channel}:
            raise DomainError("dsr.bad_via", via=via, choices=", ".join(c.value for c in Channel))
        for text in (requester, note):
            if text is not None and len(text) > MAX_TEXT:
                raise DomainError("dsr.text_too_long", limit=MAX_TEXT)
        marketing = request_type is RequestType.OBJECTION and is_marketing_objection(note)
        with self._context.transaction(actor) as tx:
            tx.authorize("request.create")
            today = _today(tx)
            received = received or today
            if received > today:
                raise DomainError("dsr.future_receipt", date=received.isoformat())
            customer = find_customer(tx.session, ref) if ref else None
            if marketing and customer is None:
                raise DomainError("dsr.marketing_needs_customer")
            due = due_date(received)
            request = DataSubjectRequest(
                number=tx.next_number("request_number"),
                customer_id=customer.id if customer else None,
                type=request_type.value,
                status=RequestStatus.RECEIVED.value,
                received_on=received,
                due_on=due,
                original_due_on=due,
                via=via,
                requester=requester or None,
                note=note or None,
                created_by=actor,
                created_at=tx.now,
            )
            tx.session.add(request)
            tx.session.flush()
            add_event(
                tx, request, "created", None, RequestStatus.RECEIVED.value, request_type.value
            )
            if marketing:
                assert customer is not None
                _apply_marketing_objection(tx, request, customer)
            _enqueue_announcement(tx, request)
            tx.audit("request.create", _number_of(customer), detail=request_label(request.number))
            summary = _summary(tx, request, customer)
        self._notify()
        return Created(summary=summary, marketing_objection_applied=marketing)

    def link(self, actor: str, number: int, ref: str) -> RequestSummary:
        """Match a request recorded with `-` to its customer."""
        with self._context.transaction(actor) as tx:
            tx.authorize("request.link")
            request = _get(tx, number)
            _require_open(request)
            customer = find_customer(tx.session, ref)
            if request.customer_id is not None and request.customer_id != customer.id:
                raise DomainError("dsr.already_linked", label=request_label(number))
            request.customer_id = customer.id
            add_event(tx, request, "linked", None, None, f"customer {customer.number}")
            tx.audit("request.link", customer.number, detail=request_label(number))
            return _summary(tx, request, customer)

    # --- reading -------------------------------------------------------------------------

    def list(self, actor: str, which: str = "open") -> RequestList:
        """Open, overdue, the actor's own, or all requests, soonest due first."""
        if which not in LIST_FILTERS:
            raise DomainError("dsr.bad_filter", value=which, choices=", ".join(LIST_FILTERS))
        with self._context.reading(actor) as tx:
            tx.authorize("request.list")
            today = _today(tx)
            query = select(DataSubjectRequest)
            if which != "all":
                query = query.where(DataSubjectRequest.status.in_(OPEN_STATUSES))
            if which == "overdue":
                query = query.where(DataSubjectRequest.due_on < today)
            if which == "mine":
                query = query.where(DataSubjectRequest.assignee == actor)
            total = tx.session.execute(
                select(func.count()).select_from(query.subquery())
            ).scalar_one()
            rows = tx.session.execute(
                query.order_by(DataSubjectRequest.due_on, DataSubjectRequest.number).limit(
                    LIST_LIMIT
                )
            ).scalars()
            items = summaries(tx, list(rows))
            tx.audit("request.list", detail=f"{which}: {len(items)} shown")
            return RequestList(filter=which, items=items, total=total)

    def show(self, actor: str, number: int) -> RequestDetail:
        """Everything about one request, with its events."""
        with self._context.reading(actor) as tx:
            tx.authorize("request.show")
            request = _get(tx, number)
            customer = (
                tx.session.get(Customer, request.customer_id) if request.customer_id else None
            )
            tx.audit("request.show", _number_of(customer), detail=request_label(number))
            return RequestDetail(
                summary=_summary(tx, request, customer),
                via=request.via,
                requester=request.requester,
                note=request.note,
                created_by=request.created_by,
                created_at=request.created_at,
                extension_reason=request.extension_reason,
                verified_at=request.verified_at,
                verification_method=request.verification_method,
                code_pending=request.code_hash is not None,
                code_attempts_left=max(CODE_ATTEMPTS - request.code_attempts, 0),
                outcome_reason=request.outcome_reason,
                events=[
                    EventView(e.at, e.actor, e.kind, e.from_status, e.to_status, e.detail)
                    for e in request.events
                ],
            )

    def home(self, actor: str) -> HomeRequests:
        """The actor's open requests, unassigned ones and the overdue count (App Home)."""
        with self._context.reading(actor) as tx:
            role = tx.role_of(actor)
            if not may(role, "home.requests"):
                return HomeRequests(mine=[], unassigned=[], overdue_count=0)
            open_ = DataSubjectRequest.status.in_(OPEN_STATUSES)
            order = (DataSubjectRequest.due_on, DataSubjectRequest.number)
            mine = tx.session.execute(
                select(DataSubjectRequest)
                .where(open_, DataSubjectRequest.assignee == actor)
                .order_by(*order)
                .limit(20)
            ).scalars()
            unassigned = tx.session.execute(
                select(DataSubjectRequest)
                .where(open_, DataSubjectRequest.assignee.is_(None))
                .order_by(*order)
                .limit(20)
            ).scalars()
            overdue = tx.session.execute(
                select(func.count()).where(open_, DataSubjectRequest.due_on < _today(tx))
            ).scalar_one()
            return HomeRequests(
                mine=summaries(tx, list(mine)),
                unassigned=summaries(tx, list(unassigned)),
                overdue_count=overdue,
            )

    # --- working -------------------------------------------------------------------------

    def assign(self, actor: str, number: int, assignee: str) -> RequestSummary:
        """Give the request to a staff member who may work requests."""
        with self._context.transaction(actor) as tx:
            tx.authorize("request.assign")
            request = _get(tx, number)
            _require_open(request)
            if not may(tx.role_of(assignee), "request.be_assigned"):
                raise DomainError("dsr.assignee_cannot_work", user=assignee)
            if request.assignee != assignee:
                previous = request.assignee
                request.assignee = assignee
                add_event(tx, request, "assigned", None, None, f"{previous or '-'} -> {assignee}")
            tx.audit("request.assign", _customer_number(tx, request), detail=request_label(number))
            return _summary(tx, request, None)

    def send_code(self, actor: str, number: int) -> CodeIssued:
        """A fresh one-time code (shown once) and the registered address to send it to."""
        with self._context.transaction(actor) as tx:
            tx.authorize("request.verify")
            request = _get(tx, number)
            if request.status not in VERIFIABLE_STATUSES:
                raise DomainError("dsr.verify_not_needed", label=request_label(number))
            customer = (
                tx.session.get(Customer, request.customer_id) if request.customer_id else None
            )
            if customer is None:
                raise DomainError("dsr.needs_customer", label=request_label(number))
            send_to = customer.email or customer.phone
            if not send_to:
                raise DomainError("dsr.no_address", number=customer.number)
            code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
            request.code_hash = hash_password(code)
            request.code_expires_at = tx.now + CODE_LIFETIME
            request.code_attempts = 0
            _transition(tx, request, RequestStatus.VERIFYING.value, "code_sent", "one-time code")
            tx.audit("request.code_sent", customer.number, detail=request_label(number))
            return CodeIssued(number, code, send_to, request.code_expires_at, request.due_on)

    def check_code(self, actor: str, number: int, code: str) -> CodeCheck:
        """Check a code the requester gave back; five wrong tries lock it."""
        with self._context.transaction(actor) as tx:
            tx.authorize("request.verify")
            request = _get(tx, number)
            if request.status != RequestStatus.VERIFYING.value or request.code_hash is None:
                raise DomainError("dsr.no_code", label=request_label(number))
            customer_number = _customer_number(tx, request)
            if request.code_expires_at is None or request.code_expires_at <= tx.now:
                request.code_hash = None
                add_event(tx, request, "code_expired", None, None, None)
                tx.audit("request.code_checked", customer_number, detail="expired")
                return CodeCheck(
                    number, False, 0, locked=False, expired=True, due_on=request.due_on
                )
            if verify_password(request.code_hash, code.strip()).ok:
                request.code_hash = None
                request.verified_at = tx.now
                request.verification_method = "one-time code"
                _transition(
                    tx, request, RequestStatus.IN_PROGRESS.value, "verified", "one-time code"
                )
                tx.audit("request.code_checked", customer_number, detail="ok")
                return CodeCheck(
                    number, True, 0, locked=False, expired=False, due_on=request.due_on
                )
            request.code_attempts += 1
            left = CODE_ATTEMPTS - request.code_attempts
            if left <= 0:
                request.code_hash = None
                add_event(tx, request, "code_locked", None, None, f"{CODE_ATTEMPTS} wrong codes")
            else:
                add_event(tx, request, "code_failed", None, None, f"{left} attempts left")
            tx.audit("request.code_checked", customer_number, detail="wrong")
            return CodeCheck(
                number,
                ok=False,
                attempts_left=max(left, 0),
                locked=left <= 0,
                expired=False,
                due_on=request.due_on,
            )

    def verify_by_method(self, actor: str, number: int, method: str) -> RequestSummary:
        """Record another verification method (e.g. strong electronic identification)."""
        method = method.strip()
        if not method:
            raise DomainError("dsr.method_empty")
        if len(method) > 300:
            raise DomainError("dsr.text_too_long", limit=300)
        with self._context.transaction(actor) as tx:
            tx.authorize("request.verify")
            request = _get(tx, number)
            if request.status not in VERIFIABLE_STATUSES:
                raise DomainError("dsr.verify_not_needed", label=request_label(number))
            request.code_hash = None
            request.verified_at = tx.now
            request.verification_method = method
            _transition(tx, request, RequestStatus.IN_PROGRESS.value, "verified", method)
            tx.audit(
                "request.verified", _customer_number(tx, request), detail=request_label(number)
            )
            return _summary(tx, request, None)

    # --- executing -----------------------------------------------------------------------

    def extend(self, actor: str, number: int, reason: str) -> RequestSummary:
        """Extend once, within the first month, to three months from receipt, with a reason."""
        reason = reason.strip()
        if not reason:
            raise DomainError("dsr.reason_needed")
        if len(reason) > MAX_TEXT:
            raise DomainError("dsr.text_too_long", limit=MAX_TEXT)
        with self._context.transaction(actor) as tx:
            tx.authorize("request.extend")
            request = _get(tx, number)
            _require_open(request)
            refusal = extension_refusal(
                extended=request.extended_at is not None,
                today=_today(tx),
                original_due=request.original_due_on,
            )
            if refusal is not None:
                raise DomainError(
                    refusal, label=request_label(number), due=request.original_due_on.isoformat()
                )
            old_due = request.due_on
            request.due_on = extended_due_date(request.received_on)
            request.extended_at = tx.now
            request.extension_reason = reason
            add_event(
                tx, request, "extended", None, None, f"{old_due} -> {request.due_on}: {reason}"
            )
            tx.audit("request.extend", _customer_number(tx, request), detail=request_label(number))
            return _summary(tx, request, None)

    def mark_told(self, actor: str, number: int) -> RequestSummary:
        """Record that the requester was told of the extension and its reasons."""
        with self._context.transaction(actor) as tx:
            tx.authorize("request.told")
            request = _get(tx, number)
            if request.extended_at is None:
                raise DomainError("dsr.not_extended", label=request_label(number))
            if request.requester_told_of_extension_at is None:
                request.requester_told_of_extension_at = tx.now
                add_event(tx, request, "requester_told", None, None, "told of the extension")
            tx.audit("request.told", _customer_number(tx, request), detail=request_label(number))
            return _summary(tx, request, None)

    def close(self, actor: str, number: int, outcome: str, reason: str) -> RequestSummary:
        """Close as fulfilled, refused or withdrawn, with a reason."""
        target = OUTCOMES.get(outcome.lower())
        if target is None:
            raise DomainError("dsr.bad_outcome", value=outcome, choices=", ".join(OUTCOMES))
        reason = reason.strip()
        if not reason:
            raise DomainError("dsr.reason_needed")
        if len(reason) > MAX_TEXT:
            raise DomainError("dsr.text_too_long", limit=MAX_TEXT)
        with self._context.transaction(actor) as tx:
            tx.authorize("request.close")
            request = _get(tx, number)
            _transition(tx, request, target, "closed", reason)
            request.closed_at = tx.now
            request.outcome_reason = reason
            request.code_hash = None
            tx.audit("request.close", _customer_number(tx, request), detail=request_label(number))
            return _summary(tx, request, None)

    def check_can_execute(self, actor: str) -> None:
        """Refuse (audited) before a close/extend form is opened for someone who may not."""
        with self._context.reading(actor) as tx:
            tx.authorize("request.execute")

    def _notify(self) -> None:
        if self._on_notification is not None:
            self._on_notification()


# --- helpers shared with the reminder service ----------------------------------------------


def summaries(tx: Tx, requests: list[DataSubjectRequest]) -> list[RequestSummary]:
    """Summaries for many requests with one customer-number lookup."""
    ids = {r.customer_id for r in requests if r.customer_id is not None}
    numbers: dict[int, int] = {}
    if ids:
        rows = tx.session.execute(select(Customer.id, Customer.number).where(Customer.id.in_(ids)))
        numbers = {customer_id: number for customer_id, number in rows}
    today = _today(tx)
    return [_summary_from(r, numbers.get(r.customer_id or -1), today) for r in requests]


def _summary(tx: Tx, request: DataSubjectRequest, customer: Customer | None) -> RequestSummary:
    number = customer.number if customer is not None else _customer_number(tx, request)
    return _summary_from(request, number, _today(tx))


def _summary_from(
    request: DataSubjectRequest, customer_number: int | None, today: dt.date
) -> RequestSummary:
    return RequestSummary(
        number=request.number,
        type=request.type,
        status=request.status,
        received_on=request.received_on,
        due_on=request.due_on,
        original_due_on=request.original_due_on,
        customer_number=customer_number,
        assignee=request.assignee,
        extended=request.extended_at is not None,
        told_of_extension=request.requester_told_of_extension_at is not None,
        days_left=days_left(request.due_on, today),
    )


def _today(tx: Tx) -> dt.date:
    return tx.now.astimezone(tx.settings.tz).date()


def _get(tx: Tx, number: int) -> DataSubjectRequest:
    request = tx.session.execute(
        select(DataSubjectRequest).where(DataSubjectRequest.number == number).with_for_update()
    ).scalar_one_or_none()
    if request is None:
        raise NotFound("dsr.not_found", label=request_label(number))
    return request


def _customer_number(tx: Tx, request: DataSubjectRequest) -> int | None:
    if request.customer_id is None:
        return None
    return tx.session.execute(
        select(Customer.number).where(Customer.id == request.customer_id)
    ).scalar_one()


def _number_of(customer: Customer | None) -> int | None:
    return customer.number if customer is not None else None


def _require_open(request: DataSubjectRequest) -> None:
    if not is_open(request.status):
        raise DomainError("dsr.closed", label=request_label(request.number), status=request.status)


def _transition(
    tx: Tx, request: DataSubjectRequest, target: str, kind: str, detail: str | None
) -> None:
    current = request.status
    if current == target:
        add_event(tx, request, kind, None, None, detail)
        return
    if not may_move(current, target):
        raise DomainError(
            "dsr.bad_transition",
            label=request_label(request.number),
            current=current,
            target=target,
        )
    request.status = target
    add_event(tx, request, kind, current, target, detail)


def add_event(
    tx: Tx,
    request: DataSubjectRequest,
    kind: str,
    from_status: str | None,
    to_status: str | None,
    detail: str | None,
) -> None:
    """Record one step of a request's life, with the actor and time of the transaction."""
    tx.session.add(
        RequestEvent(
            request_id=request.id,
            at=tx.now,
            actor=tx.actor,
            kind=kind,
            from_status=from_status,
            to_status=to_status,
            detail=clip(detail, 1000) if detail else None,
        )
    )


def _parse_type(name: str) -> RequestType:
    try:
        return RequestType(name.strip().lower())
    except ValueError:
        raise DomainError(
            "dsr.bad_type", value=name, choices=", ".join(t.value for t in RequestType)
        ) from None


def _apply_marketing_objection(tx: Tx, request: DataSubjectRequest, customer: Customer) -> None:
    # Art. 21(2)-(3): an objection to direct marketing is applied at once, no balancing test
    # and no identity check beyond knowing whose marketing to stop.
    if not customer.marketing_opt_out:
        apply_opt_out(tx, customer, source=Source.CUSTOMER)
    request.verified_at = tx.now
    request.verification_method = "not required: objection to direct marketing (Art. 21(3))"
    _transition(
        tx, request, RequestStatus.IN_PROGRESS.value, "verified", request.verification_method
    )
    _transition(tx, request, RequestStatus.COMPLETED.value, "closed", "marketing opt-out applied")
    request.closed_at = tx.now
    request.outcome_reason = "Direct marketing stopped (Art. 21(3)); opt-out recorded."


def _enqueue_announcement(tx: Tx, request: DataSubjectRequest) -> None:
    channel = tx.settings.reminder_channel
    if not channel:
        return
    tx.session.add(
        Notification(
            key=f"new:{request_label(request.number)}",
            kind="new_request",
            request_id=request.id,
            target=channel,
            payload={"numbers": [request.number]},
            created_at=tx.now,
            next_attempt_at=tx.now,
        )
    )
