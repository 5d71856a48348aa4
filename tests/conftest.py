"""Shared fixtures: a fresh register per test on SQLite (always) and PostgreSQL (when
REGBOT_TEST_POSTGRES_URL is set), the fake Slack Web API, and the real app over real HTTP."""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from bot.app import Application, build_application, build_services
from bot.config import Settings, load_settings
from bot.fake_slack.api import FakeSlack
from bot.runtime.web import RegbotWsgi
from bot.services import Services
from storage.db import make_engine, upgrade
from tests.support.clock import SettableClock
from tests.support.slack_client import SignedSlackClient

POSTGRES_ENV = "REGBOT_TEST_POSTGRES_URL"
SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
ADMIN = "UADMIN0001"

_pg_template: dict[str, str] = {}
_sqlite_template: dict[str, Path] = {}


def _engines() -> list[Any]:
    return [
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.postgres),
    ]


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No stray .env or REGBOT_/SLACK_ variables from the developer's shell reach a test."""
    for name in list(os.environ):
        if name.startswith(("REGBOT_", "SLACK_")) and name != POSTGRES_ENV:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def _sqlite_url(tmp_path: Path) -> str:
    if "path" not in _sqlite_template:
        template = Path(os.environ.get("PYTEST_TMP_TEMPLATE", tmp_path.parent)) / (
            f"template-{uuid.uuid4().hex}.db"
        )
        engine = make_engine(f"sqlite:///{template}")
        upgrade(engine)
        # Closing the last connection checkpoints the WAL into the file we copy.
        engine.dispose()
        _sqlite_template["path"] = template
    target = tmp_path / "register.db"
    shutil.copyfile(_sqlite_template["path"], target)
    return f"sqlite:///{target}"


def _postgres_url() -> str:
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV} (CI sets it; see .ci/run)")
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        if "name" not in _pg_template:
            name = f"regbot_tpl_{uuid.uuid4().hex[:10]}"
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            engine = make_engine(make_url(base).set(database=name).render_as_string(False))
            upgrade(engine)
            engine.dispose()
            _pg_template["name"] = name
            _pg_template["base"] = base
        name = f"regbot_t_{uuid.uuid4().hex[:12]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{_pg_template["name"]}"'))
    finally:
        admin.dispose()
    return make_url(base).set(database=name).render_as_string(False)


