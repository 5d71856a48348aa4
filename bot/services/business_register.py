"""Updating companies from the Finnish business register (notice §6, SPEC §2.9 and §8.2).

The file is what the Finnish Patent and Registration Office's open-data API returns
(`GET https://avoindata.prh.fi/opendata-ytj-api/v3/companies?businessId=…`): an object with a
`companies` list (or a list of such objects or of companies). docs/FORMATS.md describes the
fields read. Customers are matched by business ID; their name (companies only) and address are
updated through the same validation as every other change, with the source `business_register`,
so `/customer history` shows where each value came from. An operator tool: no Slack role check,
but every change is audited under the actor `business_register`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.domain.business_id import InvalidBusinessId, canonical_business_id
from bot.domain.enums import CustomerKind, CustomerStatus, Source
from bot.services.customers import apply_customer_changes
from bot.services.errors import DomainError, InvalidInput
from bot.services.unit import ServiceContext, Tx
from storage.models import Customer

REGISTER_ACTOR = "business_register"
MAIN_NAME = "1"  # names[].type: 1 = the company's name, 2 = parallel name, 3 = auxiliary name
STREET_ADDRESS = "1"  # addresses[].type: 1 = street (visiting) address
POSTAL_ADDRESS = "2"  # addresses[].type: 2 = postal address
# postOffices[].languageCode: 1 = Finnish, 2 = Swedish, 3 = English.
LANGUAGE_CODES = {"fi": "1", "sv": "2", "en": "3"}
LOOKUP_CHUNK = 500
_COUNTRY = re.compile(r"^[A-Z]{2}$")

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RegisterAddress:
    street: str | None
    postal_code: str | None
    # City names by the register's language code; the customer's language picks one.
    cities: dict[str, str]
    country: str | None


@dataclass(frozen=True)
class RegisterCompany:
    """What the register says about one company (position: 1-based place in the file)."""

    position: int
    business_id: str
    name: str | None
    address: RegisterAddress | None


@dataclass(frozen=True)
class BadCompany:
    position: int
    business_id: str | None
    key: str
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class FieldUpdate:
    field: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class CustomerUpdate:
    number: int
    business_id: str
    changes: list[FieldUpdate]


@dataclass
class RegisterReport:
    """What an import did (or, for a dry run, would do)."""

    companies: int = 0
    updated: list[CustomerUpdate] = field(default_factory=list)
    unchanged: int = 0
    not_in_register: list[str] = field(default_factory=list)
    erased: list[int] = field(default_factory=list)
    problems: list[BadCompany] = field(default_factory=list)
    written: bool = False
    dry_run: bool = False


class _Abandon(Exception):
    """Rolls the import back: bad companies, or a dry run."""


class BusinessRegisterService:
    """`regbot import business-register`: names and addresses from the register."""

    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def import_file(
        self, path: Path, *, dry_run: bool = False, progress: Progress | None = None
    ) -> RegisterReport:
        """Read a register file and apply it all or nothing (or only report, on a dry run)."""
        companies, problems = parse_register(_load_json(path))
        return self.apply(companies, problems, dry_run=dry_run, progress=progress)

    def apply(
        self,
        companies: Sequence[RegisterCompany],
        problems: Sequence[BadCompany] = (),
        *,
        dry_run: bool = False,
        progress: Progress | None = None,
    ) -> RegisterReport:
        """Update every matching customer in one transaction; bad companies stop it all."""
        report = RegisterReport(
            companies=len(companies) + len(problems), problems=list(problems), dry_run=dry_run
        )
        try:
            with self._context.transaction(REGISTER_ACTOR) as tx:
                done = 0
                for chunk in _chunks(companies, LOOKUP_CHUNK):
                    wanted = [company.business_id for company in chunk]
                    customers = {
                        c.business_id: c
                        for c in tx.session.execute(
                            select(Customer).where(Customer.business_id.in_(wanted))
                        ).scalars()
                    }
                    for company in chunk:
                        _apply_one(tx, company, customers.get(company.business_id), report)
                        done += 1
                        if progress is not None:
                            progress(done, len(companies))
                if report.problems or dry_run:
                    raise _Abandon()
                tx.audit("import.business_register", detail=_summary(report))
        except _Abandon:
            with self._context.transaction(REGISTER_ACTOR) as tx:
                if report.problems:
                    tx.audit(
                        "import.business_register",
                        detail=f"rejected, bad companies={len(report.problems)}",
                        outcome="rejected",
                    )
                else:
                    tx.audit(
                        "import.business_register",
                        detail=_summary(report) + ", dry run",
                        outcome="dry_run",
                    )
            return report
        report.written = True
        return report


def _apply_one(
    tx: Tx, company: RegisterCompany, customer: Customer | None, report: RegisterReport
) -> None:
    """Bring one customer in line with the register, recording what changed."""
    if customer is None:
        report.not_in_register.append(company.business_id)
        return
    if customer.status == CustomerStatus.ERASED.value:
        report.erased.append(customer.number)
        return
    raw, before = _changes_for(company, customer)
    try:
        changed = apply_customer_changes(tx, customer, raw, source=Source.BUSINESS_REGISTER)
    except InvalidInput as err:
        report.problems.append(
            BadCompany(company.position, company.business_id, err.key, err.params)
        )
        return
    if not changed:
        report.unchanged += 1
        return
    report.updated.append(
        CustomerUpdate(
            number=customer.number,
            business_id=company.business_id,
            changes=[FieldUpdate(name, before[name], getattr(customer, name)) for name in changed],
        )
    )
    tx.audit(
        "customer.update",
        customer.number,
        detail="business register, fields: " + ",".join(changed),
    )


def parse_register(data: object) -> tuple[list[RegisterCompany], list[BadCompany]]:
    """The companies of an open-data response (or a list of them), and those that are unusable."""
    raw_companies = list(_raw_companies(data))
    companies: list[RegisterCompany] = []
    problems: list[BadCompany] = []
    first_seen: dict[str, int] = {}
    for position, raw in enumerate(raw_companies, start=1):
        try:
            company = parse_company(position, raw)
        except _BadCompany as exc:
            problems.append(BadCompany(position, exc.business_id, exc.key, exc.params))
            continue
        first = first_seen.setdefault(company.business_id, position)
        if first != position:
            problems.append(
                BadCompany(position, company.business_id, "register.duplicate", {"first": first})
            )
            continue
        companies.append(company)
    return companies, problems


class _BadCompany(Exception):
    def __init__(self, business_id: str | None, key: str, **params: object) -> None:
        super().__init__(key)
        self.business_id = business_id
        self.key = key
        self.params = params


def parse_company(position: int, raw: object) -> RegisterCompany:
    """One company object: its business ID, current name and preferred current address."""
    if not isinstance(raw, dict):
        raise _BadCompany(None, "register.not_company")
    value = raw.get("businessId")
    if isinstance(value, dict):
        value = value.get("value")
    if not isinstance(value, str) or not value.strip():
        raise _BadCompany(None, "register.no_business_id")
    try:
        business_id = canonical_business_id(value)
    except InvalidBusinessId:
        raise _BadCompany(value[:20], "register.bad_business_id") from None
    return RegisterCompany(
        position=position,
        business_id=business_id,
        name=current_name(raw.get("names")),
        address=preferred_address(raw.get("addresses")),
    )


def current_name(names: object) -> str | None:
    """The company's name now: type 1, no end date; version 1 is PRH's current version."""
    candidates = [
        n
        for n in _as_list(names)
        if _code(n.get("type")) == MAIN_NAME
        and not n.get("endDate")
        and isinstance(n.get("name"), str)
        and n["name"].strip()
    ]
    if not candidates:
        return None
    # Latest registration first, so that among equal versions the newest wins.
    candidates.sort(key=lambda n: str(n.get("registrationDate") or ""), reverse=True)
    best = min(candidates, key=lambda n: _int(n.get("version"), 1))
    return str(best["name"]).strip()


def preferred_address(addresses: object) -> RegisterAddress | None:
    """The current street address, else the current postal address."""
    current = [a for a in _as_list(addresses) if not a.get("endDate")]
    for wanted in (STREET_ADDRESS, POSTAL_ADDRESS):
        for address in current:
            if _code(address.get("type")) == wanted:
                parsed = _address(address)
                if parsed is not None:
                    return parsed
    return None


def city_for(address: RegisterAddress, language: str) -> str | None:
    """The city name in the customer's language when the register has it, else in Finnish."""
    for code in (LANGUAGE_CODES.get(language, "1"), "1"):
        if code in address.cities:
            return address.cities[code]
    return next(iter(address.cities.values()), None)


