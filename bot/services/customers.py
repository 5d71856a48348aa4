"""Customer use cases: find, show, create, update, history, contacts, service users, opt-out."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.domain import field_history
from bot.domain.customer_fields import (
    CUSTOMER_FIELDS,
    FieldError,
    clean_contact_fields,
    clean_customer_fields,
    clean_service_user_fields,
)
from bot.domain.enums import CustomerStatus, Source
from bot.domain.passwords import hash_password, is_importable_hash, needs_rehash, verify_password
from bot.domain.permissions import may
from bot.domain.subjects import contact_label, user_label
from bot.domain.text import fold
from bot.services.errors import DomainError, InvalidInput
from bot.services.search import (
    FIND_COUNT_CAP,
    FIND_MAX_WORDS,
    CustomerSummary,
    find_matches,
    keep_samples,
)
from bot.services.subjects import find_customer, next_ref
from bot.services.unit import SYSTEM_ACTOR, ServiceContext, Tx
from bot.services.usage import UsageSummary, usage_summary
from storage.models import (
    BillingProfile,
    Consent,
    ContactPerson,
    Customer,
    FieldChange,
    Invoice,
    ServiceUser,
)

HISTORY_LIMIT = 200
_NUMBER = re.compile(r"^\d{1,7}$")


@dataclass(frozen=True)
class FindResult:
    hits: list[CustomerSummary]
    total: int
    # True when more than FIND_COUNT_CAP customers match: `total` is then the cap, a lower bound.
    capped: bool = False


@dataclass(frozen=True)
class ContactView:
    name: str
    title: str | None
    email: str | None
    phone: str | None


@dataclass(frozen=True)
class ServiceUserView:
    username: str
    name: str | None
    email: str | None
    disabled: bool
    has_password: bool
    needs_rehash: bool
    last_login_at: dt.datetime | None


@dataclass(frozen=True)
class ContractView:
    product: str
    plan: str | None
    start_date: dt.date | None
    end_date: dt.date | None
    status: str
    reference: str | None


@dataclass(frozen=True)
class BillingView:
    billing_email: str | None
    billing_address: str | None
    einvoice_address: str | None
    einvoice_operator: str | None
    payment_terms_days: int | None
    invoice_count: int
    open_amount_cents: int


@dataclass(frozen=True)
class CustomerCard:
    number: int
    kind: str
    name: str
    business_id: str | None
    vat_id: str | None
    email: str | None
    phone: str | None
    street: str | None
    postal_code: str | None
    city: str | None
    country: str
    language: str
    status: str
    marketing_opt_out: bool
    marketing_opt_out_at: dt.datetime | None
    marketing_opt_out_by: str | None
    marketing_opt_out_source: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    contacts: list[ContactView]
    service_users: list[ServiceUserView]
    contracts: list[ContractView]
    billing: BillingView | None
    withheld: tuple[str, ...]
    # Service usage (notice §5(h)); None when the role may not read usage logs.
    usage: UsageSummary | None = None
    # Consents, newest first (notice §7–8); withdrawn ones stay listed with their date.
    consents: tuple[ConsentLine, ...] = ()


@dataclass(frozen=True)
class ConsentLine:
    purpose: str
    given_at: dt.datetime
    withdrawn_at: dt.datetime | None


@dataclass(frozen=True)
class HistoryEntry:
    at: dt.datetime
    actor: str
    entity: str
    field: str
    old: str | None
    new: str | None
    source: str


@dataclass(frozen=True)
class History:
    number: int
    entries: list[HistoryEntry]
    total: int


@dataclass(frozen=True)
class Created:
    number: int
    name: str


@dataclass(frozen=True)
class Updated:
    number: int
    changed: list[str]


# Statements on every card's path, built once (building one costs more than running it).
_CONSENTS = (
    select(Consent.purpose, Consent.given_at, Consent.withdrawn_at)
    .where(Consent.customer_id == bindparam("customer_id"))
    .order_by(Consent.given_at.desc(), Consent.id.desc())
    .limit(20)
)


class CustomerService:
    """Use cases on customers and their contacts and service users."""

    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def find(self, actor: str, text: str) -> FindResult:
        """Ranked matches over number, business ID, name, email, phone, contacts and users."""
        query = text.strip()
        with self._context.looking(actor) as look:
            look.require("customer.find")
            folded = fold(query)
            if len(folded) < 2 and not query.isdigit():
                raise DomainError("error.find_too_short")
            # The words the search sees: `fold` turns some marks (`´`, `¨`) into spaces.
            if len(folded.split()) > FIND_MAX_WORDS:
                raise DomainError("error.find_too_many_words", limit=FIND_MAX_WORDS)
            hits, total = find_matches(
                look, query, "customer.find", detail="listed in search results"
            )
            if total > FIND_COUNT_CAP:
                return FindResult(hits=hits, total=FIND_COUNT_CAP, capped=True)
            return FindResult(hits=hits, total=total)

    def keep_search_samples(self) -> int:
        """Take again the samples of names that searches of several words steer by, where
        they are missing or stale (`search.keep_samples`); how many were taken."""
        with self._context.looking(SYSTEM_ACTOR) as look:
            return keep_samples(look)

    def show(self, actor: str, ref: str) -> CustomerCard:
        """The customer card, with sections the actor's role may not read left out."""
        with self._context.reading(actor) as tx:
            role = tx.authorize("customer.show")
            customer = find_customer(tx.session, ref)
            withheld: list[str] = []
            billing = None
            if may(role, "customer.card.billing"):
                billing = _billing_view(tx.session, customer)
            else:
                withheld.append("billing")
            usage = None
            if may(role, "customer.card.usage"):
                usage = usage_summary(tx.session, customer.id, tx.now)
            else:
                withheld.append("correspondence")
            consents = tuple(
                ConsentLine(purpose, given_at, withdrawn_at)
                for purpose, given_at, withdrawn_at in tx.session.execute(
                    _CONSENTS, {"customer_id": customer.id}
                )
            )
            tx.audit("customer.show", customer.number)
            return replace(_card(customer, billing, tuple(withheld), usage), consents=consents)

    def create(
        self, actor: str, raw: Mapping[str, str], *, source: Source = Source.STAFF
    ) -> Created:
        """Create a customer from raw values, all validated first; returns its new number."""
        with self._context.transaction(actor) as tx:
            tx.authorize("customer.create")
            customer = create_customer(tx, raw, source=source)
            tx.audit("customer.create", customer.number)
            return Created(number=customer.number, name=customer.name)

    def update(
        self, actor: str, ref: str, raw: Mapping[str, str], *, source: Source = Source.STAFF
    ) -> Updated:
        """Change fields all or nothing; every changed field is written to the history."""
        if not raw:
            raise DomainError("error.set_nothing")
        with self._context.transaction(actor) as tx:
            tx.authorize("customer.update")
            customer = find_customer(tx.session, ref)
            _refuse_if_erased(customer)
            changed = apply_customer_changes(tx, customer, raw, source=source)
            tx.audit("customer.update", customer.number, detail=_fields_detail(changed))
            return Updated(number=customer.number, changed=changed)

    def check_can_edit(self, actor: str) -> None:
        """Refuse (audited) before a create form is opened for someone who may not create."""
        with self._context.reading(actor) as tx:
            tx.authorize("customer.create")

    def current_values(self, actor: str, ref: str) -> tuple[int, dict[str, str]]:
        """The editable fields of a customer as text, to prefill the edit modal."""
        with self._context.reading(actor) as tx:
            tx.authorize("customer.update")
            customer = find_customer(tx.session, ref)
            _refuse_if_erased(customer)
            tx.audit("customer.show", customer.number, detail="edit form")
            values = {
                name: str(value)
                for name in CUSTOMER_FIELDS
                if (value := getattr(customer, name)) is not None
            }
            return customer.number, values

    def history(self, actor: str, ref: str) -> History:
        """The customer's field changes, newest first, with who, when, old → new and source."""
        with self._context.reading(actor) as tx:
            tx.authorize("customer.history")
            customer = find_customer(tx.session, ref)
            total = history_entry_count(tx.session, customer.id)
            rows = tx.session.execute(
                select(FieldChange)
                .where(FieldChange.customer_id == customer.id)
                .order_by(FieldChange.at.desc(), FieldChange.id.desc())
                .limit(HISTORY_LIMIT)
            ).scalars()
            entries: list[HistoryEntry] = []
            for r in rows:
                # Newest first: a packed row's fields were given first to last.
                expanded = list(field_history.expand(r.field, r.old_value, r.new_value))
                entries.extend(
                    HistoryEntry(
                        at=r.at,
                        actor=r.actor,
                        entity=r.entity,
                        field=name,
                        old=old,
                        new=new,
                        source=r.source,
                    )
                    for name, old, new in reversed(expanded)
                )
            del entries[HISTORY_LIMIT:]
            tx.audit("customer.history", customer.number)
            return History(number=customer.number, entries=entries, total=total)

    def add_contact(self, actor: str, ref: str, raw: Mapping[str, str]) -> tuple[str, str]:
        """Add a contact person to an organisation customer; their reference (`REF/cN`) and
        name."""
        cleaned = clean_contact_fields(raw)
        if cleaned.errors:
            raise InvalidInput(cleaned.errors)
        with self._context.transaction(actor) as tx:
            tx.authorize("contact.add")
            customer = find_customer(tx.session, ref)
            _refuse_if_erased(customer)
            contact = add_contact_person(tx, customer, cleaned.values, source=Source.STAFF)
            tx.audit("contact.add", customer.number, detail=f"c{contact.ref}")
            return contact_label(customer.number, contact.ref), contact.name

    def add_service_user(
        self,
        actor: str,
        ref: str,
        raw: Mapping[str, str],
        *,
        password: str | None = None,
        imported_hash: str | None = None,
        source: Source = Source.STAFF,
    ) -> tuple[str, str]:
        """Add a service user; a password is hashed at once, an imported hash kept as given.
        Their reference (`REF/uN`) and username."""
        cleaned = clean_service_user_fields(raw)
        if cleaned.errors:
            raise InvalidInput(cleaned.errors)
        if imported_hash is not None and not is_importable_hash(imported_hash):
            raise InvalidInput({"password_hash": FieldError("field.password_hash")})
        with self._context.transaction(actor) as tx:
            tx.authorize("service_user.add")
            customer = find_customer(tx.session, ref)
            _refuse_if_erased(customer)
            username = cleaned.values["username"] or ""
            taken = tx.session.execute(
                select(ServiceUser.id).where(ServiceUser.username == username)
            ).first()
            if taken is not None:
                raise InvalidInput({"username": FieldError("field.username_taken")})
            stored_hash = hash_password(password) if password else imported_hash
            name = cleaned.values.get("name")
            user = ServiceUser(
                customer_id=customer.id,
                ref=next_ref(tx.session, ServiceUser, customer),
                username=username,
                name=name,
                name_search=fold(name) if name else None,
                email=cleaned.values.get("email"),
                password_hash=stored_hash,
                needs_rehash=bool(stored_hash) and needs_rehash(stored_hash or ""),
                created_at=tx.now,
            )
            tx.session.add(user)
            tx.session.flush()
            for key, value in cleaned.values.items():
                tx.record_change(
                    customer.id, "service_user", user.id, key, None, value, source.value
                )
            if stored_hash:
                # The history says a password was set, never what it was.
                tx.record_change(
                    customer.id, "service_user", user.id, "password", None, "(set)", source.value
                )
            customer.updated_at = tx.now
            tx.audit("service_user.add", customer.number, detail=f"u{user.ref}")
            return user_label(customer.number, user.ref), username

    def verify_service_user_login(self, username: str, password: str) -> bool:
        """Check a service user's password; replace an outdated or legacy hash on success."""
        with self._context.transaction("system") as tx:
            user = tx.session.execute(
                select(ServiceUser).where(ServiceUser.username == username)
            ).scalar_one_or_none()
            if user is None or user.disabled or not user.password_hash:
                return False
            result = verify_password(user.password_hash, password)
            if not result.ok:
                return False
            if result.new_hash is not None:
                user.password_hash = result.new_hash
                tx.record_change(
                    user.customer_id,
                    "service_user",
                    user.id,
                    "password",
                    "(legacy hash)",
                    "(rehashed)",
                    Source.SERVICE_USER.value,
                )
            user.needs_rehash = False
            user.last_login_at = tx.now
            return True

    def opt_out(self, actor: str, ref: str, *, source: Source = Source.STAFF) -> tuple[int, bool]:
        """Record that the customer forbids direct marketing; False when it already had."""
        with self._context.transaction(actor) as tx:
            tx.authorize("customer.optout")
            customer = find_customer(tx.session, ref)
            _refuse_if_erased(customer)
            if customer.marketing_opt_out:
                tx.audit("customer.optout", customer.number, detail="already opted out")
                return customer.number, False
            apply_opt_out(tx, customer, source=source)
            tx.audit("customer.optout", customer.number)
            return customer.number, True


