"""Access and portability export (SPEC §5.5): every category of §2 for one customer.

The JSON document is written as it is read — list sections are streamed row by row from the
database (`yield_per`), never built in memory — to a file created 0600 in REGBOT_EXPORT_DIR,
beside a human-readable summary. Password hashes and the internal audit chain are described,
not exported. The key layout is documented in docs/EXPORT.md and versioned by `format_version`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any, cast

from sqlalchemy import Date, Select, String, select, type_coerce
from sqlalchemy.orm import Session

from bot.domain import field_history
from bot.domain.enums import RequestType
from bot.services.requests import add_event, linked_request, request_label
from bot.services.subjects import find_customer
from bot.services.unit import ServiceContext, Tx
from storage.models import (
    BillingProfile,
    Consent,
    ContactPerson,
    Contract,
    Correspondence,
    Customer,
    DataSubjectRequest,
    Disclosure,
    FieldChange,
    Invoice,
    RequestEvent,
    ServiceUser,
    UsageEvent,
    UtcDateTime,
)

FORMAT = "regbot.customer-export"
FORMAT_VERSION = 1
STREAM_BATCH = 1000
EXPORTABLE_REQUEST_TYPES = (RequestType.ACCESS.value, RequestType.PORTABILITY.value)

NOT_EXPORTED = {
    "password_hashes": "Service users' passwords are stored only as one-way argon2id hashes. "
    "A hash is a security control, not information about the person; it is not exported.",
    "audit_trail": "The register keeps a hash-chained log of who read or changed this "
    "customer's data. It is an internal security record; its entries about this customer can "
    "be listed on request by the data protection contact.",
    "verification_codes": "One-time identity verification codes are stored only as hashes "
    "and expire within 24 hours.",
}

NOT_EXPORTED_MARK = "not exported (see not_exported.password_hashes)"
_CUSTOMER_FIELDS = (
    "number", "kind", "name", "business_id", "vat_id", "email", "phone", "street",
    "postal_code", "city", "country", "language", "status", "marketing_opt_out",
    "marketing_opt_out_at", "marketing_opt_out_source", "created_at", "updated_at", "erased_at",
)  # fmt: skip


@dataclass(frozen=True)
class ExportResult:
    number: int
    json_path: Path
    summary_path: Path
    counts: dict[str, int]
    bytes_written: int
    request_number: int | None


@dataclass
class _Counts:
    values: dict[str, int] = field(default_factory=dict)


class ExportService:
    """Writes a customer's data export and records it on a linked request."""

    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def export(self, actor: str, ref: str, *, request_number: int | None = None) -> ExportResult:
        """Write the JSON export and its summary for a staff member allowed to execute requests."""
        return self._export(actor, ref, request_number, check_role=True)

    def export_as_operator(
        self, actor: str, ref: str, *, request_number: int | None = None
    ) -> ExportResult:
        """The same export from the operator's CLI (database access is the authority)."""
        return self._export(actor, ref, request_number, check_role=False)

    def _export(
        self, actor: str, ref: str, request_number: int | None, *, check_role: bool
    ) -> ExportResult:
        with self._context.transaction(actor) as tx:
            if check_role:
                tx.authorize("customer.export")
            customer = find_customer(tx.session, ref)
            request = linked_request(
                tx,
                customer.id,
                request_number,
                EXPORTABLE_REQUEST_TYPES,
                "export.wrong_request_type",
            )
            directory = _export_dir(tx.settings.export_dir)
            stamp = tx.now.strftime("%Y%m%dT%H%M%SZ")
            json_path = directory / f"customer-{customer.number}-{stamp}.json"
            summary_path = directory / f"customer-{customer.number}-{stamp}.txt"
            counts = _Counts()
            with _private_file(json_path) as out:
                _write_document(tx, customer, out, counts)
            with _private_file(summary_path) as out:
                out.write(_summary_text(customer, counts.values, tx.now, json_path.name))
            if request is not None:
                add_event(tx, request, "exported", None, None, json_path.name)
            tx.audit(
                "customer.export",
                customer.number,
                detail=request_label(request.number) if request else None,
            )
            return ExportResult(
                number=customer.number,
                json_path=json_path,
                summary_path=summary_path,
                counts=counts.values,
                bytes_written=json_path.stat().st_size,
                request_number=request.number if request else None,
            )


