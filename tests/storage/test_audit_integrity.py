"""Tampering with, deleting or reordering any audit row is caught by `regbot audit verify`,
which names the first broken event (SPEC §6), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from bot.cli import app as cli
from bot.services import Services
from tests.conftest import ADMIN

runner = CliRunner()
EVENTS = 6


@pytest.fixture
def chain(services: Services) -> Services:
    """Six audit events: three customers created, a search listing all three."""
    for i in range(3):
        services.customers.create(ADMIN, {"name": f"Ketju {i} Oy"})
    services.customers.find(ADMIN, "ketju")
    return services


def verify(database_url: str) -> tuple[int, str]:
    env = {"REGBOT_DATABASE_URL": database_url, "REGBOT_ADMINS": ADMIN, "REGBOT_LANGUAGE": "en"}
    result = runner.invoke(cli, ["audit", "verify"], env=env)
    return result.exit_code, " ".join(result.output.split())


def sql(engine: Engine, *statements: str, **params: object) -> None:
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement), params)


def test_an_untouched_chain_verifies(chain: Services, database_url: str) -> None:
    code, output = verify(database_url)
    assert code == 0 and f"{EVENTS} events verified" in output, output


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("at", dt.datetime(2001, 1, 1, tzinfo=dt.UTC)),
        ("actor", "UOTHER"),
        ("action", "customer.nothing"),
        ("outcome", "refused"),
        ("customer_number", 99999),
        ("detail", "edited"),
        ("prev_hash", "0" * 64),
        ("hash", "f" * 64),
    ],
)
def test_changing_any_field_of_a_middle_event_is_caught_at_that_event(
    chain: Services, database_url: str, engine: Engine, column: str, value: object
) -> None:
    sql(engine, f"UPDATE audit_event SET {column} = :value WHERE seq = 3", value=value)  # noqa: S608
    code, output = verify(database_url)
    assert code == 1, output
    assert "#3" in output, output


def test_deleting_a_middle_event_is_caught_where_it_was(
    chain: Services, database_url: str, engine: Engine
) -> None:
    sql(engine, "DELETE FROM audit_event WHERE seq = 4")
    code, output = verify(database_url)
    assert code == 1 and "#4" in output, output


@pytest.mark.parametrize("removed", [1, 2])
def test_deleting_the_last_events_is_caught_after_the_last_one_left(
    chain: Services, database_url: str, engine: Engine, removed: int
) -> None:
    sql(engine, "DELETE FROM audit_event WHERE seq > :keep", keep=EVENTS - removed)
    code, output = verify(database_url)
    assert code == 1, output
    assert f"#{EVENTS - removed + 1}" in output, output


def test_swapping_the_order_of_two_events_is_caught_at_the_first_of_them(
    chain: Services, database_url: str, engine: Engine
) -> None:
    sql(
        engine,
        "UPDATE audit_event SET seq = 1000 WHERE seq = 2",
        "UPDATE audit_event SET seq = 2 WHERE seq = 5",
        "UPDATE audit_event SET seq = 5 WHERE seq = 1000",
    )
    code, output = verify(database_url)
    assert code == 1 and "#2" in output, output


def test_rewriting_a_whole_event_with_a_valid_looking_hash_is_still_caught(
    chain: Services, database_url: str, engine: Engine
) -> None:
    # Copying event 5's content and hash over event 3 keeps every column well-formed.
    sql(
        engine,
        "UPDATE audit_event SET actor = (SELECT actor FROM audit_event WHERE seq = 5), "
        "hash = (SELECT hash FROM audit_event WHERE seq = 5) WHERE seq = 3",
    )
    code, output = verify(database_url)
    assert code == 1 and "#3" in output, output


def test_an_anchor_kept_outside_catches_a_cut_end_with_a_rewritten_head(
    database_url: str, services: Services
) -> None:
    from typer.testing import CliRunner

    from bot.cli import app as cli_app
    from storage.models import AuditEvent as Event
    from storage.models import AuditHead as Head

    for i in range(4):
        services.customers.create("UADMIN0001", {"name": f"Ankkuri {i}"})
    env = {"REGBOT_DATABASE_URL": database_url, "REGBOT_ADMINS": "UADMIN0001"}
    anchor = CliRunner().invoke(cli_app, ["audit", "head"], env=env).output.strip()
    assert (
        CliRunner().invoke(cli_app, ["audit", "verify", "--anchor", anchor], env=env).exit_code == 0
    )
    seq = int(anchor.split(":")[0])
    with services.context.transaction("attacker") as tx:
        previous = tx.session.get(Event, seq - 1)
        assert previous is not None
        tx.session.query(Event).filter(Event.seq >= seq).delete()
        head = tx.session.get(Head, 1)
        assert head is not None
        head.seq, head.hash = previous.seq, previous.hash
    plain = CliRunner().invoke(cli_app, ["audit", "verify"], env=env)
    assert plain.exit_code == 0  # the chain alone cannot see a cleanly cut end
    anchored = CliRunner().invoke(cli_app, ["audit", "verify", "--anchor", anchor], env=env)
    assert anchored.exit_code == 1 and f"#{seq}" in anchored.output