def add_contact_person(
    tx: Tx, customer: Customer, values: Mapping[str, str | None], *, source: Source
) -> ContactPerson:
    """Insert one validated contact person (the customer's next `REF/cN`) and its history."""
    name = values["name"] or ""
    contact = ContactPerson(
        customer_id=customer.id,
        ref=next_ref(tx.session, ContactPerson, customer),
        name=name,
        name_search=fold(name),
        title=values.get("title"),
        email=values.get("email"),
        phone=values.get("phone"),
        created_at=tx.now,
    )
    tx.session.add(contact)
    tx.session.flush()
    for key, value in values.items():
        tx.record_change(customer.id, "contact", contact.id, key, None, value, source.value)
    customer.updated_at = tx.now
    return contact


def apply_opt_out(tx: Tx, customer: Customer, *, source: Source) -> None:
    """Set the marketing opt-out with when, who and source, and record it in the history."""
    customer.marketing_opt_out = True
    customer.marketing_opt_out_at = tx.now
    customer.marketing_opt_out_by = tx.actor
    customer.marketing_opt_out_source = source.value
    customer.updated_at = tx.now
    tx.record_change(
        customer.id, "customer", customer.id, "marketing_opt_out", False, True, source.value
    )


def create_customer(
    tx: Tx, raw: Mapping[str, str], *, source: Source, number: int | None = None
) -> Customer:
    """Validate and insert one customer inside the caller's transaction."""
    cleaned = clean_customer_fields(raw, creating=True)
    if cleaned.errors:
        raise InvalidInput(cleaned.errors)
    values = cleaned.values
    business_id = values.get("business_id")
    if business_id is not None:
        _refuse_duplicate_business_id(tx.session, business_id, None)
    if number is None:
        number = tx.next_number("customer_number")
    else:
        taken = tx.session.execute(select(Customer.id).where(Customer.number == number)).first()
        if taken is not None:
            raise InvalidInput(
                {"customer_number": FieldError("field.number_taken", {"value": str(number)})}
            )
        tx.bump_counter("customer_number", number)
    name = values["name"] or ""
    customer = Customer(
        number=number,
        kind=values.get("kind") or "company",
        name=name,
        name_search=fold(name),
        business_id=business_id,
        vat_id=values.get("vat_id"),
        email=values.get("email"),
        phone=values.get("phone"),
        street=values.get("street"),
        postal_code=values.get("postal_code"),
        city=values.get("city"),
        country=values.get("country") or "FI",
        language=values.get("language") or "fi",
        status=CustomerStatus.ACTIVE.value,
        marketing_opt_out=False,
        created_at=tx.now,
        updated_at=tx.now,
    )
    tx.session.add(customer)
    try:
        tx.session.flush()
    except IntegrityError:
        # Another transaction took the business ID between our check and our insert.
        raise InvalidInput(
            {"business_id": FieldError("field.business_id_taken", {"number": "?"})}
        ) from None
    for key, value in values.items():
        if value is not None:
            tx.record_change(customer.id, "customer", customer.id, key, None, value, source.value)
    return customer


