"""Customer CSV import (SPEC §8.2) and the demo data, against a real SQLite register."""

from __future__ import annotations

import gc
import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.demo.data import generate_customers, seed_demo_register, write_customers_csv
from bot.domain.business_id import canonical_business_id, check_digit
from bot.domain.contact import canonical_phone
from bot.domain.import_rows import parse, parse_unquoted
from bot.services import Services, import_csv, imports
from bot.services.customers import CustomerService
from bot.services.errors import DomainError
from bot.services.export import ExportService
from bot.services.imports import BadRow, ImportService
from bot.services.unit import ServiceContext
from storage.models import AuditEvent, ContactPerson, Contract, Customer, FieldChange
from tests.conftest import ADMIN


@pytest.fixture
def context(services: Services) -> ServiceContext:
    """The shared fresh register (SQLite, and PostgreSQL when configured)."""
    return services.context


@pytest.fixture
def importer(context: ServiceContext) -> ImportService:
    return ImportService(context)


@pytest.fixture
def customers(context: ServiceContext) -> CustomerService:
    return CustomerService(context)


def business_id(prefix: str) -> str:
    """A valid business ID for seven digits (the test picks prefixes that have one)."""
    digit = check_digit(prefix)
    assert digit is not None
    return f"{prefix}-{digit}"


ACME = business_id("2855354")
BETA = business_id("1572860")
GAMMA = business_id("0737546")


def write(tmp_path: Path, text: str, name: str = "customers.csv", bom: bool = False) -> Path:
    path = tmp_path / name
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return path


def clean_file(tmp_path: Path) -> Path:
    return write(
        tmp_path,
        "name,business_id,email,phone,city\n"
        f"Acme Oy,{ACME},info@acme.example.fi,040 123 4567,Helsinki\n"
        f"Beta Ky,{BETA},,,Tampere\n"
        f"Gamma Oyj,{GAMMA},gamma@example.com,+358501234567,Oulu\n",
    )


def count_customers(context: ServiceContext) -> int:
    with context.sessions() as session:
        return session.execute(select(func.count(Customer.id))).scalar_one()


def test_a_clean_file_imports_every_row_and_the_customers_can_be_found(
    tmp_path: Path, importer: ImportService, customers: CustomerService
) -> None:
    report = importer.import_customers("import", clean_file(tmp_path))

    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    assert report.bad_rows == []
    assert report.written
    hits = customers.find(ADMIN, "acme").hits
    assert [(h.name, h.business_id, h.city) for h in hits] == [("Acme Oy", ACME, "Helsinki")]
    card = customers.show(ADMIN, ACME)
    assert card.phone == "+358401234567"
    assert card.kind == "company" and card.language == "fi" and card.country == "FI"


def test_one_bad_row_writes_nothing_and_the_report_names_its_line(
    tmp_path: Path, importer: ImportService, context: ServiceContext
) -> None:
    path = write(
        tmp_path,
        "name,business_id\n"
        f"Acme Oy,{ACME}\n"
        f"Beta Ky,{BETA}\n"
        "Broken Oy,1234567-0\n"
        f"Gamma Oyj,{GAMMA}\n",
    )

    report = importer.import_customers("import", path)

    assert not report.written
    assert report.bad_rows == [
        BadRow(4, "field.business_id", {"field": "business_id", "value": "1234567-0"})
    ]
    assert (report.created, report.updated, report.unchanged) == (0, 0, 0)
    assert count_customers(context) == 0


# Big files are checked in worker processes (`workers`); small ones here, unless told.
IN_PROCESS_AND_IN_A_WORKER = pytest.mark.parametrize("workers", [0, 1], ids=["here", "worker"])


@IN_PROCESS_AND_IN_A_WORKER
def test_skip_invalid_imports_the_good_rows_and_reports_the_rest(
    workers: int, tmp_path: Path, importer: ImportService, context: ServiceContext
) -> None:
    path = write(
        tmp_path,
        "name,business_id,email\n"
        f"Acme Oy,{ACME},\n"
        "Broken Oy,1234567-0,\n"
        f"Beta Ky,{BETA},not-an-address\n"
        f"Gamma Oyj,{GAMMA},\n",
    )

    report = importer.import_customers("import", path, skip_invalid=True, workers=workers)

    assert report.written
    assert report.created == 2
    assert [(b.line, b.key) for b in report.bad_rows] == [
        (3, "field.business_id"),
        (4, "field.email"),
    ]
    assert count_customers(context) == 2


