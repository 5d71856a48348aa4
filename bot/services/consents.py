"""Consents, disclosures and transfers (SPEC §7, notice §7–8)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select

from bot.domain.enums import CustomerStatus
from bot.domain.transfers import inside_eea, normalise_country
from bot.services.errors import DomainError
from bot.services.subjects import find_customer
from bot.services.unit import ServiceContext, Tx
from storage.models import Consent, Customer, Disclosure

BUILTIN_PURPOSES = ("partner_disclosure", "non_eea_transfer", "additional_data")
PARTNER_DISCLOSURE, NON_EEA_TRANSFER = BUILTIN_PURPOSES[0], BUILTIN_PURPOSES[1]
BASES = ("consent", "law")
_PURPOSE = re.compile(r"^[a-z][a-z0-9_]{1,59}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
MAX_TEXT = 2000


@dataclass(frozen=True)
class ConsentView:
    purpose: str
    given_at: dt.datetime
    withdrawn_at: dt.datetime | None
    recorded_by: str

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


@dataclass(frozen=True)
class ConsentChange:
    number: int
    purpose: str
    changed: bool
    at: dt.datetime


@dataclass(frozen=True)
class DisclosureRecord:
    number: int
    recipient: str
    basis: str
    country: str | None
    at: dt.datetime


class ConsentService:
    """Recording consent, and refusing disclosures and transfers that lack one."""

    def __init__(self, context: ServiceContext, extra_purposes: tuple[str, ...] = ()) -> None:
        self._context = context
        self._purposes = BUILTIN_PURPOSES + tuple(p for p in extra_purposes if p)

    @property
    def purposes(self) -> tuple[str, ...]:
        """Every purpose a consent may be recorded for."""
        return self._purposes

    def give(self, actor: str, ref: str, purpose: str, evidence: str | None) -> ConsentChange:
        """Record an active consent (once: giving it again changes nothing)."""
        purpose = self._check_purpose(purpose)
        _check_text(evidence)
        with self._context.transaction(actor) as tx:
            tx.authorize("consent.give")
            customer = _active_customer(tx, ref)
            if active_consent(tx, customer.id, purpose) is not None:
                tx.audit("consent.give", customer.number, detail=f"{purpose}: already active")
                return ConsentChange(customer.number, purpose, False, tx.now)
            consent = Consent(
                customer_id=customer.id,
                purpose=purpose,
                given_at=tx.now,
                evidence=evidence or None,
                recorded_by=actor,
            )
            tx.session.add(consent)
            tx.session.flush()
            tx.record_change(customer.id, "consent", consent.id, purpose, None, "given", "staff")
            tx.audit("consent.give", customer.number, detail=purpose)
            return ConsentChange(customer.number, purpose, True, tx.now)

    def withdraw(self, actor: str, ref: str, purpose: str, evidence: str | None) -> ConsentChange:
        """Withdraw the active consent; later disclosures relying on it are refused at once."""
        purpose = self._check_purpose(purpose)
        _check_text(evidence)
        with self._context.transaction(actor) as tx:
            tx.authorize("consent.withdraw")
            customer = find_customer(tx.session, ref)
            consent = active_consent(tx, customer.id, purpose)
            if consent is None:
                tx.audit("consent.withdraw", customer.number, detail=f"{purpose}: none active")
                return ConsentChange(customer.number, purpose, False, tx.now)
            consent.withdrawn_at = tx.now
            consent.withdrawn_by = actor
            if evidence:
                consent.evidence = (consent.evidence + "\n" if consent.evidence else "") + evidence
            tx.record_change(
                customer.id, "consent", consent.id, purpose, "given", "withdrawn", "staff"
            )
            tx.audit("consent.withdraw", customer.number, detail=purpose)
            return ConsentChange(customer.number, purpose, True, tx.now)

    def for_customer(self, tx: Tx, customer_id: int) -> list[ConsentView]:
        """Every consent of a customer, newest first (inside the caller's transaction)."""
        rows = tx.session.execute(
            select(Consent)
            .where(Consent.customer_id == customer_id)
            .order_by(Consent.given_at.desc())
        ).scalars()
        return [ConsentView(c.purpose, c.given_at, c.withdrawn_at, c.recorded_by) for c in rows]

    def disclose(
        self,
        actor: str,
        ref: str,
        *,
        recipient: str,
        basis: str,
        law: str | None = None,
        country: str | None = None,
        data: str | None = None,
    ) -> DisclosureRecord:
        """Record a disclosure, refusing it unless consent or law allows it (and any transfer)."""
        recipient = recipient.strip()
        if not recipient:
            raise DomainError("disclose.recipient_needed")
        if basis not in BASES:
            raise DomainError("disclose.bad_basis", value=basis, choices=", ".join(BASES))
        if basis == "law" and not (law or "").strip():
            raise DomainError("disclose.law_needed")
        code = None
        if country:
            code = normalise_country(country)
            if not _COUNTRY.match(code):
                raise DomainError("field.country", value=country)
        for text in (recipient, law, data):
            _check_text(text)
        with self._context.transaction(actor) as tx:
            tx.authorize("disclosure.record")
            customer = _active_customer(tx, ref)
            consent = None
            if basis == "consent":
                consent = active_consent(tx, customer.id, PARTNER_DISCLOSURE)
                if consent is None:
                    tx.audit(
                        "disclosure.record",
                        customer.number,
                        detail="refused: no consent",
                        outcome="refused",
                    )
                    tx.session.commit()
                    raise DomainError("disclose.no_consent", number=customer.number)
            transfer = None
            if code is not None and not inside_eea(code):
                transfer = active_consent(tx, customer.id, NON_EEA_TRANSFER)
                if transfer is None:
                    tx.audit(
                        "disclosure.record",
                        customer.number,
                        detail=f"refused: transfer to {code}",
                        outcome="refused",
                    )
                    tx.session.commit()
                    raise DomainError(
                        "disclose.no_transfer_consent", number=customer.number, country=code
                    )
            disclosure = Disclosure(
                customer_id=customer.id,
                at=tx.now,
                recipient=recipient,
                basis=basis,
                law_reference=(law or "").strip() or None,
                country=code,
                data_description=(data or "").strip() or None,
                consent_id=consent.id if consent else None,
                transfer_consent_id=transfer.id if transfer else None,
                recorded_by=actor,
            )
            tx.session.add(disclosure)
            tx.audit(
                "disclosure.record", customer.number, detail=f"basis={basis} country={code or '-'}"
            )
            return DisclosureRecord(customer.number, recipient, basis, code, tx.now)

    def _check_purpose(self, purpose: str) -> str:
        purpose = purpose.strip().lower()
        if not _PURPOSE.match(purpose) or purpose not in self._purposes:
            raise DomainError(
                "consent.bad_purpose", value=purpose, choices=", ".join(self._purposes)
            )
        return purpose


def active_consent(tx: Tx, customer_id: int, purpose: str) -> Consent | None:
    """The customer's active consent for a purpose, locked for this transaction."""
    return tx.session.execute(
        select(Consent)
        .where(
            Consent.customer_id == customer_id,
            Consent.purpose == purpose,
            Consent.withdrawn_at.is_(None),
        )
        .order_by(Consent.given_at.desc())
        .limit(1)
        .with_for_update()
    ).scalar_one_or_none()


def _active_customer(tx: Tx, ref: str) -> Customer:
    customer = find_customer(tx.session, ref)
    if customer.status == CustomerStatus.ERASED.value:
        raise DomainError("error.customer_erased", number=customer.number)
    return customer


def _check_text(text: str | None) -> None:
    if text is not None and len(text) > MAX_TEXT:
        raise DomainError("dsr.text_too_long", limit=MAX_TEXT)