def history_entry_count(session: Session, customer_id: int) -> int:
    """How many entries the customer's history has, a packed row's counted one by one."""
    mine = FieldChange.customer_id == customer_id
    plain = session.execute(
        select(func.count()).where(mine, FieldChange.field != field_history.PACKED)
    )
    packed = session.execute(
        select(FieldChange.new_value).where(mine, FieldChange.field == field_history.PACKED)
    )
    return plain.scalar_one() + sum(field_history.count(new) for new in packed.scalars())


def apply_customer_changes(
    tx: Tx, customer: Customer, raw: Mapping[str, str], *, source: Source
) -> list[str]:
    """Validate every value first, then change them all; returns the names that changed."""
    merged_country = raw.get("country") or customer.country
    cleaned = clean_customer_fields({**raw}, creating=False, default_region=merged_country)
    if cleaned.errors:
        raise InvalidInput(cleaned.errors)
    business_id = cleaned.values.get("business_id")
    if business_id is not None and business_id != customer.business_id:
        _refuse_duplicate_business_id(tx.session, business_id, customer.id)
    changed: list[str] = []
    for key, value in cleaned.values.items():
        if key == "name" and not value:
            continue
        old = getattr(customer, key)
        if old == value:
            continue
        setattr(customer, key, value)
        if key == "name":
            customer.name_search = fold(value or "")
        tx.record_change(customer.id, "customer", customer.id, key, old, value, source.value)
        changed.append(key)
    if changed:
        customer.updated_at = tx.now
    return changed


