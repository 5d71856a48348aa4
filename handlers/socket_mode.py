"""Socket Mode for `regbot socket`: Bolt's websocket-client handler, with a pong deadline.

slack_sdk's websocket-client Socket Mode client runs each connection without a ping timeout, and
websocket-client then waits up to 10 s in `select()` before it looks at the connection again.
Two things follow, both seen against tests/support/socket_mode.py: after Slack asks for a refresh,
the new connection is read only when the old one's wait ends (up to 10 s, while Slack's envelopes
on it need an ack within 3 s); and a connection that dies silently is never noticed. With a pong
deadline, websocket-client waits at most that long and treats a ping left unanswered as a dead
connection, which the client then replaces. docs/ARCHITECTURE.md, "Socket Mode", has the figures.
"""

from __future__ import annotations

import functools
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode.websocket_client import SocketModeHandler
from slack_sdk.socket_mode.websocket_client import SocketModeClient

#: Seconds between pings, and how long a pong may take before the connection counts as dead.
PING_INTERVAL = 5.0
PONG_TIMEOUT = 1.0


class PongCheckingClient(SocketModeClient):
    """slack_sdk's websocket-client Socket Mode client, each connection run with a pong deadline."""

    def __setattr__(self, name: str, value: Any) -> None:
        # The client replaces `current_session` on every (re)connect and another thread starts
        # it; giving the session its deadline before it is assigned leaves no moment without.
        if name == "current_session" and value is not None:
            value.run_forever = functools.partial(value.run_forever, ping_timeout=PONG_TIMEOUT)
        super().__setattr__(name, value)


class RegbotSocketModeHandler(SocketModeHandler):
    """Bolt's websocket-client Socket Mode handler over a `PongCheckingClient`."""

    def __init__(self, app: App, app_token: str) -> None:
        # Bolt's __init__ would start a client of its own (with running threads) first.
        self.app = app
        self.app_token = app_token
        self.client = PongCheckingClient(
            app_token=app_token,
            logger=app.logger,
            web_client=app.client,
            ping_interval=PING_INTERVAL,
        )
        self.client.socket_mode_request_listeners.append(self.handle)  # type: ignore[arg-type]