def _export_dir(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


@contextmanager
def _private_file(path: Path) -> Iterator[IO[str]]:
    """A new file only its owner can read or write (0600), whatever the umask."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        yield handle


def _value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat() if value.tzinfo else value.isoformat() + "Z"
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# One encoder for the whole document: json.dumps with options builds a new one per call.
_dump = json.JSONEncoder(ensure_ascii=False).encode


class _Writer:
    """Writes one JSON object key by key; list sections are streamed item by item."""

    def __init__(self, out: IO[str]) -> None:
        self._out = out
        self._first = True
        out.write("{")

    def key(self, name: str) -> None:
        self._out.write(("\n  " if self._first else ",\n  ") + _dump(name) + ": ")
        self._first = False

    def value(self, name: str, value: Any) -> None:
        self.key(name)
        self._out.write(_dump(value))

    def stream(self, name: str, rows: Iterator[dict[str, Any]]) -> int:
        self.key(name)
        self._out.write("[")
        count = 0
        for row in rows:
            self._out.write(("\n    " if count == 0 else ",\n    ") + _dump(row))
            count += 1
        self._out.write("\n  ]" if count else "]")
        return count

    def close(self) -> None:
        self._out.write("\n}\n")


def _stream(
    session: Session, query: Select[Any], fields: tuple[str, ...]
) -> Iterator[dict[str, Any]]:
    """The rows as JSON-ready dicts; only the columns that hold times or dates are converted
    (a section can be 100 000 rows of a dozen columns).

    On SQLite those columns are read as the text they are stored as and rewritten in the
    export's form (`_sqlite_time`, `_sqlite_date`) rather than parsed into datetimes and
    formatted again, which was a large share of a big export's time (docs/BENCHMARKS.md,
    "Export of 100 000 entries")."""
    dialect = session.get_bind().dialect
    sqlite = dialect.name == "sqlite"
    columns = list(query.selected_columns)
    converters: dict[int, Callable[[Any], Any]] = {}
    for index, column in enumerate(columns):
        if not isinstance(column.type, (UtcDateTime, Date)):
            continue
        if not sqlite:
            converters[index] = _value
            continue
        parse = column.type.dialect_impl(dialect).result_processor(dialect, None)
        assert parse is not None
        if isinstance(column.type, UtcDateTime):
            converters[index] = partial(_sqlite_time, parse=parse)
        else:
            converters[index] = partial(_sqlite_date, parse=parse)
    if sqlite and converters:
        query = query.with_only_columns(
            *(type_coerce(c, String) if i in converters else c for i, c in enumerate(columns))
        )
    result = session.execute(query.execution_options(yield_per=STREAM_BATCH))
    try:
        for row in result:
            values = list(row)
            for index, convert in converters.items():
                if values[index] is not None:
                    values[index] = convert(values[index])
            yield dict(zip(fields, values, strict=True))
    finally:
        # A server-side cursor (PostgreSQL) is closed as soon as the section is written.
        result.close()


# The forms SQLAlchemy stores a UtcDateTime (naive UTC) and a Date in on SQLite.
_STORED_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}", re.ASCII).fullmatch
_STORED_DATE = re.compile(r"\d{4}-\d\d-\d\d", re.ASCII).fullmatch


def _sqlite_time(stored: str, parse: Callable[[str], Any]) -> str:
    """A UtcDateTime as SQLite holds it (`2026-12-05 01:02:03.123456`, UTC, the form
    SQLAlchemy stores) in the form `_value` gives it: `2026-12-05T01:02:03.123456+00:00`,
    without a zero fraction, as `isoformat` writes it. Any other form (an offset, no
    fraction) is parsed as SQLAlchemy reads it."""
    if _STORED_TIME(stored):
        fraction = "" if stored.endswith(".000000") else stored[19:]
        return f"{stored[:10]}T{stored[11:19]}{fraction}+00:00"
    return cast(str, _value(parse(stored)))


def _sqlite_date(stored: str, parse: Callable[[str], Any]) -> str:
    """A date as SQLite holds it (`2026-12-05`), which is already its ISO form; any other
    form is parsed."""
    if _STORED_DATE(stored):
        return stored
    return cast(str, _value(parse(stored)))


def _columns(model: Any, fields: tuple[str, ...]) -> Select[Any]:
    return select(*(getattr(model, f) for f in fields))


def _write_document(tx: Tx, customer: Customer, out: IO[str], counts: _Counts) -> None:
    s, cid = tx.session, customer.id
    w = _Writer(out)
    w.value("format", FORMAT)
    w.value("format_version", FORMAT_VERSION)
    w.value("generated_at", _value(tx.now))
    w.value("controller", tx.settings.controller_name)
    w.value("register", tx.settings.register_name)
    w.value("customer", {f: _value(getattr(customer, f)) for f in _CUSTOMER_FIELDS})

    sections: list[tuple[str, Any, tuple[str, ...], Any]] = [
        ("contacts", ContactPerson, ("id", "name", "title", "email", "phone", "created_at"),
         ContactPerson.id),
        ("service_users", ServiceUser,
         ("id", "username", "name", "email", "disabled", "last_login_at", "created_at"),
         ServiceUser.id),
        ("contracts", Contract,
         ("id", "product", "plan", "start_date", "end_date", "status", "reference", "created_at"),
         Contract.id),
        ("invoices", Invoice,
         ("number", "invoice_date", "amount_cents", "status", "retained_until"),
         Invoice.invoice_date),
        ("correspondence", Correspondence,
         ("id", "occurred_at", "channel", "direction", "subject", "body", "contact_person_id",
          "recording_uri", "slack_permalink", "logged_by", "created_at"),
         Correspondence.occurred_at),
        ("usage_events", UsageEvent, ("at", "username", "kind", "source_ip", "detail"),
         UsageEvent.at),
        ("consents", Consent,
         ("id", "purpose", "given_at", "withdrawn_at", "evidence", "recorded_by", "withdrawn_by"),
         Consent.given_at),
        ("disclosures", Disclosure,
         ("at", "recipient", "basis", "law_reference", "country", "data_description",
          "recorded_by"),
         Disclosure.at),
        ("field_history", FieldChange,
         ("at", "actor", "entity", "entity_id", "field", "old_value", "new_value", "source"),
         FieldChange.at),
    ]  # fmt: skip
    billing = s.execute(
        select(BillingProfile).where(BillingProfile.customer_id == cid)
    ).scalar_one_or_none()
    w.value(
        "billing",
        None
        if billing is None
        else {
            f: getattr(billing, f)
            for f in (
                "billing_street", "billing_postal_code", "billing_city", "billing_country",
                "billing_email", "einvoice_address", "einvoice_operator", "payment_terms_days",
            )
        },
    )  # fmt: skip
    for name, model, fields, order in sections:
        query = _columns(model, fields).where(model.customer_id == cid).order_by(order)
        if name == "service_users":
            counts.values[name] = w.stream(name, _service_users(s, query, fields))
        elif name == "field_history":
            counts.values[name] = w.stream(name, _field_history(s, query, fields))
        else:
            counts.values[name] = w.stream(name, _stream(s, query, fields))
    counts.values["requests"] = w.stream("requests", _requests(s, cid))
    w.value("not_exported", NOT_EXPORTED)
    w.close()


def _service_users(
    session: Session, query: Select[Any], fields: tuple[str, ...]
) -> Iterator[dict[str, Any]]:
    for row in _stream(session, query, fields):
        row["password"] = NOT_EXPORTED_MARK
        yield row


def _field_history(
    session: Session, query: Select[Any], fields: tuple[str, ...]
) -> Iterator[dict[str, Any]]:
    """The history's entries, a packed row (`bot.field_history`) as the entries it holds."""
    for row in _stream(session, query, fields):
        entries = field_history.expand(row["field"], row["old_value"], row["new_value"])
        for name, old, new in entries:
            yield {**row, "field": name, "old_value": old, "new_value": new}