def test_reimporting_the_same_file_creates_no_duplicates(
    tmp_path: Path, importer: ImportService, context: ServiceContext
) -> None:
    rows = generate_customers(12)
    path = tmp_path / "demo.csv"
    write_customers_csv(path, rows)
    importer.import_customers("import", path)

    report = importer.import_customers("import", path)

    assert (report.created, report.updated, report.unchanged) == (0, 0, 12)
    assert count_customers(context) == 12


@IN_PROCESS_AND_IN_A_WORKER
def test_a_changed_city_updates_the_customer_with_history_source_import(
    workers: int, tmp_path: Path, importer: ImportService, customers: CustomerService
) -> None:
    importer.import_customers("import", clean_file(tmp_path))
    changed = write(tmp_path, f"name,business_id,city\nBeta Ky,{BETA.replace('-', '')},Turku\n")

    report = importer.import_customers("import", changed, workers=workers)

    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    assert customers.show(ADMIN, BETA).city == "Turku"
    latest = customers.history(ADMIN, BETA).entries[0]
    assert (latest.field, latest.old, latest.new) == ("city", "Tampere", "Turku")
    assert latest.source == "import"
    assert latest.actor == "import"


def test_customer_numbers_are_kept_and_new_numbers_come_after_the_highest(
    tmp_path: Path, importer: ImportService, customers: CustomerService
) -> None:
    path = write(
        tmp_path,
        "customer_number;name;business_id\n"
        "20123;Acme Oy;\n"
        ";Unnumbered Oy;\n"
        f"20500;Beta Ky;{BETA}\n",
    )

    report = importer.import_customers("import", path)

    assert report.created == 3
    assert customers.show(ADMIN, "20123").name == "Acme Oy"
    assert customers.show(ADMIN, BETA).number == 20500
    assert customers.find(ADMIN, "unnumbered").hits[0].number > 20500
    created = customers.create(ADMIN, {"name": "Uusi Oy"})
    assert created.number > 20500


def test_a_row_with_a_known_customer_number_updates_that_customer(
    tmp_path: Path, importer: ImportService, customers: CustomerService
) -> None:
    importer.import_customers("import", write(tmp_path, "customer_number,name\n20001,Acme Oy\n"))

    report = importer.import_customers(
        "import", write(tmp_path, "customer_number,name\n20001,Acme Group Oy\n", name="b.csv")
    )

    assert (report.created, report.updated) == (0, 1)
    assert customers.show(ADMIN, "20001").name == "Acme Group Oy"


def test_an_unknown_column_is_refused_and_nothing_is_written(
    tmp_path: Path, importer: ImportService, context: ServiceContext
) -> None:
    path = write(tmp_path, "name,shoe_size\nAcme Oy,44\n")

    with pytest.raises(DomainError) as raised:
        importer.import_customers("import", path)

    assert raised.value.key == "import.unknown_columns"
    assert raised.value.params["columns"] == "shoe_size"
    assert count_customers(context) == 0


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("name,city,City", "import.duplicate_columns"),
        ("business_id,city", "import.missing_name_column"),
        ("", "import.empty"),
    ],
)
def test_a_bad_header_is_an_error_for_the_whole_file(
    tmp_path: Path, importer: ImportService, header: str, key: str
) -> None:
    path = write(tmp_path, header + "\n" if header else "")

    with pytest.raises(DomainError) as raised:
        importer.import_customers("import", path)

    assert raised.value.key == key


def test_a_missing_file_a_non_utf8_file_and_broken_quoting_are_errors(
    tmp_path: Path, importer: ImportService
) -> None:
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("name\nMäkelä Oy\n".encode("latin-1"))
    broken = write(tmp_path, 'name,city\nAcme Oy,Espoo\n"Beta Ky,Turku\n', name="broken.csv")
    cases = [
        (tmp_path / "missing.csv", "import.file_not_found"),
        (latin1, "import.not_utf8"),
        (broken, "import.bad_csv"),
    ]

    for path, key in cases:
        with pytest.raises(DomainError) as raised:
            importer.import_customers("import", path)
        assert raised.value.key == key