def _refuse_duplicate_business_id(session: Session, business_id: str, own_id: int | None) -> None:
    existing = session.execute(
        select(Customer.number, Customer.id).where(Customer.business_id == business_id)
    ).first()
    if existing is not None and existing.id != own_id:
        raise InvalidInput(
            {"business_id": FieldError("field.business_id_taken", {"number": str(existing.number)})}
        )


def _refuse_if_erased(customer: Customer) -> None:
    if customer.status == CustomerStatus.ERASED.value:
        raise DomainError("error.customer_erased", number=customer.number)


def _fields_detail(changed: Sequence[str]) -> str:
    return "fields: " + ",".join(changed) if changed else "no change"


def _billing_statement() -> Any:
    """The billing profile with the invoice count and open amount: one statement, built once."""
    invoices = Invoice.customer_id == bindparam("customer_id")
    return (
        select(
            BillingProfile.billing_email,
            BillingProfile.billing_street,
            BillingProfile.billing_postal_code,
            BillingProfile.billing_city,
            BillingProfile.einvoice_address,
            BillingProfile.einvoice_operator,
            BillingProfile.payment_terms_days,
            select(func.count(Invoice.id)).where(invoices).scalar_subquery(),
            select(func.coalesce(func.sum(Invoice.amount_cents), 0))
            .where(invoices, Invoice.status != "paid")
            .scalar_subquery(),
        )
        .select_from(Customer)
        .outerjoin(BillingProfile, BillingProfile.customer_id == Customer.id)
        .where(Customer.id == bindparam("customer_id"))
    )


