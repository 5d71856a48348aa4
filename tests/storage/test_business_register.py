"""Business-register import (notice §6): PRH open-data v3 JSON → names and addresses, with
provenance `business_register` in the history."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.domain.business_id import check_digit
from bot.services import Services
from bot.services.business_register import (
    city_for,
    current_name,
    parse_register,
    preferred_address,
)
from bot.services.errors import DomainError
from storage.models import AuditEvent, Customer, FieldChange
from tests.conftest import ADMIN, RunningApp

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "business_register_sample.json"


def seed(services: Services) -> None:
    services.customers.create(
        ADMIN,
        {
            "name": "Leikkaus Testi Oy",
            "business_id": "1618033-3",
            "street": "Vanhatie 1",
            "postal_code": "33200",
            "city": "Tampere",
        },
    )
    services.customers.create(
        ADMIN,
        {
            "name": "Neliöjuuri Ab",
            "business_id": "1414213-0",
            "street": "Gamla vägen 2",
            "city": "Vaasa",
            "language": "sv",
        },
    )
    services.customers.create(
        ADMIN,
        {
            "name": "Viisikko Oy",
            "business_id": "2236067-2",
            "street": "Viidenkatu 5",
            "postal_code": "20100",
            "city": "Turku",
        },
    )


def history(services: Services) -> list[tuple[int, str, str | None, str | None, str, str]]:
    with services.context.sessions() as session:
        rows = session.execute(
            select(Customer.number, FieldChange)
            .join(Customer, Customer.id == FieldChange.customer_id)
            .where(FieldChange.source == "business_register")
            .order_by(FieldChange.id)
        ).all()
    return [(n, c.field, c.old_value, c.new_value, c.actor, c.source) for n, c in rows]


def test_the_sample_uses_valid_synthetic_business_ids() -> None:
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    for company in data["companies"]:
        digits, check = company["businessId"]["value"].split("-")
        assert check_digit(digits) == int(check)


def test_the_current_name_is_the_main_name_without_end_date_at_version_one() -> None:
    names = [
        {"name": "Old Oy", "type": "1", "endDate": "2019-06-02", "version": 2},
        {"name": "Parallel Ab", "type": "2", "version": 1},
        {"name": "Now Oy", "type": 1, "registrationDate": "2019-06-03", "version": 1},
    ]
    assert current_name(names) == "Now Oy"
    assert current_name([{"name": "Only Parallel", "type": "3"}]) is None
    assert current_name(None) is None


def test_the_street_address_wins_and_the_postal_one_is_the_fallback() -> None:
    street = {
        "type": 1,
        "street": "Katu",
        "buildingNumber": 7,
        "entrance": "C",
        "apartmentNumber": "12",
        "apartmentIdSuffix": "a",
        "postCode": 2100,
        "postOffices": [
            {"city": "ESPOO", "languageCode": "1"},
            {"city": "ESBO", "languageCode": 2},
        ],
    }
    postal = {"type": 2, "postOfficeBox": "220", "postCode": "00101", "postOffices": []}
    chosen = preferred_address([postal, street])
    assert chosen is not None
    assert (chosen.street, chosen.postal_code, chosen.country) == ("Katu 7 C 12a", "02100", "FI")
    assert (city_for(chosen, "fi"), city_for(chosen, "sv"), city_for(chosen, "en")) == (
        "Espoo",
        "Esbo",
        "Espoo",
    )
    box = preferred_address([postal, {**street, "endDate": "2020-01-01"}])
    assert box is not None and box.street == "PL 220"
    assert preferred_address([]) is None


def test_bad_and_duplicate_companies_are_reported_by_position() -> None:
    companies, problems = parse_register(
        {
            "companies": [
                {"businessId": {"value": "1618033-3"}},
                {"businessId": {"value": "1618033-4"}},
                {"names": []},
                "nonsense",
                {"businessId": {"value": "16180333"}},
            ]
        }
    )
    assert [c.business_id for c in companies] == ["1618033-3"]
    assert [(p.position, p.key) for p in problems] == [
        (2, "register.bad_business_id"),
        (3, "register.no_business_id"),
        (4, "register.not_company"),
        (5, "register.duplicate"),
    ]


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"results": []}, "register.v1_format"),
        ({"hello": "world"}, "register.bad_format"),
        ("text", "register.bad_format"),
    ],
)
def test_files_in_another_shape_are_refused_whole(data: Any, key: str) -> None:
    with pytest.raises(DomainError) as caught:
        parse_register(data)
    assert caught.value.key == key


def test_a_list_of_responses_and_a_single_company_are_read_too() -> None:
    one = {"businessId": {"value": "1618033-3"}, "names": [{"name": "A Oy", "type": "1"}]}
    assert [c.name for c in parse_register([{"companies": [one]}])[0]] == ["A Oy"]
    assert [c.name for c in parse_register(one)[0]] == ["A Oy"]


def test_an_import_updates_names_and_addresses_with_provenance(services: Services) -> None:
    seed(services)
    report = services.business_register.import_file(SAMPLE)
    assert report.written and not report.problems
    assert report.companies == 4
    assert report.unchanged == 1
    assert report.not_in_register == ["1732050-2"]
    changes = {u.number: {(c.field, c.old, c.new) for c in u.changes} for u in report.updated}
    assert changes == {
        10001: {
            ("name", "Leikkaus Testi Oy", "Kultainen Leikkaus Oy"),
            ("street", "Vanhatie 1", "Esimerkkikatu 12 B 4"),
            ("postal_code", "33200", "33100"),
        },
        10002: {
            ("street", "Gamla vägen 2", "Testivägen 5"),
            ("postal_code", None, "65100"),
            ("city", "Vaasa", "Vasa"),
        },
    }
    rows = history(services)
    assert {(n, f) for n, f, *_ in rows} == {
        (10001, "name"),
        (10001, "street"),
        (10001, "postal_code"),
        (10002, "street"),
        (10002, "postal_code"),
        (10002, "city"),
    }
    assert {(actor, source) for *_, actor, source in rows} == {
        ("business_register", "business_register")
    }
    with services.context.sessions() as session:
        audits = session.execute(
            select(AuditEvent.action, AuditEvent.customer_number, AuditEvent.actor).where(
                AuditEvent.actor == "business_register"
            )
        ).all()
    assert sorted((a, n) for a, n, _ in audits) == [
        ("customer.update", 10001),
        ("customer.update", 10002),
        ("import.business_register", None),
    ]
    assert services.customers.find(ADMIN, "kultainen").hits[0].number == 10001


def test_a_second_import_of_the_same_file_changes_nothing(services: Services) -> None:
    seed(services)
    services.business_register.import_file(SAMPLE)
    before = len(history(services))
    again = services.business_register.import_file(SAMPLE)
    assert again.updated == [] and again.unchanged == 3
    assert len(history(services)) == before


def test_a_dry_run_reports_and_changes_nothing(services: Services) -> None:
    seed(services)
    report = services.business_register.import_file(SAMPLE, dry_run=True)
    assert not report.written and report.dry_run
    assert len(report.updated) == 2
    assert history(services) == []
    assert services.customers.show(ADMIN, "10001").name == "Leikkaus Testi Oy"


def test_a_person_keeps_their_own_name_and_an_erased_customer_is_left_alone(
    services: Services, tmp_path: Path
) -> None:
    services.customers.create(
        ADMIN, {"name": "Maija Meikäläinen", "kind": "person", "business_id": "1618033-3"}
    )
    services.customers.create(ADMIN, {"name": "Poistettu", "business_id": "1414213-0"})
    with services.context.sessions() as session, session.begin():
        erased = session.execute(select(Customer).where(Customer.number == 10002)).scalar_one()
        erased.status = "erased"
    report = services.business_register.import_file(SAMPLE)
    assert report.erased == [10002]
    card = services.customers.show(ADMIN, "10001")
    assert card.name == "Maija Meikäläinen"
    assert card.street == "Esimerkkikatu 12 B 4"


def test_a_company_whose_data_does_not_validate_stops_the_whole_import(
    services: Services, tmp_path: Path
) -> None:
    seed(services)
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    data["companies"][1]["addresses"][0]["street"] = "x" * 300
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    report = services.business_register.import_file(path)
    assert not report.written
    assert [(p.position, p.business_id, p.key) for p in report.problems] == [
        (2, "1414213-0", "field.too_long")
    ]
    assert history(services) == []


def test_history_in_slack_shows_the_register_as_the_source(app: RunningApp) -> None:
    seed(app.services)
    app.services.business_register.import_file(SAMPLE)
    text = app.reply_text("/customer", "history 10001")
    assert "Vanhatie 1 → Esimerkkikatu 12 B 4" in text
    assert "business register" in text
    assert "business_register" in text  # the actor
