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
