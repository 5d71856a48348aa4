"""Export, erasure, retention and consent rules against real databases (both engines)."""

from __future__ import annotations

import datetime as dt
import json
import stat

import pytest
from sqlalchemy import Engine, select, text

from bot.domain.retention import INVOICE_RULE, retained_until
from bot.services import Services
from bot.services.consents import ConsentService
from bot.services.erasure import ErasureService
from bot.services.errors import DomainError
from bot.services.export import ExportService
from bot.services.retention_job import RetentionService
from storage.models import Correspondence, Customer, Invoice, UsageEvent
from tests.conftest import ADMIN


def _customer_with_history(services: Services) -> int:
    number = services.customers.create(
        ADMIN,
        {
            "name": "Poistuva Oy",
            "business_id": "2855354-7",
            "email": "poistuva@example.fi",
            "phone": "040 111 2233",
            "city": "Turku",
        },
    ).number
    services.customers.add_contact(ADMIN, str(number), {"name": "Kaisa Kontakti"})
    services.customers.add_service_user(
        ADMIN, str(number), {"username": "kaisa.k", "name": "Kaisa"}, password="salasana1"
    )
    services.customers.update(ADMIN, str(number), {"city": "Tampere"})
    with services.context.transaction("test") as tx:
        customer_id = tx.session.execute(
            select(Customer.id).where(Customer.number == number)
        ).scalar_one()
        tx.session.add(
            Correspondence(
                customer_id=customer_id,
                channel="email",
                direction="in",
                occurred_at=tx.now,
                subject="Laskusta",
                body="Asiakas kysyi laskusta 0401112233",
                recording_uri="https://recordings.example.fi/123",
                logged_by=ADMIN,
            )
        )
        tx.session.add(
            UsageEvent(
                at=tx.now,
                customer_id=customer_id,
                username="kaisa.k",
                kind="login",
                source_ip="192.0.2.10",
            )
        )
        tx.session.add(
            Invoice(
                customer_id=customer_id,
                number="INV-1",
                invoice_date=dt.date(2026, 3, 10),
                amount_cents=12900,
                status="paid",
            )
        )
    return number


def test_an_export_holds_every_category_no_hash_and_is_private(services: Services) -> None:
    number = _customer_with_history(services)
    result = ExportService(services.context).export(ADMIN, str(number))
    mode = stat.S_IMODE(result.json_path.stat().st_mode)
    assert mode == 0o600
    assert stat.S_IMODE(result.summary_path.stat().st_mode) == 0o600
    text = result.json_path.read_text(encoding="utf-8")
    assert "$argon2" not in text
    document = json.loads(text)
    assert document["customer"]["name"] == "Poistuva Oy"
    assert document["contacts"][0]["name"] == "Kaisa Kontakti"
    assert document["service_users"][0]["username"] == "kaisa.k"
    assert "password_hash" not in document["service_users"][0]
    assert document["correspondence"][0]["recording_uri"] == "https://recordings.example.fi/123"
    assert document["usage_events"][0]["source_ip"] == "192.0.2.10"
    assert document["invoices"][0]["amount_cents"] == 12900
    assert any(h["new_value"] == "Tampere" for h in document["field_history"])
    assert set(document) >= {
        "format", "format_version", "customer", "contacts", "service_users", "contracts",
        "billing", "invoices", "correspondence", "usage_events", "consents", "disclosures",
        "field_history", "requests", "not_exported",
    }  # fmt: skip
    assert result.counts["correspondence"] == 1
    assert "Poistuva Oy" in result.summary_path.read_text(encoding="utf-8")


def test_an_export_writes_times_in_utc_as_iso_8601_on_both_engines(
    services: Services, engine: Engine
) -> None:
    number = _customer_with_history(services)
    given = {
        "whole second": dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC),
        "fraction": dt.datetime(2026, 3, 2, 8, 30, 15, 250, tzinfo=dt.UTC),
        "stored by hand": dt.datetime(2026, 3, 3, 9, 0, 5, tzinfo=dt.UTC),
    }
    with services.context.transaction("test") as tx:
        customer_id = tx.session.execute(
            select(Customer.id).where(Customer.number == number)
        ).scalar_one()
        for subject, at in given.items():
            tx.session.add(
                Correspondence(
                    customer_id=customer_id,
                    channel="phone",
                    direction="out",
                    occurred_at=at,
                    subject=subject,
                    logged_by=ADMIN,
                )
            )
    if engine.dialect.name == "sqlite":
        # A time in another form than the one SQLAlchemy stores (no fraction), as a row
        # written by hand would hold it: read as SQLAlchemy reads it.
        with engine.begin() as conn:
            conn.execute(
                text(
                    "UPDATE correspondence SET occurred_at = '2026-03-03 09:00:05'"
                    " WHERE subject = 'stored by hand'"
                )
            )
    result = ExportService(services.context).export(ADMIN, str(number))
    document = json.loads(result.json_path.read_text(encoding="utf-8"))
    times = {e["subject"]: e["occurred_at"] for e in document["correspondence"]}
    assert times["whole second"] == "2026-03-01T12:00:00+00:00"
    assert times["fraction"] == "2026-03-02T08:30:15.000250+00:00"
    assert times["stored by hand"] == "2026-03-03T09:00:05+00:00"
    assert {k: v for k, v in times.items() if k in given} == {
        k: v.isoformat() for k, v in given.items()
    }
    assert document["invoices"][0]["invoice_date"] == "2026-03-10"
    assert document["invoices"][0]["retained_until"] is None
    created = dt.datetime.fromisoformat(document["contacts"][0]["created_at"])
    assert created.utcoffset() == dt.timedelta(0)


