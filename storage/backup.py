"""Backups: SQLite's online backup API, or pg_dump for PostgreSQL; restore for SQLite."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    """A backup or restore cannot be done; the message is one line for the operator."""


def backup_database(url: str, path: Path) -> Path:
    """Write a consistent copy of the register to `path` while it stays in use."""
    if path.exists():
        raise BackupError(f"{path} already exists; choose a new file name")
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        source = _sqlite_file(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(source) as src, sqlite3.connect(path) as dst:
            # The online backup copies a consistent snapshot even while others write.
            src.backup(dst)
        path.chmod(0o600)
        return path
    if parsed.get_backend_name() == "postgresql":
        pg_dump = shutil.which("pg_dump")
        libpq_url = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        if pg_dump is None:
            raise BackupError(
                "pg_dump is not installed; run: pg_dump --format=custom --file "
                f"{path} <your database URL without '+psycopg'>"
            )
        result = subprocess.run(  # noqa: S603 - fixed program, arguments from settings
            [pg_dump, "--format=custom", "--file", str(path), "--dbname", libpq_url],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            last = (result.stderr.strip().splitlines() or ["unknown error"])[-1]
            raise BackupError(f"pg_dump failed: {last}")
        path.chmod(0o600)
        return path
    raise BackupError(f"backups of {parsed.get_backend_name()} databases are not supported")


def restore_database(url: str, path: Path) -> None:
    """Replace the SQLite register with a backup (for PostgreSQL use pg_restore)."""
    if make_url(url).get_backend_name() != "sqlite":
        raise BackupError(
            "restore the PostgreSQL register with: pg_restore --clean --if-exists --dbname "
            f"<database URL without '+psycopg'> {path}; then run `regbot erasures reapply`"
        )
    if not path.is_file():
        raise BackupError(f"{path} is not a backup file")
    target = _sqlite_file(url)
    with sqlite3.connect(path) as src:
        if src.execute("PRAGMA integrity_check").fetchone() != ("ok",):
            raise BackupError(f"{path} fails SQLite's integrity check; not restored")
        with sqlite3.connect(target) as dst:
            src.backup(dst)


def _sqlite_file(url: str) -> str:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return database
