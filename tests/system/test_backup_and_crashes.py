"""Backups with a tested restore that re-applies erasures, and crash safety: a process killed
mid-erasure or mid-sweep leaves the register consistent, and re-running finishes the work once."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from bot.cli import app as cli
from bot.fake_slack.api import FakeSlack
from bot.services import Services
from bot.services.erasure import ErasureService
from bot.services.faults import CRASH_ENV, CRASH_EXIT_CODE
from bot.services.unit import ServiceContext
from storage.models import Customer, Notification
from tests.conftest import ADMIN, BOT_TOKEN, SIGNING_SECRET, message_text
from tests.support.slack_client import SignedSlackClient

runner = CliRunner()


def _env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "REGBOT_DATABASE_URL": database_url,
        "REGBOT_ADMINS": ADMIN,
        "REGBOT_LANGUAGE": "en",
        "REGBOT_ERASURE_JOURNAL": str(tmp_path / "journal.jsonl"),
    }


def test_an_sqlite_backup_restores_and_re_applies_later_erasures(
    tmp_path: Path, services: Services, database_url: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the SQLite online backup; PostgreSQL is covered by pg_dump below")
    for name in ("Säilyvä Oy", "Poistettava Oy"):
        services.customers.create(ADMIN, {"name": name, "email": "x@example.fi"})
    env = _env(database_url, tmp_path)
    backup = tmp_path / "backups" / "register-1.db"
    result = runner.invoke(cli, ["backup", str(backup)], env=env)
    assert result.exit_code == 0, result.output
    assert (backup.stat().st_mode & 0o777) == 0o600
    assert runner.invoke(cli, ["backup", str(backup)], env=env).exit_code == 2

    # After the backup: one customer is erased (journaled where the CLI will look), one added.
    settings = services.context.settings.model_copy(
        update={"erasure_journal": tmp_path / "journal.jsonl"}
    )
    ErasureService(ServiceContext(services.context.sessions, settings)).erase(ADMIN, "10002")
    services.customers.create(ADMIN, {"name": "Uusi Oy"})

    result = runner.invoke(cli, ["restore", str(backup)], env=env)
    assert result.exit_code == 0, result.output
    assert "1 customer(s) erased again (10002)" in result.output
    with services.context.sessions() as session:
        rows = dict(session.execute(select(Customer.number, Customer.status)).all())
    assert rows == {10001: "active", 10002: "erased"}
    assert "Poistettava" not in str(services.customers.show(ADMIN, "10002"))
    assert runner.invoke(cli, ["audit", "verify"], env=env).exit_code == 0


def test_a_postgresql_backup_is_a_pg_dump_that_pg_restore_reads(
    tmp_path: Path, services: Services, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("pg_dump is for PostgreSQL")
    if shutil.which("pg_restore") is None:
        pytest.skip("pg_restore is not installed")
    services.customers.create(ADMIN, {"name": "Dumpattu Oy"})
    backup = tmp_path / "register.dump"
    result = runner.invoke(cli, ["backup", str(backup)], env=_env(database_url, tmp_path))
    assert result.exit_code == 0, result.output
    listing = subprocess.run(
        ["pg_restore", "--list", str(backup)], capture_output=True, text=True, check=True
    )
    assert "TABLE DATA public customer" in listing.stdout
    restored = make_url(database_url).set(database=f"{make_url(database_url).database}_r")
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{restored.database}"'))
    try:
        target = restored.set(drivername="postgresql").render_as_string(False)
        subprocess.run(
            ["pg_restore", "--dbname", target, str(backup)], check=True, capture_output=True
        )
        engine = create_engine(restored.render_as_string(False))
        with engine.connect() as conn:
            assert conn.execute(select(Customer.name)).scalars().all() == ["Dumpattu Oy"]
        engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{restored.database}" WITH (FORCE)'))
        admin.dispose()


def _serve(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = dt.datetime.now() + dt.timedelta(seconds=20)
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return process
        except OSError:
            if dt.datetime.now() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("regbot serve did not come up")
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.1)


def _worker_exit_code(serve: subprocess.Popen[bytes], timeout: float = 20) -> int | None:
    """The exit code of the first worker of `serve` that died, from gunicorn's log line."""
    found: list[int] = []

    def read() -> None:
        assert serve.stderr is not None
        for raw in serve.stderr:
            match = re.search(r"Worker \(pid:\d+\) exited with code (\d+)", raw.decode())
            if match:
                found.append(int(match.group(1)))
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout)
    return found[0] if found else None