def _drop_postgres(url: str) -> None:
    admin = create_engine(os.environ[POSTGRES_ENV], isolation_level="AUTOCOMMIT")
    name = make_url(url).database
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    from tests.support.register_state import CASES

    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        # An xdist worker: its counts of generated cases go to the controller's summary.
        workeroutput["cases"] = dict(CASES)
    if "name" in _pg_template:
        admin = create_engine(_pg_template["base"], isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{_pg_template["name"]}" WITH (FORCE)'))
        admin.dispose()
    if "path" in _sqlite_template:
        for suffix in ("", "-wal", "-shm", "-turn"):
            Path(str(_sqlite_template["path"]) + suffix).unlink(missing_ok=True)


@pytest.fixture(params=_engines())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A freshly migrated, empty register on each engine."""
    if request.param == "sqlite":
        yield _sqlite_url(tmp_path)
        return
    url = _postgres_url()
    try:
        yield url
    finally:
        _drop_postgres(url)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def assert_slack_refused_nothing(fake: FakeSlack) -> None:
    """Fail the test if the app sent anything Slack would refuse (unless the test expects it)."""
    if fake.refusals_allowed:
        return
    refused = [f"{call.method}: {call.refused}" for call in fake.refusals]
    assert not refused, f"Slack would have refused: {refused}"


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """The strict fake Slack; a test fails if the app sent it anything Slack refuses."""
    with FakeSlack() as fake:
        yield fake
        assert_slack_refused_nothing(fake)


@pytest.fixture
def settings(database_url: str, fake_slack: FakeSlack, tmp_path: Path) -> Settings:
    return load_settings(
        database_url=database_url,
        admins=ADMIN,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake_slack.api_url,
        language="en",
        export_dir=tmp_path / "exports",
    )


@pytest.fixture
def clock() -> SettableClock:
    """The register's clock for this test: real time until the test sets it."""
    return SettableClock()


@pytest.fixture
def services(settings: Settings, engine: Engine, clock: SettableClock) -> Services:
    return build_services(settings, engine=engine, clock=clock)


@dataclass
class RunningApp:
    application: Application
    url: str
    slack: SignedSlackClient
    fake: FakeSlack

    @property
    def services(self) -> Services:
        return self.application.services

    def reply(self, command: str, text: str, user: str = ADMIN) -> dict[str, Any]:
        """Send a signed slash command; return the reply Slack would show."""
        return self.slack.command_reply(command, text, user)

    def reply_text(self, command: str, text: str, user: str = ADMIN) -> str:
        """The reply's visible text: every section, field and context joined."""
        return message_text(self.reply(command, text, user))


def message_text(msg: dict[str, Any]) -> str:
    """All text in a message or view's blocks, one line per block."""
    lines: list[str] = []
    for block in msg.get("blocks", []):
        if "text" in block and isinstance(block["text"], dict):
            lines.append(block["text"]["text"])
        for field in block.get("fields", []):
            lines.append(field["text"])
        for element in block.get("elements", []):
            if isinstance(element, dict) and "text" in element:
                value = element["text"]
                lines.append(value["text"] if isinstance(value, dict) else value)
    if not lines and "text" in msg:
        lines.append(msg["text"])
    return "\n".join(lines)


def make_server(application: Application, host: str, port: int, threads: int = 8) -> Any:
    """The app behind waitress in this process, so tests can reach its services and clock;
    `regbot serve` runs the same WSGI app on gunicorn (tests/system/test_cli.py starts it)."""
    from waitress.server import create_server

    return create_server(
        RegbotWsgi(application), host=host, port=port, threads=threads, ident="regbot"
    )


def _serve_until_closed(server: Any) -> None:
    # close() from the test thread can pull a socket out from under select(); that is the
    # server stopping, not a failure.
    with contextlib.suppress(OSError):
        server.run()


@pytest.fixture
def app(
    settings: Settings, engine: Engine, fake_slack: FakeSlack, clock: SettableClock
) -> Iterator[RunningApp]:
    """The real Bolt app behind waitress on a loopback port."""
    application = build_application(settings, engine=engine, clock=clock)
    server: Any = make_server(application, "127.0.0.1", 0, threads=4)
    port = server.effective_port
    thread = threading.Thread(target=_serve_until_closed, args=(server,), daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    client = SignedSlackClient(f"{url}/slack/events", SIGNING_SECRET, fake=fake_slack)
    try:
        yield RunningApp(application, url, client, fake_slack)
    finally:
        server.close()
        thread.join(timeout=5)
        application.close()


@contextlib.contextmanager
def running_app(
    settings: Settings, engine: Engine, fake: FakeSlack, *, slack_timeout: float = 10
) -> Iterator[RunningApp]:
    """Serve the real Bolt app behind waitress on loopback for as long as the block runs."""
    application = build_application(settings, engine=engine, slack_timeout=slack_timeout)
    server: Any = make_server(application, "127.0.0.1", 0, threads=4)
    thread = threading.Thread(target=_serve_until_closed, args=(server,), daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.effective_port}"
    client = SignedSlackClient(f"{url}/slack/events", SIGNING_SECRET, fake=fake)
    try:
        yield RunningApp(application, url, client, fake)
    finally:
        server.close()
        thread.join(timeout=5)
        application.close()


@pytest.fixture(scope="module", params=_engines())
def module_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """One freshly migrated register shared by every test of a module (for fuzz-sized runs)."""
    if request.param == "sqlite":
        yield _sqlite_url(tmp_path_factory.mktemp("module-register"))
        return
    url = _postgres_url()
    try:
        yield url
    finally:
        _drop_postgres(url)


@contextlib.contextmanager
def isolated_app(
    database_url: str, work: Path, *, channels: tuple[str, ...] = (), **overrides: Any
) -> Iterator[RunningApp]:
    """The real app on a register, for longer than one test: its own working folder, no
    REGBOT_/SLACK_ variables from the shell, a strict fake Slack in `channels`."""
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith(("REGBOT_", "SLACK_")) and name != POSTGRES_ENV:
                patch.delenv(name)
        patch.chdir(work)
        with FakeSlack() as fake:
            fake.join(*channels)
            settings = load_settings(
                database_url=database_url,
                admins=ADMIN,
                slack_bot_token=BOT_TOKEN,
                slack_signing_secret=SIGNING_SECRET,
                slack_api_url=fake.api_url,
                **{
                    "language": "en",
                    "export_dir": work / "exports",
                    "erasure_journal": work / "erasure-journal.jsonl",
                    **overrides,
                },
            )
            engine = make_engine(database_url)
            try:
                with running_app(settings, engine, fake) as running:
                    yield running
                assert_slack_refused_nothing(fake)
            finally:
                engine.dispose()


@pytest.fixture(scope="module")
def module_app(
    module_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningApp]:
    """The real app like `app`, but built once per test module and engine."""
    with isolated_app(module_database_url, tmp_path_factory.mktemp("module-app")) as running:
        yield running


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """Add an xdist worker's counts of generated cases to the controller's."""
    from tests.support.register_state import CASES

    CASES.update(getattr(node, "workeroutput", {}).get("cases", {}))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print how many generated cases the fuzz and authorization-matrix tests covered."""
    from tests.support.register_state import CASES

    if CASES:
        fuzz = f"fuzz: {CASES['fuzz command cases']} command cases, {CASES['parser cases']} parser"
        terminalreporter.write_line(
            f"{fuzz} cases; authorization matrix: {CASES['matrix cases']} (command × role) cases"
        )