def _address(raw: Mapping[str, Any]) -> RegisterAddress | None:
    street = _text(raw.get("street"))
    box = _text(raw.get("postOfficeBox"))
    if street:
        suffix = (_text(raw.get("apartmentNumber")) or "") + (
            _text(raw.get("apartmentIdSuffix")) or ""
        )
        parts = [street, _text(raw.get("buildingNumber")), _text(raw.get("entrance")), suffix]
        line: str | None = " ".join(p for p in parts if p)
    elif box:
        line = box if not box[:1].isdigit() else f"PL {box}"
    else:
        line = None
    postal_code = _text(raw.get("postCode"))
    if postal_code is not None and postal_code.isdigit():
        postal_code = postal_code.zfill(5)
    cities: dict[str, str] = {}
    for office in _as_list(raw.get("postOffices")):
        city = _text(office.get("city"))
        if city:
            cities.setdefault(_code(office.get("languageCode")) or "1", _city_case(city))
    if not cities and (city := _text(raw.get("city"))):
        cities["1"] = _city_case(city)
    if line is None and postal_code is None and not cities:
        return None
    country = _text(raw.get("country"))
    if country is None:
        country = "FI"
    elif not _COUNTRY.match(country.upper()):
        country = None
    return RegisterAddress(
        street=line,
        postal_code=postal_code,
        cities=cities,
        country=country.upper() if country else None,
    )


