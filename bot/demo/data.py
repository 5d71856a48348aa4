"""Synthetic Finnish customers for the demo register, tests and benchmarks (no real people).

Every generated value is valid as `/customer new` validates it: business IDs carry a correct
check digit, phone numbers are Finnish mobiles and e-mail addresses use reserved example domains.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.domain.business_id import check_digit
from bot.domain.customer_fields import clean_contact_fields
from bot.domain.enums import CustomerKind, Source
from bot.domain.text import fold
from bot.services.customers import add_contact_person, create_customer
from bot.services.errors import InvalidInput
from bot.services.unit import ServiceContext, Tx
from storage.models import Contract, Customer

DEMO_ACTOR = "demo"
CSV_COLUMNS = (
    "name",
    "kind",
    "business_id",
    "email",
    "phone",
    "street",
    "postal_code",
    "city",
    "country",
    "language",
)
EMAIL_DOMAINS = ("example.fi", "example.com")
_MOBILE_PREFIXES = ("40", "41", "44", "45", "46", "50")
_CONTACT_TITLES = (
    "toimitusjohtaja",
    "talouspäällikkö",
    "HR-päällikkö",
    "työsuojelupäällikkö",
    "hallintoassistentti",
)
_PRODUCTS = (("Pro Työturva", "Pro"), ("Työturva Perus", "Perus"))
_CONTRACT_EPOCH = dt.date(2022, 1, 3)
_NON_WORD = re.compile(r"[^a-z0-9]+")


def generate_customers(count: int, seed: int = 7) -> list[dict[str, str]]:
    """Synthetic customers as CSV rows, mostly companies; the same seed gives the same rows."""
    fake = _faker(seed)
    rng = random.Random(seed)
    business_ids: set[str] = set()
    names: set[str] = set()
    emails: set[str] = set()
    rows: list[dict[str, str]] = []
    for index in range(count):
        # Every fifth customer is a private person; the rest are organisations.
        is_person = index % 5 == 4
        name = _new_name(fake, rng, names, is_person)
        domain = EMAIL_DOMAINS[rng.randrange(len(EMAIL_DOMAINS))]
        local = _NON_WORD.sub(".", fold(name)).strip(".") or "customer"
        email = f"{local}@{domain}"
        if email in emails:
            email = f"{local}.{index}@{domain}"
        emails.add(email)
        rows.append(
            {
                "name": name,
                "kind": (CustomerKind.PERSON if is_person else CustomerKind.COMPANY).value,
                "business_id": "" if is_person else _business_id(rng, business_ids),
                "email": email,
                "phone": _mobile_phone(rng),
                "street": str(fake.street_address()),
                "postal_code": str(fake.postcode()),
                "city": str(fake.city()),
                "country": "FI",
                "language": _language(rng),
            }
        )
    return rows


def write_customers_csv(path: Path, rows: Iterable[dict[str, str]]) -> None:
    """Write rows as an import file: UTF-8, comma-separated, a header of every column used."""
    materialised = list(rows)
    columns = list(CSV_COLUMNS)
    for row in materialised:
        columns.extend(key for key in row if key not in columns)
    used = [c for c in columns if any(c in row for row in materialised)] or ["name"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=used, restval="")
        writer.writeheader()
        writer.writerows(materialised)


def seed_demo_register(services_context: ServiceContext, count: int = 40, seed: int = 7) -> int:
    """Fill an empty register with demo customers, contacts and contracts; returns how many."""
    with services_context.transaction(DEMO_ACTOR) as tx:
        if tx.session.execute(select(Customer.id).limit(1)).first() is not None:
            return 0
        customers = [
            create_customer(
                tx, {key: value for key, value in row.items() if value}, source=Source.IMPORT
            )
            for row in generate_customers(count, seed)
        ]
        for customer in customers:
            tx.audit("customer.create", customer.number, detail="demo")
        companies = [c for c in customers if c.kind == CustomerKind.COMPANY.value]
        rng = random.Random(seed + 1)
        fake = _faker(seed + 1)
        for customer in companies[::3][:6]:
            for _ in range(1 + rng.randrange(2)):
                _add_contact(tx, customer, fake, rng)
        for index, customer in enumerate(companies[:5]):
            _add_contract(tx, customer, index, rng)
        tx.audit("demo.seed", detail=f"created={len(customers)}")
        return len(customers)


def _faker(seed: int) -> Any:
    # Imported here: Faker is slow to import and only the demo, tests and benchmarks need it.
    from faker import Faker

    fake = Faker("fi_FI")
    fake.seed_instance(seed)
    return fake


def _company_name(fake: Any, rng: random.Random) -> str:
    name = str(fake.company())
    if " " not in name:
        # Faker sometimes gives a bare surname; give it a legal form, mostly Oy.
        name += " Oy" if rng.random() < 0.7 else " & Co Ky"
    if name.endswith(" As Oy"):
        # Housing companies are not this register's customers.
        name = name.removesuffix(" As Oy") + " Oy"
    return name


def _new_name(fake: Any, rng: random.Random, seen: set[str], is_person: bool) -> str:
    """A customer name not generated before (a numbered branch name when Faker runs out)."""
    for _ in range(20):
        name = str(fake.name()) if is_person else _company_name(fake, rng)
        if name not in seen:
            break
    suffix = 2
    unique = name
    while unique in seen:
        unique = f"{name} ({suffix})"
        suffix += 1
    seen.add(unique)
    return unique


def _business_id(rng: random.Random, used: set[str]) -> str:
    """A valid, unused business ID: seven digits and their check digit (SPEC §2.1)."""
    while True:
        digits = f"{rng.randint(1_000_000, 3_299_999):07d}"
        check = check_digit(digits)
        if check is None:
            continue
        business_id = f"{digits}-{check}"
        if business_id not in used:
            used.add(business_id)
            return business_id


def _mobile_phone(rng: random.Random) -> str:
    prefix = _MOBILE_PREFIXES[rng.randrange(len(_MOBILE_PREFIXES))]
    digits = f"{rng.randrange(10_000_000):07d}"
    if rng.random() < 0.5:
        return f"+358{prefix}{digits}"
    return f"0{prefix} {digits[:3]} {digits[3:]}"


def _language(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.8:
        return "fi"
    if roll < 0.92:
        return "sv"
    return "en"


def _add_contact(tx: Tx, customer: Customer, fake: Any, rng: random.Random) -> None:
    first, last = str(fake.first_name()), str(fake.last_name())
    local = _NON_WORD.sub(".", fold(f"{first} {last}")).strip(".")
    cleaned = clean_contact_fields(
        {
            "name": f"{first} {last}",
            "title": _CONTACT_TITLES[rng.randrange(len(_CONTACT_TITLES))],
            "email": f"{local}@{EMAIL_DOMAINS[0]}",
            "phone": _mobile_phone(rng),
        }
    )
    if cleaned.errors:
        raise InvalidInput(cleaned.errors)
    add_contact_person(tx, customer, cleaned.values, source=Source.IMPORT)
    tx.audit("contact.add", customer.number, detail="demo")


def _add_contract(tx: Tx, customer: Customer, index: int, rng: random.Random) -> None:
    product, plan = _PRODUCTS[index % len(_PRODUCTS)]
    start = _CONTRACT_EPOCH + dt.timedelta(days=rng.randrange(700))
    ended = index == 3
    contract = Contract(
        customer_id=customer.id,
        product=product,
        plan=plan,
        start_date=start,
        end_date=start + dt.timedelta(days=365) if ended else None,
        status="ended" if ended else "active",
        reference=f"SOP-{customer.number}-{index + 1}",
        created_at=tx.now,
    )
    tx.session.add(contract)
    tx.session.flush()
    for key in ("product", "plan", "start_date", "end_date", "status", "reference"):
        value = getattr(contract, key)
        if value is not None:
            tx.record_change(
                customer.id, "contract", contract.id, key, None, value, Source.IMPORT.value
            )
