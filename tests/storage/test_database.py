"""The schema and the engines: migrations match the models, SQLite is configured, and
concurrent writers get unique numbers and an unbroken audit chain."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text

from bot.services import Services
from storage.db import (
    WAL_AUTOCHECKPOINT_PAGES,
    Checkpoint,
    checkpoint_wal,
    make_engine,
    reading_engine,
)
from storage.models import Base, include_in_schema_comparison
from tests.conftest import ADMIN


@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_the_migrations_create_exactly_the_models_schema(engine: Engine) -> None:
    # FTS5 tables (SQLite) and trigram indexes (PostgreSQL only) are outside what autogenerate
    # can compare; the hook the migrations' env.py uses leaves them out here too.
    with engine.connect() as conn:
        options = {"include_object": include_in_schema_comparison(engine.dialect.name)}
        context = MigrationContext.configure(conn, opts=options)
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_postgresql_trigram_indexes_keep_the_smallest_pending_list(engine: Engine) -> None:
    """Every name search reads a GIN index's pending list first: 4 MB of it by default, which
    cost each search 5 to 7 ms at a million customers (migration 0004)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("trigram GIN indexes are PostgreSQL's")
    with engine.connect() as conn:
        options: dict[str, list[str]] = dict(
            conn.execute(
                text(
                    "SELECT relname, reloptions FROM pg_class"
                    " WHERE relname LIKE 'ix_%_name_search_trgm'"
                )
            ).all()
        )
    assert options == {
        f"ix_{table}_name_search_trgm": ["gin_pending_list_limit=64"]
        for table in ("customer", "contact_person", "service_user")
    }


def test_sqlite_runs_with_wal_foreign_keys_and_a_busy_timeout(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert (conn.execute(text("PRAGMA busy_timeout")).scalar() or 0) >= 5000


def _fill(engine: Engine, commits: int) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS filler (body BLOB)")
    for _ in range(commits):
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50)"
                " INSERT INTO filler SELECT randomblob(3000) FROM n"
            )


def test_commits_on_sqlite_leave_the_wal_to_the_checkpoints(tmp_path: Path) -> None:
    """A commit that takes the WAL past SQLite's default 1000 pages does not stop to copy it
    back (10 to 30 ms a command waited); `checkpoint_wal`, which the scheduler runs every
    second, copies it all, and commits do only past WAL_AUTOCHECKPOINT_PAGES."""
    database = tmp_path / "wal.db"
    engine = make_engine(f"sqlite:///{database}")
    with engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one()
        assert pages == WAL_AUTOCHECKPOINT_PAGES
    _fill(engine, commits=40)  # about 2 000 pages

    # The WAL's header, then a 24-byte header and a 4 kB page for each frame.
    in_wal = (Path(f"{database}-wal").stat().st_size - 32) // (24 + 4096)
    assert in_wal > 1500  # no commit copied the WAL back at 1000 pages
    checkpoint = checkpoint_wal(engine)

    assert checkpoint is not None
    assert checkpoint.in_wal > 1500
    assert checkpoint.copied == checkpoint.in_wal
    engine.dispose()


def test_a_checkpoint_waits_for_no_reader_and_copies_what_it_may(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    _fill(engine, commits=2)
    reader = reading_engine(engine)
    assert reader is not None
    with reader.begin() as conn:
        conn.exec_driver_sql("SELECT count(*) FROM filler").scalar_one()  # holds its snapshot
        _fill(engine, commits=2)
        checkpoint = checkpoint_wal(engine)
        assert checkpoint is not None
        assert 0 < checkpoint.copied < checkpoint.in_wal  # the reader's pages stay in the WAL
    assert checkpoint_wal(engine) == Checkpoint(checkpoint.in_wal, checkpoint.in_wal)
    engine.dispose()


def test_there_is_no_wal_to_checkpoint_in_memory_or_on_postgresql(engine: Engine) -> None:
    in_memory = make_engine("sqlite://")
    assert checkpoint_wal(in_memory) is None
    in_memory.dispose()
    if engine.dialect.name == "postgresql":
        assert checkpoint_wal(engine) is None


def test_concurrent_creates_get_unique_numbers_and_keep_the_chain_intact(
    services: Services,
) -> None:
    numbers: list[int] = []
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            for j in range(5):
                numbers.append(services.customers.create(ADMIN, {"name": f"Rinn {i}-{j}"}).number)
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(numbers) == list(range(10001, 10021))
    report = services.audit.verify()
    assert report.ok and report.checked == 20


def test_an_erased_style_number_is_never_reused_after_an_imported_high_number(
    services: Services,
) -> None:
    from bot.domain.enums import Source
    from bot.services.customers import create_customer

    with services.context.transaction("import") as tx:
        create_customer(tx, {"name": "Vanha"}, source=Source.IMPORT, number=20000)
    assert services.customers.create(ADMIN, {"name": "Uusi"}).number == 20001


def test_reads_on_sqlite_have_connections_of_their_own_that_stay_query_only(
    engine: Engine,
) -> None:
    """Switching `PRAGMA query_only` would expire every prepared statement of a connection,
    so the reading connections are apart from the writer's and never switch."""
    reader = reading_engine(engine)
    if engine.dialect.name != "sqlite":
        assert reader is None
        return
    assert reader is not None
    assert reading_engine(engine) is reader
    with reader.begin() as conn:
        assert conn.exec_driver_sql("PRAGMA query_only").scalar_one() == 1
    with engine.begin() as conn:
        assert conn.exec_driver_sql("PRAGMA query_only").scalar_one() == 0
    with reader.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA query_only").scalar_one() == 1
    pool = reader.pool
    engine.dispose()
    assert reader.pool is not pool  # disposed with the writer's engine


def test_a_connection_the_server_dropped_while_idle_is_replaced_unseen(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pooled PostgreSQL connection idle past PING_AFTER_IDLE_SECONDS is pinged before
    use; one that the server closed (a restart, an idle timeout) is replaced, and the caller
    never sees the error."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server to drop a connection")
    with engine.connect() as conn:
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
    other = make_engine(str(engine.url.render_as_string(hide_password=False)))
    with other.begin() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    other.dispose()
    monkeypatch.setattr("storage.db.PING_AFTER_IDLE_SECONDS", 0.0)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one() != pid