def _changes_for(
    company: RegisterCompany, customer: Customer
) -> tuple[dict[str, str], dict[str, str | None]]:
    """The raw values to apply (only what the register has) and the customer's current ones."""
    raw: dict[str, str] = {}
    if company.name and customer.kind == CustomerKind.COMPANY.value:
        raw["name"] = company.name
    address = company.address
    if address is not None:
        if address.street:
            raw["street"] = address.street
        if address.postal_code:
            raw["postal_code"] = address.postal_code
        city = city_for(address, customer.language)
        if city:
            raw["city"] = city
        if address.country:
            raw["country"] = address.country
    before = {name: getattr(customer, name) for name in raw}
    return raw, before


def _raw_companies(data: object) -> Iterator[object]:
    if isinstance(data, dict):
        if "companies" in data and isinstance(data["companies"], list):
            yield from data["companies"]
            return
        if "results" in data:
            raise DomainError("register.v1_format")
        if "businessId" in data:
            yield data
            return
        raise DomainError("register.bad_format")
    if isinstance(data, list):
        for item in data:
            if isinstance(item, dict) and isinstance(item.get("companies"), list):
                yield from item["companies"]
            else:
                yield item
        return
    raise DomainError("register.bad_format")


def _load_json(path: Path) -> object:
    try:
        with path.open(encoding="utf-8-sig") as handle:
            return json.load(handle)
    except FileNotFoundError:
        raise DomainError("import.file_not_found", path=str(path)) from None
    except UnicodeDecodeError:
        raise DomainError("register.not_utf8") from None
    except ValueError as exc:
        raise DomainError("register.not_json", line=getattr(exc, "lineno", "?")) from None
    except OSError as exc:
        raise DomainError("import.unreadable", path=str(path), reason=exc.strerror) from None


def _as_list(value: object) -> list[Mapping[str, Any]]:
    # The API answers lists; a gateway that turns XML back into JSON may collapse a single one.
    items = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
    return [item for item in items if isinstance(item, dict)]


def _code(value: object) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    return str(value).strip() or None


def _text(value: object) -> str | None:
    if value is None or isinstance(value, bool | dict | list):
        return None
    text = " ".join(str(value).split())
    return text or None


def _int(value: object, default: int) -> int:
    try:
        return int(str(value))
    except ValueError:
        return default


def _city_case(city: str) -> str:
    # The register writes cities in capitals (HELSINKI); the register of customers does not.
    return city.title() if city.isupper() else city


def _chunks(items: Sequence[RegisterCompany], size: int) -> Iterator[Sequence[RegisterCompany]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _summary(report: RegisterReport) -> str:
    return (
        f"companies={report.companies}, updated={len(report.updated)}, "
        f"unchanged={report.unchanged}, not_in_register={len(report.not_in_register)}, "
        f"erased={len(report.erased)}"
    )
