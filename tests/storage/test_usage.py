"""Usage events (SPEC §2.7): all-or-nothing ingestion, last-login times and the card summary."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from bot.app import build_services
from bot.config import Settings
from bot.services import Services
from storage.models import AuditEvent, ServiceUser, UsageEvent
from tests.conftest import ADMIN

NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)
DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def fixed(settings: Settings, engine: Engine) -> Services:
    """Services whose clock stands still at NOW, with two customers and three service users."""
    services = build_services(settings, engine=engine, clock=lambda: NOW)
    services.customers.create(ADMIN, {"name": "Käyttö Oy"})
    services.customers.create(ADMIN, {"name": "Toinen Oy"})
    services.customers.add_service_user(ADMIN, "10001", {"username": "maija.m"})
    services.customers.add_service_user(ADMIN, "10001", {"username": "pekka"})
    services.customers.add_service_user(ADMIN, "10002", {"username": "other"})
    return services


def event(at: dt.datetime, kind: str = "login", username: str = "maija.m", **extra: Any) -> Any:
    return {"at": at.isoformat(), "username": username, "kind": kind, **extra}


def count_events(services: Services) -> int:
    with services.context.sessions() as session:
        return int(session.execute(select(func.count()).select_from(UsageEvent)).scalar_one())


def last_login(services: Services, username: str) -> dt.datetime | None:
    with services.context.sessions() as session:
        return session.execute(
            select(ServiceUser.last_login_at).where(ServiceUser.username == username)
        ).scalar_one()


def test_a_batch_is_stored_with_its_customer_user_and_normalised_address(fixed: Services) -> None:
    day = NOW - dt.timedelta(days=1)
    report = fixed.usage.ingest(
        "usage_api",
        [
            event(day, ip="2001:db8:0:0::1"),
            event(day, "data_change", detail="  changed a report  "),
            event(day, "logout", "other", ip="192.0.2.7"),
        ],
    )
    assert (report.written, report.stored, report.bad_count) == (True, 3, 0)
    with fixed.context.sessions() as session:
        rows = session.execute(select(UsageEvent).order_by(UsageEvent.id)).scalars().all()
        assert [r.source_ip for r in rows] == ["2001:db8::1", None, "192.0.2.7"]
        assert rows[1].detail == "changed a report"
        assert rows[0].customer_id != rows[2].customer_id
        assert rows[0].at == day
        audit = session.execute(
            select(AuditEvent).where(AuditEvent.action == "usage.ingest")
        ).scalar_one()
        assert audit.actor == "usage_api" and "stored=3" in (audit.detail or "")


@pytest.mark.parametrize(
    ("bad", "key"),
    [
        ({"at": "2026-06-01T10:00:00", "username": "maija.m", "kind": "login"}, "usage.naive_time"),
        ({"at": "yesterday", "username": "maija.m", "kind": "login"}, "usage.bad_time"),
        (
            {"at": "2026-06-01T10:00:00Z", "username": "nobody", "kind": "login"},
            "usage.unknown_username",
        ),
        ({"at": "2026-06-01T10:00:00Z", "username": "maija.m", "kind": "hack"}, "usage.bad_kind"),
        (
            {
                "at": "2026-06-01T10:00:00Z",
                "username": "maija.m",
                "kind": "login",
                "ip": "300.1.1.1",
            },
            "usage.bad_ip",
        ),
        ({"at": "2026-06-01T10:00:00Z", "kind": "login"}, "usage.missing"),
        (
            {"at": "2026-06-01T10:00:00Z", "username": "maija.m", "kind": "login", "pw": "x"},
            "usage.unknown_fields",
        ),
        (
            {"at": "2027-01-01T00:00:00Z", "username": "maija.m", "kind": "login"},
            "usage.future_time",
        ),
        (["not", "an", "object"], "usage.not_object"),
    ],
)
def test_one_bad_event_stores_none_and_is_reported_by_position(
    fixed: Services, bad: Any, key: str
) -> None:
    good = event(NOW - dt.timedelta(hours=1))
    report = fixed.usage.ingest("usage_api", [good, good, bad, good])
    assert not report.written
    assert report.stored == 0
    assert [(b.position, b.key) for b in report.bad] == [(2, key)]
    assert count_events(fixed) == 0
    assert last_login(fixed, "maija.m") is None


def test_a_login_moves_the_last_login_forward_never_back(fixed: Services) -> None:
    first = NOW - dt.timedelta(days=3)
    later = NOW - dt.timedelta(days=1)
    assert fixed.usage.ingest("usage_api", [event(later), event(first), event(first, "logout")])
    assert last_login(fixed, "maija.m") == later
    report = fixed.usage.ingest("usage_api", [event(first, username="maija.m")])
    assert report.logins_updated == 0
    assert last_login(fixed, "maija.m") == later
    assert last_login(fixed, "pekka") is None


def test_the_card_summarises_usage_for_roles_that_may_read_it(fixed: Services) -> None:
    empty = fixed.customers.show(ADMIN, "10001").usage
    assert empty is not None and empty.total_events == 0
    events = [
        event(NOW - dt.timedelta(days=40), "login_failed"),  # outside the 30-day window
        event(NOW - dt.timedelta(days=29), "login_failed", "pekka"),
        event(NOW - dt.timedelta(days=2), "login_failed"),
        event(NOW - dt.timedelta(days=2), ip="198.51.100.4"),
        event(NOW - dt.timedelta(days=1), "login", "pekka", ip="198.51.100.9"),
        event(NOW - dt.timedelta(hours=5), "technical_error", detail="PDF export timed out"),
        event(NOW - dt.timedelta(hours=1), "technical_error", "other", detail="elsewhere"),
    ]
    assert fixed.usage.ingest("usage_api", events).written
    usage = fixed.customers.show(ADMIN, "10001").usage
    assert usage is not None
    assert usage.last_login_at == NOW - dt.timedelta(days=1)
    assert (usage.last_login_ip, usage.last_login_username) == ("198.51.100.9", "pekka")
    assert usage.failed_logins_30d == 2
    assert usage.last_error_detail == "PDF export timed out"
    assert usage.total_events == 6
    fixed.staff.grant(ADMIN, "UVIEWER001", "viewer")
    hidden = fixed.customers.show("UVIEWER001", "10001")
    assert hidden.usage is None
    assert "correspondence" in hidden.withheld


def test_a_jsonl_file_is_imported_with_line_numbers_for_bad_lines(
    fixed: Services, tmp_path: Path
) -> None:
    report = fixed.usage.import_file("cli", DATA / "usage_sample.jsonl")
    assert (report.written, report.stored, report.logins_updated) == (True, 6, 1)
    assert last_login(fixed, "maija.m") == dt.datetime(2025, 11, 10, 9, 16, tzinfo=dt.UTC)
    bad = tmp_path / "bad.jsonl"
    lines = [
        json.dumps(event(NOW - dt.timedelta(hours=2))),
        "{not json",
        "",
        json.dumps(event(NOW - dt.timedelta(hours=1), username="ghost")),
    ]
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = fixed.usage.import_file("cli", bad)
    assert not report.written
    assert [(b.position, b.key) for b in report.bad] == [
        (2, "usage.not_json"),
        (4, "usage.unknown_username"),
    ]
    assert count_events(fixed) == 6


def test_a_large_import_is_written_in_batches_and_reports_progress(
    fixed: Services, tmp_path: Path
) -> None:
    path = tmp_path / "many.jsonl"
    start = NOW - dt.timedelta(days=10)
    with path.open("w", encoding="utf-8") as handle:
        for i in range(2500):
            kind = "login" if i % 5 == 0 else "data_change"
            at = start + dt.timedelta(minutes=i)
            handle.write(json.dumps(event(at, kind, ("maija.m", "pekka")[i % 2])) + "\n")
    seen: list[tuple[int, int]] = []
    report = fixed.usage.import_file("cli", path, progress=lambda d, t: seen.append((d, t)))
    assert report.stored == 2500
    assert seen[-1] == (2500, 2500) and len(seen) >= 3
    assert count_events(fixed) == 2500
