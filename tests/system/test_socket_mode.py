"""`regbot socket` end to end (SPEC §8.2): the real process, connected over Socket Mode to a
local Socket Mode endpoint, with the fake Web API behind `apps.connections.open`, `respond()` and
`views.publish`. Each envelope is acknowledged within Slack's 3 seconds (§4.3), and a refreshed
or dropped connection is replaced by a new one without a restart."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from bot.fake_slack.api import RESPONSE_URL_METHOD, FakeSlack
from handlers.blocks.requests import OPEN, REQUEST_BLOCK_PREFIX
from storage.db import make_engine
from storage.models import Customer, DataSubjectRequest
from tests.conftest import (
    ADMIN,
    BOT_TOKEN,
    SIGNING_SECRET,
    assert_slack_refused_nothing,
    message_text,
)
from tests.support.slack_client import button_press
from tests.support.socket_mode import FakeSocketMode

APP_TOKEN = "xapp-1-A0DEMO-1-sockettest"
REMINDER_CHANNEL = "C0REMINDERS"
#: Slack shows the person an error when an envelope is not acknowledged within this.
ACK_SECONDS = 3.0
#: The process's start: imports, migrations check, `auth.test`, `apps.connections.open`.
START_SECONDS = 30.0
#: How long a new connection may take after Slack refreshes or drops one: the client must be
#: reading it before Slack's 3 seconds for the next envelope have begun.
RECONNECT_SECONDS = 3.0


@dataclass
class SocketModeBot:
    """A running `regbot socket` process and the two fakes it talks to."""

    process: subprocess.Popen[bytes]
    fake: FakeSlack
    endpoint: FakeSocketMode
    engine: Engine
    output_path: Path

    def output(self) -> str:
        """What the process has written to stderr (and stdout) so far."""
        return self.output_path.read_text(encoding="utf-8", errors="replace")

    def command(self, command: str, typed: str, user: str = ADMIN) -> dict[str, Any]:
        """Send a slash command over the socket; return its reply (in the ack or respond())."""
        response_url = self.fake.response_url()
        envelope_id = self.endpoint.send_command(
            command,
            typed,
            user_id=user,
            response_url=response_url,
            trigger_id=self.fake.new_trigger_id(),
        )
        return self._answer(envelope_id, response_url)

    def press(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Send a block_actions payload over the socket; return the reply to its response_url."""
        return self._answer(self.endpoint.send_interaction(payload), payload["response_url"])

    def _answer(self, envelope_id: str, response_url: str) -> dict[str, Any]:
        ack = self.endpoint.wait_for_ack(envelope_id, timeout=ACK_SECONDS)
        if ack.get("payload"):
            return dict(ack["payload"])
        call = self.fake.wait_for(
            RESPONSE_URL_METHOD, predicate=lambda c: c.params.get("_url") == response_url
        )[0]
        return {key: value for key, value in call.params.items() if key != "_url"}

    def assert_no_traceback(self) -> None:
        """Nothing the process logged so far is a stack trace."""
        assert "Traceback" not in self.output(), self.output()


def _regbot() -> list[str]:
    script = Path(sys.executable).with_name("regbot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


def _environment(database_url: str, work: Path, fake: FakeSlack) -> dict[str, str]:
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("REGBOT_", "SLACK_"))
    }
    return {
        **inherited,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_API_URL": fake.api_url,
        "REGBOT_DATABASE_URL": database_url,
        "REGBOT_ADMINS": ADMIN,
        "REGBOT_LANGUAGE": "en",
        "REGBOT_REMINDER_CHANNEL": REMINDER_CHANNEL,
        "REGBOT_EXPORT_DIR": str(work / "exports"),
        "REGBOT_ERASURE_JOURNAL": str(work / "erasure-journal.jsonl"),
    }