def test_a_row_matching_an_erased_customer_is_a_bad_row(
    tmp_path: Path, importer: ImportService, context: ServiceContext
) -> None:
    importer.import_customers("import", write(tmp_path, "customer_number,name\n20001,Acme Oy\n"))
    with context.sessions() as session, session.begin():
        customer = session.execute(select(Customer)).scalar_one()
        customer.status = "erased"

    report = importer.import_customers(
        "import", write(tmp_path, "customer_number,name\n20001,Acme Oy\n", name="again.csv")
    )

    assert report.bad_rows == [BadRow(2, "error.customer_erased", {"number": 20001})]


def test_a_business_id_owned_by_another_customer_is_a_bad_row(
    tmp_path: Path, importer: ImportService
) -> None:
    importer.import_customers("import", write(tmp_path, f"name,business_id\nAcme Oy,{ACME}\n"))

    report = importer.import_customers(
        "import",
        write(tmp_path, f"customer_number,name,business_id\n30000,Other Oy,{ACME}\n", name="b.csv"),
    )

    assert [(b.line, b.key) for b in report.bad_rows] == [(2, "field.business_id_taken")]


def test_a_repeated_business_id_in_the_file_is_a_bad_row_naming_the_first_line(
    tmp_path: Path, importer: ImportService, context: ServiceContext
) -> None:
    path = write(
        tmp_path,
        "name,business_id\n"
        f"Acme Oy,{ACME}\n"
        f"Beta Ky,{BETA}\n"
        f"Acme Again Oy,{ACME.replace('-', ' ')}\n",
    )

    report = importer.import_customers("import", path)

    assert report.bad_rows == [
        BadRow(4, "import.duplicate_row", {"line": 2, "field": "business_id"})
    ]
    assert not report.written
    assert count_customers(context) == 0


def test_line_numbers_count_physical_lines_and_skip_blank_ones(
    tmp_path: Path, importer: ImportService, customers: CustomerService
) -> None:
    path = write(
        tmp_path,
        'name;street;email\r\n"Acme Oy";"Katu 1\r\nB 2";\r\n\r\nBeta Ky;;bad@\r\n'
        '"Gamma; Oyj";Katu 3;\r\n',
        bom=True,
    )

    report = importer.import_customers("import", path, skip_invalid=True)

    assert report.created == 1
    assert [(b.line, b.key) for b in report.bad_rows] == [
        (2, "field.control_chars"),
        (5, "field.email"),
    ]
    assert customers.find(ADMIN, "gamma").hits[0].name == "Gamma; Oyj"


def test_a_row_with_the_wrong_number_of_cells_is_a_bad_row(
    tmp_path: Path, importer: ImportService
) -> None:
    path = write(tmp_path, "name,city\nAcme Oy,Helsinki,extra\n")

    report = importer.import_customers("import", path)

    assert report.bad_rows == [BadRow(2, "import.row_cells", {"expected": 2, "found": 3})]


def test_people_without_identifiers_are_recognised_by_name_and_email_on_reimport(
    tmp_path: Path, importer: ImportService, context: ServiceContext
) -> None:
    path = write(
        tmp_path,
        "name,kind,email\n"
        "Maija Meikäläinen,person,maija@example.fi\n"
        "Matti Meikäläinen,person,matti@example.fi\n",
    )
    importer.import_customers("import", path)

    report = importer.import_customers("import", path)

    assert (report.created, report.unchanged) == (0, 2)
    assert count_customers(context) == 2


def test_rows_nothing_can_recognise_are_counted_as_they_are_created(
    tmp_path: Path, importer: ImportService, context: ServiceContext
) -> None:
    """A name alone is no key (two customers may share one): such rows are created again
    by every import of the file, and the report says how many there were."""
    path = write(
        tmp_path,
        "name,business_id,email,customer_number\n"
        "Pelkkä Nimi Oy,,,\n"
        "Toinen Nimi Ky,,,\n"
        "Sähköposti Oy,,info@example.fi,\n"
        "Tunnus Oy,2855354-7,,\n"
        "Numero Oy,,,20001\n",
    )

    first = importer.import_customers("import", path)
    again = importer.import_customers("import", path)

    assert (first.created, first.unkeyed) == (5, 2)
    assert (again.created, again.unchanged, again.unkeyed) == (2, 3, 2)
    assert count_customers(context) == 7


