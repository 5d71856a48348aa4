"""Use cases that only read (find, show, lists) on SQLite: their reads run beside the one
writer, they cannot write, and their audit links are committed before the caller gets data.
Processes take turns at writing through a lock file."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import DBAPIError, OperationalError

from bot.services import Services
from bot.services.errors import NotStaff, PermissionRefused
from storage.db import make_engine, turn_file_for
from storage.models import AuditEvent, Customer
from tests.conftest import ADMIN


@pytest.fixture
def sqlite_services(services: Services, engine: Engine) -> Services:
    if engine.dialect.name != "sqlite":
        pytest.skip("reading transactions apart from the writer are SQLite's")
    return services


def test_a_reading_use_case_cannot_write(sqlite_services: Services) -> None:
    with (
        pytest.raises(OperationalError, match="readonly"),
        sqlite_services.context.reading(ADMIN) as tx,
    ):
        tx.session.add(Customer(number=99999, kind="company", name="X", name_search="x"))
        tx.session.flush()


def test_a_writing_use_case_after_a_reading_one_on_the_same_connection_can_write(
    sqlite_services: Services,
) -> None:
    sqlite_services.customers.find(ADMIN, "anything")
    assert sqlite_services.customers.create(ADMIN, {"name": "Perässä Oy"}).number == 10001


def test_reads_run_while_another_connection_holds_the_write_lock(
    sqlite_services: Services, engine: Engine
) -> None:
    number = sqlite_services.customers.create(ADMIN, {"name": "Lukija Oy"}).number
    writer = make_engine(str(engine.url))
    seen: list[str] = []
    conn = writer.connect()
    transaction = conn.begin()  # BEGIN IMMEDIATE: the write lock, and this process's turn
    try:
        conn.exec_driver_sql("UPDATE customer SET city = 'Kesken'")

        def read() -> None:
            with sqlite_services.context.reading(ADMIN) as tx:
                row = tx.session.execute(text("SELECT name FROM customer")).scalar_one()
                seen.append(row)

        reader = threading.Thread(target=read)
        reader.start()
        reader.join(timeout=5)
        # The read finished with the writer still in its transaction.
        assert seen == ["Lukija Oy"]
    finally:
        transaction.rollback()
        conn.close()
    writer.dispose()
    assert sqlite_services.customers.show(ADMIN, str(number)).name == "Lukija Oy"


def test_every_read_is_audited(services: Services) -> None:
    number = services.customers.create(ADMIN, {"name": "Kirjattu Oy"}).number
    services.customers.show(ADMIN, str(number))
    services.customers.find(ADMIN, "kirjattu")
    with services.context.transaction(ADMIN) as tx:
        actions = tx.session.execute(
            text("SELECT action, outcome FROM audit_event ORDER BY seq")
        ).all()
    assert [tuple(a) for a in actions] == [
        ("customer.create", "ok"),
        ("customer.show", "ok"),
        ("customer.find", "ok"),
    ]
    assert services.audit.verify().ok


def test_a_refused_read_is_audited_too(services: Services) -> None:
    with pytest.raises(NotStaff):
        services.customers.find("U0STRANGER", "mitä tahansa")
    with services.context.transaction(ADMIN) as tx:
        refused = tx.session.query(AuditEvent).filter_by(outcome="refused").count()
    assert refused == 1


@pytest.mark.parametrize("command", ["show", "find"])
def test_no_data_reaches_the_caller_when_its_audit_link_cannot_be_written(
    services: Services, engine: Engine, command: str
) -> None:
    number = services.customers.create(ADMIN, {"name": "Salainen Oy"}).number
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE audit_event RENAME TO audit_event_gone")
    with pytest.raises(DBAPIError):
        getattr(services.customers, command)(ADMIN, str(number))
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE audit_event_gone RENAME TO audit_event")
    # Every pooled connection is back in a state a writing use case can trust.
    assert services.customers.create(ADMIN, {"name": "Seuraava Oy"}).number == number + 1
    services.customers.find(ADMIN, "seuraava")
    assert services.audit.verify().ok


def test_a_staff_member_finds_with_the_role_the_staff_table_gives(services: Services) -> None:
    services.customers.create(ADMIN, {"name": "Roolitettu Oy"})
    services.staff.grant(ADMIN, "U0VIEWER", "viewer")
    assert services.customers.find("U0VIEWER", "roolitettu").total == 1
    services.staff.revoke(ADMIN, "U0VIEWER")
    with pytest.raises(NotStaff):
        services.customers.find("U0VIEWER", "roolitettu")


def test_a_stranger_is_refused_before_the_text_is_judged(services: Services) -> None:
    """A find's role check may wait for its listing (`Look.require`); a text too short to
    search for is still refused first, and the refusal audited."""
    with pytest.raises(NotStaff):
        services.customers.find("U0STRANGER", "a")
    with services.context.transaction(ADMIN) as tx:
        outcomes = tx.session.execute(text("SELECT action, outcome FROM audit_event")).all()
    assert [tuple(each) for each in outcomes] == [("customer.find", "refused")]


def test_a_role_checked_with_the_listing_keeps_its_listing_from_one_who_lacks_it(
    services: Services,
) -> None:
    """A permission left to the listing's own statement on PostgreSQL (`Look.require`) is
    checked as `authorize` checks it: a role without it gets no rows, no link for them, and
    its refusal audited; one with it gets the rows, each linked."""
    number = services.customers.create(ADMIN, {"name": "Tarkastettu Oy"}).number
    services.staff.grant(ADMIN, "U0AGENT", "agent")
    services.staff.grant(ADMIN, "U0PRIVACY", "privacy")
    listing = (
        "SELECT number, 1 AS ordinal FROM customer WHERE number = :number",
        {"number": number},
    )

    def listed(actor: str) -> list[tuple[object, ...]]:
        with services.context.looking(actor) as look:
            look.require("audit.read")
            return look.read_listed([listing], "audit.read", "listed")

    with pytest.raises(PermissionRefused):
        listed("U0AGENT")
    assert listed("U0PRIVACY") == [(number, 1)]
    with services.context.transaction(ADMIN) as tx:
        links = tx.session.execute(
            text(
                "SELECT actor, outcome, customer_number, detail FROM audit_event"
                " WHERE action = 'audit.read' ORDER BY seq"
            )
        ).all()
    assert [tuple(link) for link in links] == [
        ("U0AGENT", "refused", None, "missing read_audit"),
        ("U0PRIVACY", "ok", number, "listed"),
    ]
    assert services.audit.verify().ok


def test_a_staff_members_find_by_number_or_by_one_word_is_one_round_trip_on_postgresql(
    services: Services, engine: Engine, tmp_path: Path
) -> None:
    """The role of staff whom the settings do not make admins is read by the find's own
    statement, and one word that can only be a username or a name is looked for as both in
    one statement: one round trip to the server, counted on the wire (libpq's trace: the
    server says ReadyForQuery once per round trip)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no round trips")
    from psycopg.pq import Trace

    number = services.customers.create(ADMIN, {"name": "Kierros Oy"}).number
    services.staff.grant(ADMIN, "U0AGENT", "agent")
    trace = tmp_path / "libpq.trace"
    descriptor = os.open(trace, os.O_WRONLY | os.O_CREAT | os.O_APPEND)

    def traced(connection: Any, _record: object) -> None:
        connection.pgconn.trace(descriptor)
        connection.pgconn.set_trace_flags(Trace.SUPPRESS_TIMESTAMPS | Trace.REGRESS_MODE)

    event.listen(engine, "connect", traced)
    engine.dispose()  # every connection from here on is traced
    try:
        services.customers.find(ADMIN, str(number))  # a connection for the pool
        for actor in (ADMIN, "U0AGENT"):
            for text in (str(number), "kierro"):
                start = trace.stat().st_size
                assert services.customers.find(actor, text).total == 1
                assert trace.read_text()[start:].count("\tReadyForQuery") == 1, (actor, text)
    finally:
        event.remove(engine, "connect", traced)
        engine.dispose()
        os.close(descriptor)