def test_a_crash_mid_erasure_leaves_nothing_half_erased_and_the_journal_finishes_it(
    tmp_path: Path, services: Services, database_url: str
) -> None:
    services.customers.create(ADMIN, {"name": "Kesken Oy", "email": "kesken@example.fi"})
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with FakeSlack() as fake:
        env = {
            **os.environ,
            **_env(database_url, tmp_path),
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake.api_url,
            CRASH_ENV: "erase.before_commit",
        }
        process = _serve(env, port)
        client = SignedSlackClient(
            f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET, fake=fake
        )
        try:
            # The reply never comes: the worker process dies inside the erasure's transaction
            # (and gunicorn starts another in its place).
            client.command("/customer", "erase 10001 confirm", ADMIN)
            assert _worker_exit_code(process) == CRASH_EXIT_CODE
        finally:
            process.kill()
            process.wait(timeout=10)
    card = services.customers.show(ADMIN, "10001")
    assert card.status == "active" and card.name == "Kesken Oy"  # rolled back whole
    assert services.audit.verify().ok
    result = runner.invoke(cli, ["erasures", "reapply"], env=_env(database_url, tmp_path))
    assert "1 customer(s) erased again (10001)" in result.output, result.output
    assert services.customers.show(ADMIN, "10001").status == "erased"
    again = runner.invoke(cli, ["erasures", "reapply"], env=_env(database_url, tmp_path))
    assert "0 customer(s) erased again" in again.output and "1 already erased" in again.output


def test_a_crash_mid_sweep_loses_no_reminder_and_the_rerun_sends_each_once(
    tmp_path: Path, services: Services, database_url: str
) -> None:
    from bot.domain.permissions import Role
    from bot.services.staff import grant_role

    with services.context.transaction("test") as tx:
        grant_role(tx, "UAGENT0001", Role.AGENT)
    services.customers.create(ADMIN, {"name": "Muistutus Oy"})
    received = dt.date.today() - dt.timedelta(days=40)
    number = services.requests.create(ADMIN, "10001", "access", received=received).summary.number
    services.requests.assign(ADMIN, number, "UAGENT0001")
    with FakeSlack() as fake:
        fake.join("C0REMIND")
        env = {
            **os.environ,
            **_env(database_url, tmp_path),
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_API_URL": fake.api_url,
            "REGBOT_REMINDER_CHANNEL": "C0REMIND",
        }
        for point in ("sweep.after_enqueue", "sweep.after_claim"):
            crashed = subprocess.run(
                [sys.executable, "-m", "bot", "remind"], env={**env, CRASH_ENV: point},
                capture_output=True, check=False,
            )  # fmt: skip
            assert crashed.returncode == CRASH_EXIT_CODE
        assert [c for c in fake.calls_to("chat.postMessage") if not c.failed] == []
        with services.context.sessions() as session:
            statuses = session.execute(select(Notification.status)).scalars().all()
            assert statuses and set(statuses) == {"pending"}
        # The crashed claim expires after two minutes; move it into the past rather than wait.
        with services.context.transaction("test") as tx:
            tx.session.execute(
                update(Notification).values(claimed_until=tx.now - dt.timedelta(seconds=1))
            )
        rerun = subprocess.run(
            [sys.executable, "-m", "bot", "remind"], env=env, capture_output=True, check=False
        )
        assert rerun.returncode == 0, rerun.stderr
        again = subprocess.run(
            [sys.executable, "-m", "bot", "remind"], env=env, capture_output=True, check=False
        )
        assert again.returncode == 0
        sent = [c for c in fake.calls_to("chat.postMessage") if not c.failed]
    assert len([c for c in sent if c.params["channel"] == "UAGENT0001"]) == 1
    digests = [
        c for c in sent if c.params["channel"] == "C0REMIND" and "Overdue" in message_text(c.params)
    ]
    assert len(digests) == 1
    with services.context.sessions() as session:
        assert (
            session.execute(select(func.count()).where(Notification.status != "sent")).scalar_one()
            == 0
        )


def test_a_crash_mid_import_writes_nothing_and_the_rerun_imports_each_row_once(
    tmp_path: Path, services: Services, database_url: str
) -> None:
    from bot.demo.data import generate_customers, write_customers_csv

    rows = generate_customers(2500, seed=11)
    csv_path = tmp_path / "customers.csv"
    write_customers_csv(csv_path, rows)
    env = {**os.environ, **_env(database_url, tmp_path)}
    crashed = subprocess.run(
        [sys.executable, "-m", "bot", "import", "customers", str(csv_path)],
        env={**env, CRASH_ENV: "import.after_batch"},
        capture_output=True,
        check=False,
    )
    assert crashed.returncode == CRASH_EXIT_CODE
    with services.context.sessions() as session:
        assert session.execute(select(func.count(Customer.id))).scalar_one() == 0
    assert services.audit.verify().ok
    for _ in range(2):
        rerun = subprocess.run(
            [sys.executable, "-m", "bot", "import", "customers", str(csv_path)],
            env=env,
            capture_output=True,
            check=False,
        )
        assert rerun.returncode == 0, rerun.stderr
    with services.context.sessions() as session:
        assert session.execute(select(func.count(Customer.id))).scalar_one() == len(rows)
    assert services.audit.verify().ok
