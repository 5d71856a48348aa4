"""Engines and sessions from a URL: SQLite pragmas, PostgreSQL, schema status and upgrades."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000


def is_sqlite(url: str) -> bool:
    """Whether the URL names an SQLite database."""
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, *, pool_size: int = 5, echo: bool = False) -> Engine:
    """An engine for the register: WAL, foreign keys and busy timeout on SQLite."""
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=echo,
            connect_args={
                "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
                "check_same_thread": False,
                "factory": _taking_turns(),
            },
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(
        url, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
    )


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below decide how transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Almost every transaction writes (reads of personal data are audited), so take the
        # write lock up front: a deferred transaction that later upgrades fails with
        # SQLITE_BUSY instead of waiting for the busy timeout.
        dbapi_connection = connection.connection.driver_connection
        dbapi_connection.take_turn()
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            dbapi_connection.end_turn()
            raise


class _TakingTurns(sqlite3.Connection):
    """An SQLite connection whose transactions queue for one in-process lock first.

    SQLite lets one writer in at a time and makes the others poll: its busy handler sleeps
    1, 2, 5, 10 … up to 100 ms between tries, and those sleeps were the long tail of a
    loaded `regbot serve` (docs/BENCHMARKS.md). Threads of one process instead wait on this
    lock, which wakes the next one the moment a transaction ends; other processes still meet
    the busy timeout. A thread that cannot get the lock within the busy timeout goes on to
    BEGIN IMMEDIATE regardless, so nothing here can wait longer than SQLite itself would.
    """

    turns: ClassVar[threading.Lock]
    _holding: bool = False

    def take_turn(self) -> None:
        self._holding = self.turns.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)

    def end_turn(self) -> None:
        if self._holding:
            self._holding = False
            self.turns.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.end_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.end_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.end_turn()


def _taking_turns() -> type[_TakingTurns]:
    """A connection class with its own lock: one per engine, shared by its pooled connections."""
    return type("TakingTurns", (_TakingTurns,), {"turns": threading.Lock()})


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    """An Alembic configuration for the packaged migrations, without an alembic.ini."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


@dataclass(frozen=True)
class SchemaStatus:
    current: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def schema_status(engine: Engine) -> SchemaStatus:
    """The database's migration revision next to the code's head revision."""
    script = ScriptDirectory.from_config(alembic_config(str(engine.url)))
    head = script.get_current_head()
    assert head is not None
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    return SchemaStatus(current=current, head=head)


def upgrade(engine: Engine) -> None:
    """Apply every pending migration."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