def _wait_connected(bot: SocketModeBot, count: int, timeout: float) -> None:
    """Wait for the `count`th greeted connection, failing at once if the process has exited."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            bot.endpoint.wait_for_connections(count, timeout=0.2)
            return
        except TimeoutError:
            if bot.process.poll() is not None:
                pytest.fail(f"regbot socket exited with {bot.process.returncode}: {bot.output()}")
            if time.monotonic() > deadline:
                raise


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def bot(
    module_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SocketModeBot]:
    """`regbot socket` on a fresh register, once per module and engine."""
    work = tmp_path_factory.mktemp("socket-mode")
    output_path = work / "output.txt"
    with FakeSlack() as fake, FakeSocketMode() as endpoint:
        fake.socket_mode_url = endpoint.url
        fake.join(REMINDER_CHANNEL)
        engine = make_engine(module_database_url)
        with output_path.open("wb") as output:
            process = subprocess.Popen(
                [*_regbot(), "socket"],
                cwd=work,
                env=_environment(module_database_url, work, fake),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        running = SocketModeBot(process, fake, endpoint, engine, output_path)
        try:
            _wait_connected(running, 1, START_SECONDS)
            yield running
            assert process.poll() is None, f"regbot socket exited: {running.output()}"
        finally:
            _stop(process)
            engine.dispose()
        running.assert_no_traceback()
        assert_slack_refused_nothing(fake)


def test_the_client_opens_a_connection_with_the_app_token_and_is_greeted(
    bot: SocketModeBot,
) -> None:
    opened = bot.fake.calls_to("apps.connections.open")
    assert opened and not any(call.failed for call in opened)
    assert {call.headers.get("Authorization") for call in opened} == {f"Bearer {APP_TOKEN}"}
    # Every connection came from a URL of its own (the client may ask for one it never uses
    # when its health check runs before the first connection is up).
    assert 1 <= bot.endpoint.connections <= len(opened)
    # Bolt checked the bot token with the Web API, not the app token.
    assert bot.fake.calls_to("auth.test")[0].headers["Authorization"] == f"Bearer {BOT_TOKEN}"
    bot.assert_no_traceback()


def test_a_slash_command_is_acknowledged_in_time_answered_and_committed(
    bot: SocketModeBot,
) -> None:
    assert "/customer new" in message_text(bot.command("/customer", "help"))
    created = message_text(bot.command("/customer", 'new name="Socket Oy" city=Tampere'))
    assert "Created customer" in created and "Socket Oy" in created
    with bot.engine.connect() as conn:
        names = conn.scalars(select(Customer.name).where(Customer.name == "Socket Oy")).all()
    assert names == ["Socket Oy"]
    assert "Socket Oy" in message_text(bot.command("/customer", "find socket"))
    bot.assert_no_traceback()


def test_a_button_on_a_request_announcement_is_acknowledged_in_time_and_answered(
    bot: SocketModeBot,
) -> None:
    created = message_text(bot.command("/dsr", 'new - access requester="Maija Meikäläinen"'))
    recorded = re.search(r"Recorded request \*DSR-(\d+)\*", created)
    assert recorded is not None, created
    number = int(recorded.group(1))
    with bot.engine.connect() as conn:
        stored = conn.scalar(
            select(DataSubjectRequest.type).where(DataSubjectRequest.number == number)
        )
    assert stored == "access"
    announcement = bot.fake.wait_for(
        "chat.postMessage",
        predicate=lambda c: (
            c.params.get("channel") == REMINDER_CHANNEL
            and any(
                b.get("block_id") == f"{REQUEST_BLOCK_PREFIX}{number}" for b in c.params["blocks"]
            )
        ),
    )[0]
    payload = button_press(bot.fake, ADMIN, announcement, OPEN)
    assert payload["actions"][0]["value"] == str(number)
    shown = bot.press(payload)
    assert f"DSR-{number}" in message_text(shown)
    assert shown["response_type"] == "ephemeral"
    bot.assert_no_traceback()


def test_app_home_opened_is_acknowledged_in_time_and_publishes_the_home_view(
    bot: SocketModeBot,
) -> None:
    envelope_id = bot.endpoint.send_event(
        {"type": "app_home_opened", "user": ADMIN, "channel": "D0ADMIN", "tab": "home"}
    )
    assert "payload" not in bot.endpoint.wait_for_ack(envelope_id, timeout=ACK_SECONDS)
    published = bot.fake.wait_for(
        "views.publish", predicate=lambda c: c.params.get("user_id") == ADMIN
    )[-1]
    assert published.params["view"]["type"] == "home"
    assert f"<@{ADMIN}>" in message_text(published.params["view"])
    bot.assert_no_traceback()


def test_when_slack_asks_for_a_refresh_the_client_moves_to_a_new_connection(
    bot: SocketModeBot,
) -> None:
    before = bot.endpoint.connections
    opened = len(bot.fake.calls_to("apps.connections.open"))
    bot.endpoint.refresh()
    _wait_connected(bot, before + 1, timeout=RECONNECT_SECONDS)
    # Each connection gets a URL of its own, as Slack's are good for one connection.
    assert len(bot.fake.calls_to("apps.connections.open")) >= opened + 1
    # The very next envelope goes on the new connection and is acknowledged in time.
    reply = message_text(bot.command("/customer", 'new name="Virkistys Oy"'))
    assert "Created customer" in reply and "Virkistys Oy" in reply
    bot.assert_no_traceback()


def test_after_a_dropped_connection_the_client_reconnects_and_answers(
    bot: SocketModeBot,
) -> None:
    # A reply proves the client is reading the connection, so it is the first to see the reset.
    assert "/customer new" in message_text(bot.command("/customer", "help"))
    before = bot.endpoint.connections
    opened = len(bot.fake.calls_to("apps.connections.open"))
    bot.endpoint.drop()
    _wait_connected(bot, before + 1, timeout=RECONNECT_SECONDS)
    assert len(bot.fake.calls_to("apps.connections.open")) >= opened + 1
    reply = message_text(bot.command("/customer", 'new name="Uudelleen Oy"'))
    assert "Created customer" in reply and "Uudelleen Oy" in reply
    with bot.engine.connect() as conn:
        assert conn.scalar(select(Customer.number).where(Customer.name == "Uudelleen Oy"))
    bot.assert_no_traceback()


def test_sigterm_stops_the_process_cleanly(module_database_url: str, tmp_path: Path) -> None:
    with FakeSlack() as fake, FakeSocketMode() as endpoint:
        fake.socket_mode_url = endpoint.url
        output_path = tmp_path / "output.txt"
        with output_path.open("wb") as output:
            process = subprocess.Popen(
                [*_regbot(), "socket"],
                cwd=tmp_path,
                env=_environment(module_database_url, tmp_path, fake),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        try:
            endpoint.wait_for_connections(1, timeout=START_SECONDS)
            process.terminate()
            assert process.wait(timeout=10) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
        assert "Traceback" not in output_path.read_text(encoding="utf-8", errors="replace")
