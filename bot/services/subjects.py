"""Finding who a command is about (SPEC §2.11): the customer of a `REF`, or the contact person
or service user of a `REF/cN` or `REF/uN`, with a clear sentence for a person who is not there
or no longer is. Shared by every use case that takes a SUBJECT."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from bot.domain.business_id import InvalidBusinessId, canonical_business_id, looks_like_business_id
from bot.domain.enums import CustomerKind
from bot.domain.subjects import (
    InvalidSubject,
    Subject,
    SubjectKind,
    contact_label,
    parse_subject,
    user_label,
)
from bot.services.errors import DomainError, NotFound
from storage.models import ContactPerson, Customer, ServiceUser


@dataclass(frozen=True)
class Found:
    """A SUBJECT found: its customer, and the person within it if it names one."""

    customer: Customer
    contact: ContactPerson | None = None
    user: ServiceUser | None = None

    @property
    def label(self) -> str:
        """`10042`, `10042/c2` or `10042/u1`."""
        if self.contact is not None:
            return contact_label(self.customer.number, self.contact.ref)
        if self.user is not None:
            return user_label(self.customer.number, self.user.ref)
        return str(self.customer.number)

    @property
    def kind(self) -> SubjectKind:
        if self.contact is not None:
            return SubjectKind.CONTACT
        if self.user is not None:
            return SubjectKind.USER
        return SubjectKind.CUSTOMER

    @property
    def is_natural_person(self) -> bool:
        """A person in GDPR's sense: a contact, a service user or a person customer."""
        return self.kind is not SubjectKind.CUSTOMER or self.customer.kind == (
            CustomerKind.PERSON.value
        )


def subject_of(text: str) -> Subject:
    """The parsed SUBJECT, or the sentence that says what a SUBJECT looks like."""
    try:
        return parse_subject(text)
    except InvalidSubject as exc:
        raise DomainError(exc.key, ref=exc.text) from None


def find_subject(
    session: Session,
    text: str,
    *,
    kinds: frozenset[SubjectKind] = frozenset(SubjectKind),
    gone_ok: bool = False,
) -> Found:
    """The customer or person `text` names. A person who left or was erased is refused with
    when and why, unless `gone_ok` (e.g. to show a request about them)."""
    subject = subject_of(text)
    if subject.kind not in kinds:
        raise DomainError(_KIND_NEEDED.get(kinds, "error.subject_invalid"), ref=text.strip())
    customer = find_customer(session, subject.ref)
    if subject.kind is SubjectKind.CONTACT:
        contact = _by_ref(session, ContactPerson, customer.id, subject.n)
        if contact is None:
            raise NotFound("error.contact_not_found", number=customer.number, n=subject.n)
        found = Found(customer, contact=contact)
        if contact.removed_at is not None and not gone_ok:
            raise DomainError(
                "error.contact_removed"
                if contact.removed_reason == "left"
                else "error.person_erased",
                label=found.label,
                at=contact.removed_at.date().isoformat(),
            )
        return found
    if subject.kind is SubjectKind.USER:
        user = _by_ref(session, ServiceUser, customer.id, subject.n)
        if user is None:
            raise NotFound("error.user_not_found", number=customer.number, n=subject.n)
        found = Found(customer, user=user)
        if user.erased_at is not None and not gone_ok:
            raise DomainError(
                "error.person_erased", label=found.label, at=user.erased_at.date().isoformat()
            )
        return found
    return Found(customer)


_NUMBER = re.compile(r"^\d{1,7}$")
_BY_NUMBER = select(Customer).where(Customer.number == bindparam("number"))


def find_customer(session: Session, ref: str) -> Customer:
    """The customer a REF names: customer number, or business ID with or without the dash."""
    text = ref.strip()
    if _NUMBER.match(text):
        customer = session.execute(_BY_NUMBER, {"number": int(text)}).scalar_one_or_none()
    elif looks_like_business_id(text):
        try:
            business_id = canonical_business_id(text)
        except InvalidBusinessId:
            raise DomainError("error.ref_bad_business_id", ref=text) from None
        customer = session.execute(
            select(Customer).where(Customer.business_id == business_id)
        ).scalar_one_or_none()
    else:
        raise DomainError("error.ref_invalid", ref=text)
    if customer is None:
        raise NotFound("error.customer_not_found", ref=text)
    return customer


_KIND_NEEDED = {
    frozenset({SubjectKind.CONTACT}): "error.subject_not_contact",
    frozenset({SubjectKind.USER}): "error.subject_not_user",
    frozenset({SubjectKind.CUSTOMER, SubjectKind.CONTACT}): "error.subject_not_user_here",
}


def _by_ref(session: Session, model: Any, customer_id: int, n: int | None) -> Any:
    return session.execute(
        select(model).where(model.customer_id == customer_id, model.ref == n)
    ).scalar_one_or_none()


def next_ref(
    session: Session, model: type[ContactPerson] | type[ServiceUser], customer: Customer
) -> int:
    """The next N of `REF/cN` or `REF/uN`: one more than any the customer ever had, with the
    customer's row locked so that two people added at once get two numbers."""
    session.execute(select(Customer.id).where(Customer.id == customer.id).with_for_update())
    highest = session.execute(
        select(func.max(model.ref)).where(model.customer_id == customer.id)
    ).scalar_one()
    return int(highest or 0) + 1
