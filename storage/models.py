"""The register's tables: every entity of SPEC §2, as SQLAlchemy 2 typed models.

Times are stored in UTC (timezone-aware on PostgreSQL, naive-as-UTC on SQLite; the
`UtcDateTime` type makes both come back aware). Free text is stored as given.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.domain.enums import (
    CustomerKind,
    CustomerStatus,
    NotificationStatus,
    RequestStatus,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and always returned timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware UTC time")
        value = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Counter(Base):
    """Named sequences (customer numbers, request numbers); locked row by row to hand out values."""

    __tablename__ = "counter"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    next_value: Mapped[int] = mapped_column(BigInteger)


class Customer(Base):
    __tablename__ = "customer"

    __table_args__ = (
        # Substring search on PostgreSQL (pg_trgm); SQLite uses the FTS5 table `customer_fts`
        # that migration 0002 creates and triggers keep in step (see trigram_index below).
        # Every search reads the index's pending list: the smallest one (migration 0004).
        Index(
            "ix_customer_name_search_trgm",
            "name_search",
            postgresql_using="gin",
            postgresql_ops={"name_search": "gin_trgm_ops"},
            postgresql_with={"gin_pending_list_limit": 64},
        ),
        # Name prefixes (`LIKE 'text%'`) by B-tree on PostgreSQL, whatever its collation.
        Index(
            "ix_customer_name_search_prefix",
            "name_search",
            postgresql_ops={"name_search": "text_pattern_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[int] = mapped_column(BigInteger, unique=True)
    kind: Mapped[str] = mapped_column(String(16), default=CustomerKind.COMPANY.value)
    name: Mapped[str] = mapped_column(String(300))
    # Case- and accent-folded copy of the name, for search.
    name_search: Mapped[str] = mapped_column(String(300), index=True)
    business_id: Mapped[str | None] = mapped_column(String(9), unique=True)
    vat_id: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    street: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    city: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2), default="FI")
    language: Mapped[str] = mapped_column(String(2), default="fi")
    status: Mapped[str] = mapped_column(String(16), default=CustomerStatus.ACTIVE.value, index=True)
    marketing_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    marketing_opt_out_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    marketing_opt_out_by: Mapped[str | None] = mapped_column(String(40))
    marketing_opt_out_source: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=_now)
    erased_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # Restriction of processing (Art. 18): when, by whom, and the request it serves.
    restricted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    restricted_by: Mapped[str | None] = mapped_column(String(40))
    restricted_request: Mapped[int | None] = mapped_column(Integer)

    contacts: Mapped[list[ContactPerson]] = relationship(
        back_populates="customer", order_by="ContactPerson.id"
    )
    service_users: Mapped[list[ServiceUser]] = relationship(
        back_populates="customer", order_by="ServiceUser.id"
    )
    contracts: Mapped[list[Contract]] = relationship(
        back_populates="customer", order_by="Contract.id"
    )
    billing: Mapped[BillingProfile | None] = relationship(back_populates="customer")


class ContactPerson(Base):
    __tablename__ = "contact_person"
    __table_args__ = (
        Index(
            "ix_contact_person_name_search_trgm",
            "name_search",
            postgresql_using="gin",
            postgresql_ops={"name_search": "gin_trgm_ops"},
            postgresql_with={"gin_pending_list_limit": 64},
        ),
        # Name prefixes (`LIKE 'text%'`) by B-tree on PostgreSQL, whatever its collation.
        Index(
            "ix_contact_person_name_search_prefix",
            "name_search",
            postgresql_ops={"name_search": "text_pattern_ops"},
        ),
        Index("ix_contact_person_customer_ref", "customer_id", "ref", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    # The N of `REF/cN`: counted from 1 within the customer, never reused.
    ref: Mapped[int] = mapped_column(Integer, server_default="0")
    name: Mapped[str] = mapped_column(String(200))
    name_search: Mapped[str] = mapped_column(String(200), index=True)
    title: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=_now)
    # A contact who left the customer (`left`) or was erased (`erased`), anonymised.
    removed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    removed_reason: Mapped[str | None] = mapped_column(String(16))
    marketing_opt_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    marketing_opt_out_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    marketing_opt_out_by: Mapped[str | None] = mapped_column(String(40))
    marketing_opt_out_source: Mapped[str | None] = mapped_column(String(32))
    restricted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    restricted_by: Mapped[str | None] = mapped_column(String(40))
    restricted_request: Mapped[int | None] = mapped_column(Integer)

    customer: Mapped[Customer] = relationship(back_populates="contacts")


class ServiceUser(Base):
    __tablename__ = "service_user"
    __table_args__ = (
        Index(
            "ix_service_user_name_search_trgm",
            "name_search",
            postgresql_using="gin",
            postgresql_ops={"name_search": "gin_trgm_ops"},
            postgresql_with={"gin_pending_list_limit": 64},
        ),
        # Name prefixes (`LIKE 'text%'`) by B-tree on PostgreSQL, whatever its collation.
        Index(
            "ix_service_user_name_search_prefix",
            "name_search",
            postgresql_ops={"name_search": "text_pattern_ops"},
        ),
        Index("ix_service_user_customer_ref", "customer_id", "ref", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    # The N of `REF/uN`: counted from 1 within the customer, never reused.
    ref: Mapped[int] = mapped_column(Integer, server_default="0")
    username: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    name_search: Mapped[str | None] = mapped_column(String(300), index=True)
    email: Mapped[str | None] = mapped_column(String(320))
    # argon2id hash (or an imported legacy hash); never shown, exported or logged.
    password_hash: Mapped[str | None] = mapped_column(String(300))
    needs_rehash: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=_now)
    erased_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    restricted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    restricted_by: Mapped[str | None] = mapped_column(String(40))
    restricted_request: Mapped[int | None] = mapped_column(Integer)

    customer: Mapped[Customer] = relationship(back_populates="service_users")


class Contract(Base):
    __tablename__ = "contract"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    product: Mapped[str] = mapped_column(String(200))
    plan: Mapped[str | None] = mapped_column(String(100))
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="active")
    reference: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=_now)

    customer: Mapped[Customer] = relationship(back_populates="contracts")


class BillingProfile(Base):
    __tablename__ = "billing_profile"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), unique=True)
    billing_street: Mapped[str | None] = mapped_column(String(200))
    billing_postal_code: Mapped[str | None] = mapped_column(String(20))
    billing_city: Mapped[str | None] = mapped_column(String(100))
    billing_country: Mapped[str | None] = mapped_column(String(2))
    billing_email: Mapped[str | None] = mapped_column(String(320))
    einvoice_address: Mapped[str | None] = mapped_column(String(35))
    einvoice_operator: Mapped[str | None] = mapped_column(String(35))
    payment_terms_days: Mapped[int] = mapped_column(Integer, default=14)

    customer: Mapped[Customer] = relationship(back_populates="billing")


class Invoice(Base):
    """An accounting record: kept after erasure until `retained_until` (SPEC §5.6)."""

    __tablename__ = "invoice"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    invoice_date: Mapped[dt.date] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="open")
    retained_until: Mapped[dt.date | None] = mapped_column(Date, index=True)


class Correspondence(Base):
    __tablename__ = "correspondence"
    __table_args__ = (Index("ix_correspondence_customer_occurred", "customer_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    channel: Mapped[str] = mapped_column(String(16))
    direction: Mapped[str] = mapped_column(String(3))
    occurred_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str | None] = mapped_column(Text)
    contact_person_id: Mapped[int | None] = mapped_column(ForeignKey("contact_person.id"))
    recording_uri: Mapped[str | None] = mapped_column(String(1000))
    slack_permalink: Mapped[str | None] = mapped_column(String(1000))
    logged_by: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=_now)


class UsageEvent(Base):
    __tablename__ = "usage_event"
    __table_args__ = (Index("ix_usage_event_customer_at", "customer_id", "at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"))
    service_user_id: Mapped[int | None] = mapped_column(ForeignKey("service_user.id"))
    username: Mapped[str | None] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    source_ip: Mapped[str | None] = mapped_column(String(45))
    detail: Mapped[str | None] = mapped_column(String(1000))


class Consent(Base):
    __tablename__ = "consent"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    # A consent given by one contact person of the customer, not by the customer itself.
    contact_person_id: Mapped[int | None] = mapped_column(ForeignKey("contact_person.id"))
    purpose: Mapped[str] = mapped_column(String(60))
    given_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    evidence: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(40))
    withdrawn_by: Mapped[str | None] = mapped_column(String(40))


class FieldChange(Base):
    """One changed field: the customer history (notice §5 'data changes', §6 'sources')."""

    __tablename__ = "field_change"
    __table_args__ = (Index("ix_field_change_customer_at", "customer_id", "at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(40))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(60))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(32))


class Disclosure(Base):
    __tablename__ = "disclosure"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    recipient: Mapped[str] = mapped_column(String(200))
    basis: Mapped[str] = mapped_column(String(16))
    law_reference: Mapped[str | None] = mapped_column(String(300))
    country: Mapped[str | None] = mapped_column(String(2))
    data_description: Mapped[str | None] = mapped_column(Text)
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consent.id"))
    transfer_consent_id: Mapped[int | None] = mapped_column(ForeignKey("consent.id"))
    recorded_by: Mapped[str] = mapped_column(String(40))


class DataSubjectRequest(Base):
    __tablename__ = "data_subject_request"
    __table_args__ = (
        Index("ix_dsr_status_due", "status", "due_on"),
        # `/dsr list all`, soonest due first, reads this index instead of sorting every request.
        Index("ix_dsr_due_number", "due_on", "number"),
        # Open requests without an assignee (sweep, App Home) or with a given one (`mine`),
        # without reading the closed ones, which have no assignee either.
        Index("ix_dsr_status_assignee", "status", "assignee"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), index=True)
    # A request about one person of the customer (SPEC §2.11); neither: the whole record.
    contact_person_id: Mapped[int | None] = mapped_column(ForeignKey("contact_person.id"))
    service_user_id: Mapped[int | None] = mapped_column(ForeignKey("service_user.id"))
    type: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(16), default=RequestStatus.RECEIVED.value)
    received_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date] = mapped_column(Date)
    original_due_on: Mapped[dt.date] = mapped_column(Date)
    via: Mapped[str | None] = mapped_column(String(16))
    requester: Mapped[str | None] = mapped_column(String(300))
    note: Mapped[str | None] = mapped_column(Text)
    assignee: Mapped[str | None] = mapped_column(String(40), index=True)
    created_by: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=_now)
    extended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    requester_told_of_extension_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    verified_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    verification_method: Mapped[str | None] = mapped_column(String(300))
    code_hash: Mapped[str | None] = mapped_column(String(300))
    code_expires_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    code_attempts: Mapped[int] = mapped_column(Integer, default=0)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    outcome_reason: Mapped[str | None] = mapped_column(Text)

    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request", order_by="RequestEvent.id"
    )


class RequestEvent(Base):
    """One step in a data-subject request's life, with actor and time (SPEC §5.2)."""

    __tablename__ = "request_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("data_subject_request.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(Text)

    request: Mapped[DataSubjectRequest] = relationship(back_populates="events")


