"""Engines and sessions from a URL: SQLite pragmas, PostgreSQL, schema status and upgrades."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000
# Copying the WAL back into the database file (a checkpoint) is left to `checkpoint_wal`,
# which the scheduler runs (bot/runtime/scheduler.py), until the WAL holds this many pages (40 MB):
# only then does a commit copy it itself, as SQLite makes the commit that passes 1000 pages
# do by default, and the command whose commit it was waited for the copy (docs/BENCHMARKS.md,
# "find and show at 1 M").
WAL_AUTOCHECKPOINT_PAGES = 10_000


def is_sqlite(url: str) -> bool:
    """Whether the URL names an SQLite database."""
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, *, pool_size: int = 5, echo: bool = False) -> Engine:
    """An engine for the register: WAL, foreign keys and busy timeout on SQLite."""
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        return _sqlite_engine(url, _taking_turns(database), echo=echo)
    engine = create_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=pool_size,
        # JIT compiling pays off for long analytical queries; regbot's are short, and the
        # planner's cost estimate for a search over a million rows can still cross the JIT
        # threshold and make a short query many times slower (docs/BENCHMARKS.md).
        connect_args={"options": "-c jit=off"},
    )
    _ping_when_idle(engine)
    return engine


# A pooled connection that has been idle this long is pinged before it is handed out.
PING_AFTER_IDLE_SECONDS = 1.0


def _ping_when_idle(engine: Engine) -> None:
    """Hand out no connection that the server dropped while it sat in the pool (a restart, an
    idle timeout), as SQLAlchemy's `pool_pre_ping` does, but ping only a connection idle for
    PING_AFTER_IDLE_SECONDS: the ping is a round trip, and under load, when every connection
    is back in use within milliseconds, it was one of the few a command makes."""

    @event.listens_for(engine, "connect")
    def _connected(_dbapi_connection: Any, record: Any) -> None:
        record.info.pop(_IDLE_SINCE, None)

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get(_IDLE_SINCE)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool drops this connection and hands out a new one.
            raise DisconnectionError("a pooled connection was lost while idle") from error


_IDLE_SINCE = "regbot_idle_since"


def _sqlite_engine(url: str, factory: type[_SqliteConnection], *, echo: bool) -> Engine:
    engine = create_engine(
        url,
        echo=echo,
        connect_args={
            "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
            "check_same_thread": False,
            "factory": factory,
        },
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below decide how transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
        if factory.query_only:
            cursor.execute("PRAGMA query_only=1")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        try:
            connection.connection.driver_connection.begin()
        except sqlite3.Error as error:
            raise DBAPIError.instance(
                "BEGIN", None, error, sqlite3.Error, dialect=connection.dialect
            ) from error

    return engine


_READING_ENGINES: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()


def reading_engine(engine: Engine) -> Engine | None:
    """The engine for transactions that only read (they may not write at all), or None where
    they need nothing apart.

    On an SQLite file: an engine with a pool of its own, whose connections are query-only for
    good and begin deferred, and so read beside the one writer (WAL). They are apart from the
    writer's connections because switching `PRAGMA query_only` expires every statement the
    connection has prepared: at a million customers, preparing find's statement again cost
    more than running it. Disposed with `engine`. PostgreSQL's transactions never block
    readers anyway; an in-memory SQLite database is one connection's own.
    """
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    reader = _READING_ENGINES.get(engine)
    if reader is None:
        reader = _sqlite_engine(str(engine.url), _Reading, echo=bool(engine.echo))
        _READING_ENGINES[engine] = reader
        event.listen(engine, "engine_disposed", lambda _engine: reader.dispose())
    return reader


@dataclass(frozen=True)
class Checkpoint:
    """What a checkpoint found: the pages the WAL holds, and how many of them are now in the
    database file (fewer where a reader still needs the older versions)."""

    in_wal: int
    copied: int


def checkpoint_wal(engine: Engine) -> Checkpoint | None:
    """Copy the WAL's pages back into an SQLite file, as far as no reader still needs them:
    a PASSIVE checkpoint, which waits for no reader or writer, and which they do not wait
    for. None where there is no WAL (PostgreSQL, an in-memory database) or where another
    connection, of this process or another, is checkpointing already."""
    if engine.dialect.name != "sqlite":
        return None
    pooled = engine.raw_connection()
    try:
        driver = pooled.driver_connection
        assert driver is not None
        busy, in_wal, copied = driver.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    finally:
        pooled.close()
    if busy or in_wal < 0:
        return None
    return Checkpoint(in_wal=in_wal, copied=copied)


class _SqliteConnection(sqlite3.Connection):
    """An SQLite connection that starts its own transactions (`begin`): deferred, taking no
    lock until they read."""

    query_only: ClassVar[bool] = False

    def begin(self) -> None:
        self.execute("BEGIN")


class _Reading(_SqliteConnection):
    """A query-only connection: its deferred transactions run beside the writer's; any write
    in them fails at once."""

    query_only = True


class _TakingTurns(_SqliteConnection):
    """An SQLite connection whose transactions queue for their turn before BEGIN IMMEDIATE.

    A transaction that may write takes the write lock up front: a deferred transaction that
    later upgrades fails with SQLITE_BUSY instead of waiting for the busy timeout. SQLite lets
    one writer in at a time and makes the others poll: its busy handler sleeps
    1, 2, 5, 10 … up to 100 ms between tries, and those sleeps were the long tail of a
    loaded `regbot serve` (docs/BENCHMARKS.md). So a transaction first takes an in-process
    lock (the threads of one engine wake one another the moment a transaction ends) and then
    an exclusive `flock` on a lock file beside the database, which every regbot process on
    the same file takes (the workers of `regbot serve`, `regbot remind`, an import): a waiter
    polls it every 50 µs to 1 ms instead of SQLite's 100 ms. The kernel drops the lock of a
    process that dies. Whoever cannot get either within the busy timeout goes on to BEGIN
    IMMEDIATE regardless, so nothing here waits longer than SQLite itself would.
    """

    turns: ClassVar[threading.Lock]
    # The lock file's path; None for an in-memory database.
    turn_file: ClassVar[str | None]
    _holding: bool = False
    _turn_fd: int | None = None
    _flocked: bool = False

    def begin(self) -> None:
        """This connection's turn, then the write lock (BEGIN IMMEDIATE)."""
        self.take_turn()
        try:
            self.execute("BEGIN IMMEDIATE")
        except BaseException:
            self.end_turn()
            raise

    def take_turn(self) -> None:
        deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
        self._holding = self.turns.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
        if self.turn_file is None:
            return
        if self._turn_fd is None:
            self._turn_fd = os.open(self.turn_file, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        self._flocked = _flock_before(self._turn_fd, deadline)

    def end_turn(self) -> None:
        if self._flocked:
            self._flocked = False
            assert self._turn_fd is not None
            fcntl.flock(self._turn_fd, fcntl.LOCK_UN)
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
            if self._turn_fd is not None:
                os.close(self._turn_fd)
                self._turn_fd = None


def _flock_before(fd: int, deadline: float) -> bool:
    """Take an exclusive flock on `fd`, polling until `deadline`; whether it was taken."""
    pause = 0.00005
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(pause)
            pause = min(pause * 2, 0.001)


def turn_file_for(database: str | None) -> str | None:
    """The lock file beside an SQLite database file (None for an in-memory database)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return str(Path(database).expanduser()) + "-turn"


def _taking_turns(database: str | None) -> type[_TakingTurns]:
    """A connection class with its own lock: one per engine, shared by its pooled connections."""
    attributes = {"turns": threading.Lock(), "turn_file": turn_file_for(database)}
    return type("TakingTurns", (_TakingTurns,), attributes)


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