def test_an_export_linked_to_an_access_request_is_recorded_on_it(services: Services) -> None:
    number = _customer_with_history(services)
    created = services.requests.create(ADMIN, str(number), "access")
    ExportService(services.context).export(
        ADMIN, str(number), request_number=created.summary.number
    )
    events = services.requests.show(ADMIN, created.summary.number).events
    assert any(e.kind == "exported" for e in events)
    erasure = services.requests.create(ADMIN, str(number), "erasure")
    with pytest.raises(DomainError):
        ExportService(services.context).export(
            ADMIN, str(number), request_number=erasure.summary.number
        )


def test_erasure_blanks_personal_data_keeps_invoices_and_the_number(services: Services) -> None:
    number = _customer_with_history(services)
    report = ErasureService(services.context).erase(ADMIN, str(number))
    assert report.removed and report.retained
    card = services.customers.show(ADMIN, str(number))
    assert card.status == "erased"
    assert "Poistuva" not in card.name and card.email is None and card.phone is None
    assert card.business_id is None
    for query in ("poistuva", "poistuva@example.fi", "040 111 2233", "2855354-7", "kontakti"):
        assert services.customers.find(ADMIN, query).total == 0, query
    with services.context.sessions() as session:
        entry = session.execute(select(Correspondence)).scalar_one()
        assert entry.body is None and entry.recording_uri is None
        invoice = session.execute(select(Invoice)).scalar_one()
        assert invoice.retained_until == retained_until(INVOICE_RULE, dt.date(2026, 3, 10))
        assert invoice.retained_until == dt.date(2032, 12, 31)
        usage = session.execute(select(UsageEvent)).scalar_one()
        assert usage.source_ip is None
    history = services.customers.history(ADMIN, str(number))
    assert all(e.old in (None, "active") for e in history.entries)
    assert "Poistuva" not in str(history)
    assert services.audit.verify().ok
    assert services.customers.create(ADMIN, {"name": "Seuraava"}).number == number + 1
    with pytest.raises(DomainError):
        ErasureService(services.context).erase(ADMIN, str(number))


def test_retention_dry_run_reports_what_a_real_run_removes(services: Services) -> None:
    number = _customer_with_history(services)
    ErasureService(services.context).erase(ADMIN, str(number))
    with services.context.transaction("test") as tx:
        tx.session.add(UsageEvent(at=tx.now - dt.timedelta(days=400), kind="login", username="old"))
        invoice = tx.session.execute(select(Invoice)).scalar_one()
        invoice.retained_until = dt.date(2020, 12, 31)
    job = RetentionService(services.context)
    dry = job.run(dry_run=True)
    assert (dry.usage_events, dry.invoices) == (1, 1)
    real = job.run()
    assert (real.usage_events, real.invoices) == (dry.usage_events, dry.invoices)
    assert job.run(dry_run=True).usage_events == 0


def test_disclosures_need_consent_or_law_and_transfers_need_transfer_consent(
    services: Services,
) -> None:
    number = str(_customer_with_history(services))
    consents = ConsentService(services.context)
    with pytest.raises(DomainError, match=r"disclose\.no_consent"):
        consents.disclose(ADMIN, number, recipient="Kumppani Oy", basis="consent")
    with pytest.raises(DomainError, match=r"disclose\.law_needed"):
        consents.disclose(ADMIN, number, recipient="Verohallinto", basis="law")
    consents.disclose(ADMIN, number, recipient="Verohallinto", basis="law", law="VML 15 §")
    consents.give(ADMIN, number, "partner_disclosure", "signed form 2026-11-01")
    consents.disclose(ADMIN, number, recipient="Kumppani Oy", basis="consent", country="SE")
    with pytest.raises(DomainError, match=r"disclose\.no_transfer_consent"):
        consents.disclose(ADMIN, number, recipient="US Partner", basis="consent", country="US")
    consents.give(ADMIN, number, "non_eea_transfer", None)
    consents.disclose(ADMIN, number, recipient="US Partner", basis="consent", country="US")
    consents.withdraw(ADMIN, number, "partner_disclosure", None)
    with pytest.raises(DomainError, match=r"disclose\.no_consent"):
        consents.disclose(ADMIN, number, recipient="Kumppani Oy", basis="consent")
    from storage.models import Disclosure

    with services.context.sessions() as session:
        recipients = session.execute(select(Disclosure.recipient)).scalars().all()
    assert sorted(recipients) == ["Kumppani Oy", "US Partner", "Verohallinto"]