def test_a_look_that_fails_leaves_no_connection_committing_statement_by_statement(
    services: Services, engine: Engine
) -> None:
    """On PostgreSQL a Look's connection is in autocommit mode; an error inside a BEGIN it
    sent must not hand the pool a connection in a failed transaction or in autocommit."""
    with pytest.raises(DBAPIError), services.context.looking(ADMIN) as look:
        look.run_all([("BEGIN", {}), ("SELECT no_such_column FROM customer", {})])
    for _ in range(3):
        with engine.connect() as conn:
            raw = conn.connection.driver_connection
            assert not getattr(raw, "autocommit", False)
            conn.exec_driver_sql("SELECT 1")


def test_processes_take_turns_through_the_lock_file(engine: Engine, tmp_path: Path) -> None:
    """A second process's BEGIN IMMEDIATE waits on the flock, not SQLite's sleeping poll."""
    if engine.dialect.name != "sqlite":
        pytest.skip("the lock file is SQLite's")
    database = engine.url.database
    assert database is not None
    turn_file = turn_file_for(database)
    assert turn_file == database + "-turn"
    holder = (
        "import sys, time\n"
        "from storage.db import make_engine\n"
        "engine = make_engine(sys.argv[1])\n"
        "with engine.begin() as conn:\n"
        "    print('holding', flush=True)\n"
        "    time.sleep(0.5)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", holder, str(engine.url)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "holding"
    started = time.monotonic()
    with engine.begin() as conn:
        waited = time.monotonic() - started
        conn.exec_driver_sql("SELECT 1")
    process.wait(timeout=10)
    assert Path(turn_file).exists()
    # It waited for the other process's transaction to end (about 0.5 s), and got in then.
    assert 0.2 < waited < 5


def test_a_find_that_finds_nobody_appends_no_link_and_leaves_its_connection_clean(
    services: Services, engine: Engine
) -> None:
    """On PostgreSQL a find locks the audit head after its reads, in their round trip; with no
    hits, the transaction ends without a link. A text that is a number nobody has goes on to
    the names, which starts that transaction over."""
    services.customers.create(ADMIN, {"name": "Löytyvä Oy"})
    assert services.customers.find(ADMIN, "olematon").total == 0
    assert services.customers.find(ADMIN, "99999").total == 0  # identifier ways, then names
    assert services.customers.find(ADMIN, "löytyvä").total == 1
    with services.context.transaction(ADMIN) as tx:
        finds = tx.session.execute(
            text("SELECT count(*) FROM audit_event WHERE action = 'customer.find'")
        ).scalar_one()
    assert finds == 1
    assert services.audit.verify().ok
    for _ in range(3):
        with engine.connect() as conn:
            assert not getattr(conn.connection.driver_connection, "autocommit", False)
            assert conn.exec_driver_sql("SELECT count(*) FROM customer").scalar_one() == 1


def test_a_look_that_fails_in_a_pipeline_does_not_poison_its_connection(
    services: Services, engine: Engine
) -> None:
    """After an error in a pipeline, psycopg may count as prepared a statement the server
    skipped (it prepares a statement on its sixth run); a connection kept in the pool would
    then fail that statement every time. The failed Look's connection is discarded."""
    context = services.context

    def look(*statements: str) -> None:
        with context.looking(ADMIN) as look_:
            look_.run_all([(sql, {}) for sql in statements])

    with pytest.raises(DBAPIError):
        look("SELECT no_such_column FROM customer")
    for _ in range(5):
        look("SELECT 1 AS found", "SELECT 2 AS after")
    with pytest.raises(DBAPIError):
        look("SELECT no_such_column AS found FROM customer", "SELECT 2 AS after")
    for _ in range(3):
        look("SELECT 1 AS found", "SELECT 2 AS after")


def test_finds_in_many_threads_audit_each_customer_listed_once_in_listing_order(
    services: Services,
) -> None:
    """On PostgreSQL a find's links are appended by its own statement, their hashes computed
    by the server: finds racing each other still make one unbroken chain, one link per
    customer listed, each find's links together and in the order its reply lists them."""
    for index in range(12):
        services.customers.create(ADMIN, {"name": f"Ketjukauppa {index:02d} Oy"})
    for index in range(4):
        services.customers.create(ADMIN, {"name": f"Ketjuliike {index} Oy"})
    listed: list[list[int]] = []
    failures: list[BaseException] = []

    def find_all(text_: str) -> None:
        try:
            for _ in range(6):
                listed.append([hit.number for hit in services.customers.find(ADMIN, text_).hits])
        except BaseException as exc:  # reported below
            failures.append(exc)

    texts = ["ketjukauppa", "ketjuliike", "olematon", "ketjukauppa"]
    threads = [threading.Thread(target=find_all, args=(t,)) for t in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    assert sorted(map(len, listed)) == [0] * 6 + [4] * 6 + [10] * 12
    assert services.audit.verify().ok
    with services.context.transaction(ADMIN) as tx:
        numbers = list(
            tx.session.execute(
                text(
                    "SELECT customer_number FROM audit_event"
                    " WHERE action = 'customer.find' ORDER BY seq"
                )
            ).scalars()
        )
    # Cut the links into the listings, in whatever order the finds took turns.
    remaining = [each for each in listed if each]
    while numbers:
        listing = next(each for each in remaining if numbers[: len(each)] == each)
        remaining.remove(listing)
        numbers = numbers[len(listing) :]
    assert remaining == []


def test_a_find_that_lists_nobody_does_not_wait_for_the_audit_head(
    services: Services, engine: Engine
) -> None:
    """On PostgreSQL the head is locked only when a find lists someone: with another
    transaction holding it, a find that finds nobody answers at once, and one that finds
    someone waits its turn."""
    if engine.dialect.name != "postgresql":
        pytest.skip("on SQLite a find's links are appended after its reads, apart")
    services.customers.create(ADMIN, {"name": "Jonottaja Oy"})
    answered: list[str] = []

    def find(text_: str) -> None:
        services.customers.find(ADMIN, text_)
        answered.append(text_)

    with engine.connect() as holder:
        holder.exec_driver_sql("SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE")
        finds = [threading.Thread(target=find, args=(t,)) for t in ("olematon", "jonottaja")]
        for thread in finds:
            thread.start()
        time.sleep(1.0)
        # The find that lists nobody has answered; the other waits for the head.
        assert answered == ["olematon"]
        holder.rollback()
    for thread in finds:
        thread.join(timeout=10)
    assert len(answered) == 2
    assert services.audit.verify().ok