class StaffMember(Base):
    __tablename__ = "staff_member"

    slack_user_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    granted_by: Mapped[str] = mapped_column(String(40))
    granted_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class AuditEvent(Base):
    """Who did or saw what (SPEC §6); each row carries the hash of the one before."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_customer_seq", "customer_number", "seq"),
        # App Home's "recently viewed": the actor's own customer.show events, newest first.
        Index("ix_audit_event_actor_action_seq", "actor", "action", "seq"),
    )

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(60))
    outcome: Mapped[str] = mapped_column(String(16))
    customer_number: Mapped[int | None] = mapped_column(BigInteger)
    detail: Mapped[str | None] = mapped_column(String(500))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The chain's last link; its row lock serialises appends across processes."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class Notification(Base):
    """Outbox row: one Slack message to send exactly once, keyed by (request, kind, day)."""

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("key", name="uq_notification_key"),
        Index("ix_notification_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("data_subject_request.id"))
    target: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=NotificationStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=_now)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=_now)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    slack_channel: Mapped[str | None] = mapped_column(String(40))
    slack_ts: Mapped[str | None] = mapped_column(String(40))


# Case-insensitive exact look-ups in `/customer find` (e-mail, username) use these expression
# indexes. Alembic cannot reflect expression indexes on SQLite, so the schema comparison
# skips them there (with a warning); on PostgreSQL it compares them.
Index("ix_customer_email_lower", func.lower(Customer.email))
Index("ix_contact_person_email_lower", func.lower(ContactPerson.email))
Index("ix_contact_person_phone", ContactPerson.phone)
Index("ix_service_user_username_lower", func.lower(ServiceUser.username))

# Indexes that exist only on PostgreSQL; SQLite gets FTS5 tables instead (migration 0002).
POSTGRESQL_ONLY_INDEXES = frozenset(
    {
        "ix_customer_name_search_trgm",
        "ix_contact_person_name_search_trgm",
        "ix_service_user_name_search_trgm",
        "ix_customer_name_search_prefix",
        "ix_contact_person_name_search_prefix",
        "ix_service_user_name_search_prefix",
    }
)
# SQLite FTS5 tables for substring search, created by migration 0002 outside the metadata:
# table name -> (content table, indexed column).
SQLITE_FTS_TABLES = {
    "customer_fts": ("customer", "name_search"),
    "contact_person_fts": ("contact_person", "name_search"),
    "service_user_fts": ("service_user", "name_search"),
}


def include_in_schema_comparison(dialect_name: str) -> Any:
    """An Alembic `include_object` hook that ignores what autogenerate cannot see or keep.

    FTS5 virtual tables and their shadow tables live outside the metadata on SQLite, and the
    trigram GIN and `text_pattern_ops` prefix indexes exist only on PostgreSQL.
    """

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        if type_ == "table" and name is not None and dialect_name == "sqlite":
            return not any(name == t or name.startswith(t + "_") for t in SQLITE_FTS_TABLES)
        if type_ == "index" and name in POSTGRESQL_ONLY_INDEXES:
            return dialect_name == "postgresql"
        return True

    return include
