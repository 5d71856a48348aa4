"""Synthetic register data at scale (issue #6): seedable, valid, Finnish-looking, no real people.

    .venv/bin/python bench/generate.py customers --count 1000000 --out /tmp/regbot-1m.csv
    .venv/bin/python bench/generate.py extras --url sqlite:////tmp/regbot-1m.db --requests 1000000

`customers` writes an import CSV (the format of `regbot import customers`): four companies in
five with a valid, unique business ID, Finnish mobile numbers, e-mail addresses on reserved
example domains. It draws from pools that Faker (fi_FI) fills once, so a million rows take
seconds, not the minutes that calling Faker per row would.

`extras` adds, with bulk inserts straight into a register that already has customers: contact
persons (one in three companies), service users, correspondence, usage events and data-subject
requests (`--due` of them due for the reminder sweep, 1000 open but due later, the rest closed).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Table, func, insert, select

from bot.demo.data import CSV_COLUMNS, EMAIL_DOMAINS
from bot.domain.business_id import check_digit
from bot.domain.text import fold
from storage.db import make_engine
from storage.models import (
    ContactPerson,
    Correspondence,
    Customer,
    DataSubjectRequest,
    ServiceUser,
    UsageEvent,
)

_INDUSTRIES = (
    "Rakennus",
    "Kuljetus",
    "Työturva",
    "Konsultointi",
    "Siivous",
    "Sähkö",
    "Metalli",
    "Puutarha",
    "Logistiikka",
    "Kiinteistöpalvelu",
    "Ohjelmisto",
    "Tilitoimisto",
    "Putkityö",
    "Maalaus",
    "Ravintola",
    "Hammaslääkäri",
    "Kauneushoitola",
    "Autokorjaamo",
    "Elektroniikka",
    "Mekaniikka",
)
_FORMS = ("Oy", "Oy", "Oy", "Oy", "Ky", "Tmi", "Oyj", "Ay", "Osk")
_MOBILE = ("40", "41", "44", "45", "46", "50")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_CHANNELS = ("email", "phone", "meeting", "chat", "letter", "slack", "web", "other")


class Pools:
    """Name parts drawn once from Faker, seeded."""

    def __init__(self, seed: int) -> None:
        from faker import Faker

        fake = Faker("fi_FI")
        fake.seed_instance(seed)
        self.first = sorted({str(fake.first_name()) for _ in range(3000)})
        self.last = sorted({str(fake.last_name()) for _ in range(6000)})
        self.streets = sorted({str(fake.street_name()) for _ in range(2000)})
        self.cities = sorted({(str(fake.city()), str(fake.postcode())) for _ in range(600)})


def business_ids(rng: random.Random) -> Iterator[str]:
    """Unique valid business IDs: a walk over seven-digit prefixes with a step coprime to 10^7."""
    start = rng.randrange(1_000_000, 3_000_000)
    step = 7_919  # prime, so every prefix comes once before any repeats
    for i in range(10_000_000):
        digits = f"{(start + i * step) % 10_000_000:07d}"
        check = check_digit(digits)
        if check is not None:
            yield f"{digits}-{check}"


def customer_rows(count: int, seed: int = 7) -> Iterator[dict[str, str]]:
    """`count` CSV rows; the same seed gives the same rows."""
    rng = random.Random(seed)
    pools = Pools(seed)
    ids = business_ids(rng)
    for index in range(count):
        is_person = index % 5 == 4
        if is_person:
            name = f"{rng.choice(pools.first)} {rng.choice(pools.last)}"
        else:
            name = f"{rng.choice(pools.last)} {rng.choice(_INDUSTRIES)} {rng.choice(_FORMS)}"
        local = _NON_WORD.sub(".", fold(name)).strip(".")
        city, postcode = rng.choice(pools.cities)
        roll = rng.random()
        yield {
            "name": name,
            "kind": "person" if is_person else "company",
            "business_id": "" if is_person else next(ids),
            "email": f"{local}.{index}@{EMAIL_DOMAINS[index % 2]}",
            "phone": f"+358{rng.choice(_MOBILE)}{rng.randrange(10_000_000):07d}",
            "street": f"{rng.choice(pools.streets)} {rng.randrange(1, 120)}",
            "postal_code": postcode,
            "city": city,
            "country": "FI",
            "language": "fi" if roll < 0.8 else ("sv" if roll < 0.92 else "en"),
        }


def write_customers(path: Path, count: int, seed: int) -> None:
    """Write the import CSV, streaming."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(CSV_COLUMNS))
        writer.writeheader()
        for row in customer_rows(count, seed):
            writer.writerow(row)


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def _chunks(rows: Iterator[dict[str, Any]], size: int = 5000) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def add_extras(
    url: str,
    *,
    seed: int = 7,
    requests: int = 0,
    due: int = 0,
    contacts: bool = True,
    correspondence_for: int | None = None,
    entries: int = 0,
    usage_events: int = 0,
    open_later: int = 1000,
) -> None:
    """Bulk-insert contacts, users, correspondence, usage events and requests.

    Of the requests, `due` are open and due within the week, `open_later` open but due in two
    months, and the rest completed long ago.
    """
    rng = random.Random(seed)
    pools = Pools(seed + 1)
    engine = make_engine(url)
    now = dt.datetime.now(dt.UTC)
    today = now.date()
    with engine.begin() as conn:
        customer_ids = list(conn.execute(select(Customer.id).order_by(Customer.id)).scalars())
        if contacts:
            companies = customer_ids[::3]

            def contact_rows() -> Iterator[dict[str, Any]]:
                for cid in companies:
                    name = f"{rng.choice(pools.first)} {rng.choice(pools.last)}"
                    local = _NON_WORD.sub(".", fold(name)).strip(".")
                    yield {
                        "customer_id": cid,
                        "ref": 1,
                        "name": name,
                        "name_search": fold(name),
                        "title": "toimitusjohtaja",
                        "email": f"{local}.{cid}@example.fi",
                        "phone": f"+358{rng.choice(_MOBILE)}{rng.randrange(10_000_000):07d}",
                        "created_at": now,
                    }

            for chunk in _chunks(contact_rows()):
                conn.execute(insert(_table(ContactPerson)), chunk)

            def user_rows() -> Iterator[dict[str, Any]]:
                for cid in customer_ids[1::10]:
                    name = f"{rng.choice(pools.first)} {rng.choice(pools.last)}"
                    yield {
                        "customer_id": cid,
                        "ref": 1,
                        "username": f"u{cid}.{_NON_WORD.sub('.', fold(name))}",
                        "name": name,
                        "name_search": fold(name),
                        "needs_rehash": False,
                        "disabled": False,
                        "created_at": now,
                    }

            for chunk in _chunks(user_rows()):
                conn.execute(insert(_table(ServiceUser)), chunk)
        if correspondence_for is not None and entries:
            cid = conn.execute(
                select(Customer.id).where(Customer.number == correspondence_for)
            ).scalar_one()

            def entry_rows() -> Iterator[dict[str, Any]]:
                for i in range(entries):
                    yield {
                        "customer_id": cid,
                        "channel": _CHANNELS[i % len(_CHANNELS)],
                        "direction": "in" if i % 2 else "out",
                        "occurred_at": now - dt.timedelta(minutes=entries - i),
                        "subject": f"Asia {i}",
                        "body": f"Yhteydenotto {i}: " + "tilaus ja laskutus " * 8,
                        "logged_by": "UBENCH",
                        "created_at": now,
                    }

            for chunk in _chunks(entry_rows()):
                conn.execute(insert(_table(Correspondence)), chunk)
        if usage_events:

            def usage_rows() -> Iterator[dict[str, Any]]:
                for i in range(usage_events):
                    yield {
                        "at": now - dt.timedelta(seconds=i * 7),
                        "customer_id": customer_ids[i % len(customer_ids)],
                        "kind": "login",
                        "source_ip": f"192.0.2.{i % 250 + 1}",
                    }

            for chunk in _chunks(usage_rows()):
                conn.execute(insert(_table(UsageEvent)), chunk)
        if requests:
            first = conn.execute(
                select(func.coalesce(func.max(DataSubjectRequest.number), 0))
            ).scalar_one()

            def request_rows() -> Iterator[dict[str, Any]]:
                for i in range(requests):
                    is_due = i < due
                    received = today - dt.timedelta(days=25 if is_due else 400 + i % 1000)
                    status = "received" if is_due else "completed"
                    due_on = today + dt.timedelta(days=3) if is_due else received
                    if due <= i < due + open_later:
                        # Open but far in the future: neither due nor overdue.
                        status, due_on = "in_progress", today + dt.timedelta(days=60)
                        received = today
                    yield {
                        "number": first + i + 1,
                        "customer_id": customer_ids[i % len(customer_ids)]
                        if customer_ids
                        else None,
                        "type": "access",
                        "status": status,
                        "received_on": received,
                        "due_on": due_on,
                        "original_due_on": due_on,
                        "assignee": f"UAGENT{i % 50:04d}"
                        if is_due or status != "completed"
                        else None,
                        "created_by": "UBENCH",
                        "created_at": now,
                        "code_attempts": 0,
                    }

            for chunk in _chunks(request_rows()):
                conn.execute(insert(_table(DataSubjectRequest)), chunk)
            conn.exec_driver_sql(
                "UPDATE counter SET next_value = "
                "(SELECT COALESCE(MAX(number), 0) + 1 FROM data_subject_request) "
                "WHERE name = 'request_number'"
            )
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    c = sub.add_parser("customers", help="write an import CSV")
    c.add_argument("--count", type=int, required=True)
    c.add_argument("--seed", type=int, default=7)
    c.add_argument("--out", type=Path, required=True)
    e = sub.add_parser("extras", help="bulk-insert related rows into a register")
    e.add_argument("--url", required=True)
    e.add_argument("--seed", type=int, default=7)
    e.add_argument("--requests", type=int, default=0)
    e.add_argument("--due", type=int, default=0)
    e.add_argument("--no-contacts", action="store_true")
    e.add_argument("--correspondence-for", type=int)
    e.add_argument("--entries", type=int, default=0)
    e.add_argument("--usage-events", type=int, default=0)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.what == "customers":
        write_customers(args.out, args.count, args.seed)
    else:
        add_extras(
            args.url,
            seed=args.seed,
            requests=args.requests,
            due=args.due,
            contacts=not args.no_contacts,
            correspondence_for=args.correspondence_for,
            entries=args.entries,
            usage_events=args.usage_events,
        )
    print(f"done in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