def _requests(session: Session, customer_id: int) -> Iterator[dict[str, Any]]:
    requests = session.execute(
        select(DataSubjectRequest)
        .where(DataSubjectRequest.customer_id == customer_id)
        .order_by(DataSubjectRequest.number)
    ).scalars()
    for r in requests:
        events = session.execute(
            select(RequestEvent).where(RequestEvent.request_id == r.id).order_by(RequestEvent.id)
        ).scalars()
        yield {
            "id": request_label(r.number),
            "type": r.type,
            "status": r.status,
            "received_on": _value(r.received_on),
            "due_on": _value(r.due_on),
            "original_due_on": _value(r.original_due_on),
            "via": r.via,
            "requester": r.requester,
            "note": r.note,
            "extension_reason": r.extension_reason,
            "verification_method": r.verification_method,
            "closed_at": _value(r.closed_at),
            "outcome_reason": r.outcome_reason,
            "events": [
                {
                    "at": _value(e.at),
                    "actor": e.actor,
                    "kind": e.kind,
                    "from_status": e.from_status,
                    "to_status": e.to_status,
                    "detail": e.detail,
                }
                for e in events
            ],
        }


def _summary_text(
    customer: Customer, counts: dict[str, int], now: dt.datetime, json_name: str
) -> str:
    lines = [
        f"Customer register export — customer {customer.number}",
        f"Created {now.isoformat(timespec='seconds')}; machine-readable data: {json_name}",
        "",
        f"Name: {customer.name}",
        f"Business ID: {customer.business_id or '-'}",
        f"E-mail: {customer.email or '-'}",
        f"Phone: {customer.phone or '-'}",
        "Address: "
        + (", ".join(p for p in (customer.street, customer.postal_code, customer.city) if p) or "-")
        + f" ({customer.country})",
        f"Status: {customer.status}",
        f"Direct marketing forbidden: {'yes' if customer.marketing_opt_out else 'no'}",
        "",
        "Records included:",
        *(f"  {name.replace('_', ' ')}: {count}" for name, count in counts.items()),
        "",
        "Not included, and why:",
        *(f"  {name.replace('_', ' ')}: {why}" for name, why in NOT_EXPORTED.items()),
        "",
    ]
    return "\n".join(lines)