def test_progress_is_reported_per_batch_ending_with_total_of_total(
    tmp_path: Path, importer: ImportService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(import_csv, "BATCH_SIZE", 2)
    path = tmp_path / "demo.csv"
    write_customers_csv(path, generate_customers(5))
    calls: list[tuple[int, int]] = []

    importer.import_customers(
        "import", path, progress=lambda done, total: calls.append((done, total))
    )

    assert calls == [(2, 5), (4, 5), (5, 5)]


def test_an_import_is_audited_per_customer_and_as_a_whole(
    tmp_path: Path, importer: ImportService, context: ServiceContext
) -> None:
    importer.import_customers("import", clean_file(tmp_path))

    with context.sessions() as session:
        events = session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars().all()
    assert [e.action for e in events] == ["customer.create"] * 3 + ["import.customers"]
    assert {e.actor for e in events} == {"import"}
    assert events[-1].detail is not None
    assert events[-1].detail.startswith("created=3, updated=0")


def test_generated_customers_have_valid_unique_business_ids_and_contact_details() -> None:
    rows = generate_customers(300, seed=3)

    ids = [r["business_id"] for r in rows if r["business_id"]]
    assert len(ids) == len(set(ids)) >= 200
    assert all(canonical_business_id(b) == b for b in ids)
    assert all(canonical_phone(r["phone"]) for r in rows)
    assert all(r["email"].endswith(("@example.fi", "@example.com")) for r in rows)
    assert {r["kind"] for r in rows} == {"company", "person"}
    assert sum(" Oy" in r["name"] for r in rows) >= 20
    assert {r["language"] for r in rows} == {"fi", "sv", "en"}
    assert generate_customers(300, seed=3) == rows
    assert generate_customers(300, seed=4) != rows


def test_generated_customers_import_cleanly(tmp_path: Path, importer: ImportService) -> None:
    path = tmp_path / "demo.csv"
    write_customers_csv(path, generate_customers(200, seed=11))

    report = importer.import_customers("import", path)

    assert report.bad_rows == []
    assert report.created == 200


def test_seeding_the_demo_register_is_idempotent(
    context: ServiceContext, customers: CustomerService
) -> None:
    assert seed_demo_register(context, count=25) == 25
    assert seed_demo_register(context, count=25) == 0

    assert count_customers(context) == 25
    assert customers.find(ADMIN, "oy").total >= 5
    with context.sessions() as session:
        assert session.execute(select(func.count(ContactPerson.id))).scalar_one() >= 2
        products = set(session.execute(select(Contract.product)).scalars())
        assert products == {"Pro Työturva", "Työturva Perus"}
        sources = set(session.execute(select(FieldChange.source)).scalars())
        assert sources == {"import"}


def test_an_imported_customers_fields_read_as_one_history_entry_each(
    tmp_path: Path, importer: ImportService, context: ServiceContext, services: Services
) -> None:
    """The import stores a new customer's fields as one packed row (bot.field_history); the
    history, the access export and erasure read it as one entry per field, as if stored so."""
    importer.import_customers("import", clean_file(tmp_path))
    services.customers.update(ADMIN, ACME, {"city": "Espoo"})
    with context.sessions() as session:
        customer_id, number = session.execute(
            select(Customer.id, Customer.number).where(Customer.business_id == ACME)
        ).one()
        fields = session.execute(
            select(FieldChange.field).where(FieldChange.customer_id == customer_id)
        ).scalars()
        assert sorted(fields) == ["*", "city"]

    history = services.customers.history(ADMIN, ACME)

    shown = [(e.field, e.old, e.new, e.source) for e in history.entries]
    assert shown == [
        ("city", "Helsinki", "Espoo", "staff"),
        ("city", None, "Helsinki", "import"),
        ("phone", None, canonical_phone("040 123 4567"), "import"),
        ("email", None, "info@acme.example.fi", "import"),
        ("business_id", None, ACME, "import"),
        ("name", None, "Acme Oy", "import"),
    ]
    assert history.total == 6
    exported = json.loads(
        ExportService(context).export(ADMIN, ACME).json_path.read_text(encoding="utf-8")
    )["field_history"]
    assert [(h["field"], h["new_value"]) for h in exported][:2] == [
        ("name", "Acme Oy"),
        ("business_id", ACME),
    ]
    assert len(exported) == 6
    assert services.erasure.preview(ADMIN, ACME).counts["field_history"] == 6

    report = services.erasure.erase(ADMIN, ACME)

    assert ("old and new values in the change history", 6) in [
        (item.what, item.count) for item in report.removed
    ]

    erased = services.customers.history(ADMIN, str(number)).entries
    kept = {(e.field, e.old, e.new) for e in erased if e.source == "import"}
    assert kept == {
        (name, None, None) for name in ("name", "business_id", "email", "phone", "city")
    }


CONTACT_ROWS = [
    {"name": "Anna Aho", "email": "anna@example.fi", "phone": "040 111 1111"},
    {"name": "Anna Aho", "email": "anna.aho@example.fi", "phone": "040 111 1111"},
    {"name": "Bertta Berg", "phone": "040 222 2222"},
    {"name": "Celia Cid", "email": "celia@example.fi", "phone": "040 333 3333"},
    # Later batches: by name and phone, one of two customers and one of one; a repeat of a
    # row by its own key; a new customer.
    {"name": "Anna Aho", "phone": "040 111 1111"},
    {"name": "Celia Cid", "phone": "040 333 3333"},
    {"name": "Bertta Berg", "phone": "040 222 2222"},
    {"name": "Daniel Dahl", "email": "daniel@example.fi"},
]


@pytest.mark.parametrize("register", ["empty", "with a customer"])
@IN_PROCESS_AND_IN_A_WORKER
def test_rows_without_identifiers_meet_customers_earlier_batches_created(
    workers: int,
    register: str,
    tmp_path: Path,
    importer: ImportService,
    customers: CustomerService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A row with neither number nor business ID names the customers earlier batches created
    by name and e-mail or phone: one is a repeat, two are ambiguous."""
    monkeypatch.setattr(import_csv, "BATCH_SIZE", 2)
    if register != "empty":
        customers.create(ADMIN, {"name": "Vanha Asiakas Oy", "business_id": ACME})
    path = tmp_path / "contacts.csv"
    write_customers_csv(path, CONTACT_ROWS)

    report = importer.import_customers("import", path, skip_invalid=True, workers=workers)

    anna, anna_too = (
        customers.find(ADMIN, email).hits[0].number
        for email in ("anna@example.fi", "anna.aho@example.fi")
    )
    bad = [(r.line, r.key, r.params) for r in report.bad_rows]
    assert bad == [
        (6, "import.ambiguous_match", {"field": "name, phone", "numbers": f"{anna}, {anna_too}"}),
        (7, "import.duplicate_row", {"line": 5, "field": "name, phone"}),
        (8, "import.duplicate_row", {"line": 4, "field": "name, phone"}),
    ]
    assert report.created == 5
    assert customers.find(ADMIN, "daniel@example.fi").total == 1


@settings(max_examples=400, deadline=None, database=None)
@given(
    text=st.text(alphabet="ab ä1,;\t\r\n", max_size=80),
    delimiter=st.sampled_from([",", ";"]),
)
def test_a_file_without_quotes_splits_into_the_records_the_csv_reader_finds(
    text: str, delimiter: str
) -> None:
    """The scan reads a file without quote characters line by line: the same records, with
    the same line numbers, as the CSV reader's."""
    by_reader = list(parse(io.StringIO(text, newline=""), delimiter))
    by_lines = list(parse_unquoted(io.StringIO(text, newline=""), delimiter))

    assert by_lines == by_reader


def test_a_file_with_quotes_is_scanned_by_the_csv_reader(tmp_path: Path) -> None:
    """A quoted cell may hold the delimiter and line breaks: one record of three lines."""
    path = write(tmp_path, 'name,city\n"Acme, Oy","Helsinki\n\nItä"\nBeta Ky,Oulu\n')

    scan = import_csv.scan_csv(path)

    assert (scan.records, scan.header) == (2, ["name", "city"])
    assert import_csv.has_quotes(path)
    assert not import_csv.has_quotes(clean_file(tmp_path))


def test_an_import_leaves_the_garbage_collector_as_it_found_it(
    tmp_path: Path, importer: ImportService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The import tunes the collector for its batches (`collector_spared`) and undoes it,
    also when writing a batch fails."""
    thresholds = gc.get_threshold()
    frozen = gc.get_freeze_count()
    importer.import_customers("import", clean_file(tmp_path))
    assert (gc.get_threshold(), gc.get_freeze_count()) == (thresholds, frozen)

    def fail(*args: object) -> None:
        assert gc.get_threshold() != thresholds  # tuned while the batches are written
        raise RuntimeError("disk full")

    monkeypatch.setattr(imports._BatchWriter, "write", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        importer.import_customers("import", clean_file(tmp_path))

    assert (gc.get_threshold(), gc.get_freeze_count()) == (thresholds, frozen)
