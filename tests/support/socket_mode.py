"""A local Slack Socket Mode endpoint for tests, served with `websockets` on loopback.

It does what Slack's side of Socket Mode does: greets each new connection with `hello`, sends
the envelopes a test pushes (slash commands, interactions, Events API callbacks), and records
every message the client sends back, so a test can wait for the acknowledgement of one envelope.
`drop` cuts the newest connection without a closing handshake, as a crashed server or a reset
route does, and `refresh` asks for a new one as Slack does before it closes a connection (a
`disconnect` message): either way the client must open a new connection. `websockets` itself
answers the client's pings.
Point `FakeSlack.socket_mode_url` at `url`: the Web API fake answers `apps.connections.open`.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import uuid
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

from bot.fake_slack.wire import as_slack_sends, command_body, event_body

APP_ID = "A0DEMO"
_T = TypeVar("_T")


class FakeSocketMode:
    """Slack's Socket Mode WebSocket endpoint on 127.0.0.1, run in a daemon thread."""

    def __init__(self, app_id: str = APP_ID) -> None:
        self.app_id = app_id
        self._changed = threading.Condition()
        self._connections: list[ServerConnection] = []
        self._open: set[ServerConnection] = set()
        self._received: list[dict[str, Any]] = []
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeSocketMode:
        """Listen on a free loopback port; returns self."""
        # No compression: the built-in client negotiates no extensions. No keepalive pings of our
        # own: a test's connections live for seconds.
        server = serve(
            self._serve, "127.0.0.1", 0, compression=None, ping_interval=None, close_timeout=1
        )
        thread = threading.Thread(target=server.serve_forever, name="fake-socket-mode", daemon=True)
        self._server, self._thread = server, thread
        thread.start()
        return self

    def close(self) -> None:
        """Stop listening and close every connection; safe to call twice."""
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        if thread is not None:
            thread.join(timeout=5.0)
        self._server = self._thread = None

    def __enter__(self) -> FakeSocketMode:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def url(self) -> str:
        """The ``ws://127.0.0.1:PORT/`` URL that ``apps.connections.open`` hands out."""
        if self._server is None:
            raise RuntimeError("FakeSocketMode is not running; call start() first")
        host, port = self._server.socket.getsockname()[:2]
        return f"ws://{host}:{port}/"

    # -- the connection --------------------------------------------------------------------

    def _serve(self, connection: ServerConnection) -> None:
        with self._changed:
            self._open.add(connection)
            hello = self._hello(len(self._connections) + 1, len(self._open))
        try:
            connection.send(json.dumps(hello))
            with self._changed:
                self._connections.append(connection)
                self._changed.notify_all()
            for message in connection:
                with self._changed:
                    self._received.append(json.loads(message))
                    self._changed.notify_all()
        except ConnectionClosed:
            pass
        finally:
            with self._changed:
                self._open.discard(connection)
                self._changed.notify_all()

    def _hello(self, number: int, open_connections: int) -> dict[str, Any]:
        return {
            "type": "hello",
            "num_connections": open_connections,
            "debug_info": {
                "host": f"fake-socket-mode-{number}",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": self.app_id},
        }

    @property
    def connections(self) -> int:
        """How many connections were greeted with ``hello`` so far."""
        with self._changed:
            return len(self._connections)

    @property
    def open_connections(self) -> int:
        """How many connections are open now (neither side has closed them)."""
        with self._changed:
            return len(self._open)

    def wait_for_connections(self, count: int = 1, timeout: float = 10.0) -> None:
        """Block until ``count`` connections have been greeted with ``hello``."""
        self._wait(lambda: len(self._connections) >= count, timeout, f"{count} connection(s)")

    def drop(self) -> None:
        """Cut the newest open connection with a TCP reset: no closing handshake, no FIN first."""
        connection = self._newest_open()
        # Under the protocol lock the library cannot send its FIN before the reset goes out.
        with connection.protocol_mutex:
            connection.socket.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
            connection.socket.close()
        connection.close_socket()

    def refresh(self) -> None:
        """Ask the client to move to a new connection, as Slack does before it closes one."""
        message = {
            "type": "disconnect",
            "reason": "refresh_requested",
            "debug_info": {"host": "fake-socket-mode"},
        }
        self._newest_open().send(json.dumps(message))

    # -- envelopes -------------------------------------------------------------------------

    def send(self, kind: str, payload: dict[str, Any], *, accepts_response_payload: bool) -> str:
        """Send one envelope on the newest open connection; returns its envelope_id."""
        envelope_id = str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "accepts_response_payload": accepts_response_payload,
            "payload": payload,
        }
        self._newest_open().send(json.dumps(envelope))
        return envelope_id

    def _newest_open(self) -> ServerConnection:
        """The newest greeted connection that neither side has closed."""
        with self._changed:
            for connection in reversed(self._connections):
                if connection in self._open:
                    return connection
        raise ConnectionError("no open Socket Mode connection")

    def send_command(
        self,
        command: str,
        typed: str,
        *,
        user_id: str,
        response_url: str,
        trigger_id: str | None = None,
    ) -> str:
        """Send a slash command as typed (escaped as Slack escapes it); returns its envelope_id."""
        body = command_body(
            command,
            as_slack_sends(typed),
            user_id=user_id,
            response_url=response_url,
            trigger_id=trigger_id,
            api_app_id=self.app_id,
        )
        form = dict(parse_qsl(body, keep_blank_values=True))
        return self.send("slash_commands", form, accepts_response_payload=True)

    def send_interaction(self, payload: dict[str, Any]) -> str:
        """Send a block_actions (or other interactivity) payload; returns its envelope_id."""
        accepts = payload.get("type") in ("view_submission", "block_suggestion")
        return self.send("interactive", payload, accepts_response_payload=accepts)

    def send_event(self, event: dict[str, Any], **envelope: Any) -> str:
        """Send an Events API ``event_callback`` around ``event``; returns its envelope_id."""
        body = json.loads(event_body(event, api_app_id=self.app_id, **envelope))
        return self.send("events_api", body, accepts_response_payload=False)

    # -- what the client sent --------------------------------------------------------------

    @property
    def received(self) -> list[dict[str, Any]]:
        """Every message the client sent, oldest first."""
        with self._changed:
            return list(self._received)

    def wait_for_ack(self, envelope_id: str, timeout: float = 3.0) -> dict[str, Any]:
        """Block until the client acknowledges ``envelope_id``; returns the acknowledgement."""

        def ack() -> dict[str, Any] | None:
            return next((m for m in self._received if m.get("envelope_id") == envelope_id), None)

        return self._wait(ack, timeout, f"the ack of envelope {envelope_id}")

    def _wait(self, found: Callable[[], _T | None], timeout: float, what: str) -> _T:
        with self._changed:
            result = self._changed.wait_for(found, timeout=timeout)
        if not result:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        return result