_BILLING = _billing_statement()


def _billing_view(session: Session, customer: Customer) -> BillingView:
    """What the card shows of billing."""
    row = session.execute(_BILLING, {"customer_id": customer.id}).one()
    email, street, postal_code, city, einvoice, operator, terms, count, open_cents = row
    address = ", ".join(p for p in (street, postal_code, city) if p) or None
    return BillingView(
        billing_email=email,
        billing_address=address,
        einvoice_address=einvoice,
        einvoice_operator=operator,
        payment_terms_days=terms,
        invoice_count=int(count),
        open_amount_cents=int(open_cents),
    )


def _card(
    customer: Customer,
    billing: BillingView | None,
    withheld: tuple[str, ...],
    usage: UsageSummary | None = None,
) -> CustomerCard:
    return CustomerCard(
        number=customer.number,
        kind=customer.kind,
        name=customer.name,
        business_id=customer.business_id,
        vat_id=customer.vat_id,
        email=customer.email,
        phone=customer.phone,
        street=customer.street,
        postal_code=customer.postal_code,
        city=customer.city,
        country=customer.country,
        language=customer.language,
        status=customer.status,
        marketing_opt_out=customer.marketing_opt_out,
        marketing_opt_out_at=customer.marketing_opt_out_at,
        marketing_opt_out_by=customer.marketing_opt_out_by,
        marketing_opt_out_source=customer.marketing_opt_out_source,
        created_at=customer.created_at,
        updated_at=customer.updated_at,
        contacts=[ContactView(c.name, c.title, c.email, c.phone) for c in customer.contacts],
        service_users=[
            ServiceUserView(
                username=u.username,
                name=u.name,
                email=u.email,
                disabled=u.disabled,
                has_password=u.password_hash is not None,
                needs_rehash=u.needs_rehash,
                last_login_at=u.last_login_at,
            )
            for u in customer.service_users
        ],
        contracts=[
            ContractView(c.product, c.plan, c.start_date, c.end_date, c.status, c.reference)
            for c in customer.contracts
        ],
        billing=billing,
        withheld=withheld,
        usage=usage,
    )
