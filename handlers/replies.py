"""Replies to Slack's response URLs over kept-alive connections.

Bolt's `respond()` posts each reply with a new `WebhookClient`, which opens a new connection
every time: a DNS look-up, a TCP handshake and, to `hooks.slack.com`, a TLS handshake before
every reply, and a 30-second wait when Slack does not answer. Every command's reply goes
this way, so the app swaps in `PooledRespond` (`pooled_replies`, a global middleware): the
same call and the same message, posted through one urllib3 pool per process that keeps
connections open between replies and gives up after the app's Slack timeout.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import urllib3
from slack_bolt import BoltContext, BoltResponse, Respond
from slack_sdk.webhook import WebhookResponse
from urllib3.exceptions import ProtocolError

# The message fields `respond()` takes besides its text, as Bolt sends them: None (and an
# empty list of blocks or attachments) means "not in the message".
_FIELDS = (
    "blocks",
    "attachments",
    "response_type",
    "replace_original",
    "delete_original",
    "unfurl_links",
    "unfurl_media",
    "thread_ts",
    "metadata",
)


class ReplyPoster:
    """Posts messages to response URLs, keeping up to `connections` open per host."""

    def __init__(
        self, *, timeout: float, connections: int = 8, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        """`ssl_context`: None verifies servers against the system's certificate authorities."""
        self._pool = urllib3.PoolManager(
            num_pools=4,
            maxsize=connections,
            retries=False,
            timeout=urllib3.Timeout(connect=timeout, read=timeout),
            headers={"Content-Type": "application/json;charset=utf-8"},
            ssl_context=ssl_context,
        )

    def post(self, url: str, message: Mapping[str, Any]) -> WebhookResponse:
        """POST the message as JSON; urllib3's errors (a timeout, a refused connection)
        are raised as they are (`urllib3.exceptions.HTTPError`)."""
        body = json.dumps(message).encode()
        try:
            response = self._pool.request("POST", url, body=body)
        except ProtocolError:
            # A kept connection that the other end closed just as it was reused (the pool
            # checks for a close before reusing one, but a close can cross the request):
            # nothing was answered, so the reply goes once more, on a new connection.
            response = self._pool.request("POST", url, body=body)
        return WebhookResponse(
            url=url,
            status_code=response.status,
            body=response.data.decode("utf-8", errors="replace"),
            headers=dict(response.headers),
        )

    def close(self) -> None:
        self._pool.clear()


class PooledRespond(Respond):
    """Bolt's `respond()` for one request, posting through a `ReplyPoster`."""

    def __init__(self, poster: ReplyPoster, response_url: str) -> None:
        super().__init__(response_url=response_url)
        self._poster = poster

    def __call__(  # type: ignore[override]
        self, text: str | dict[str, Any] = "", **fields: Any
    ) -> WebhookResponse:
        unknown = set(fields) - set(_FIELDS)
        if unknown:
            raise TypeError(f"respond() got unexpected fields: {', '.join(sorted(unknown))}")
        if isinstance(text, dict):
            # Bolt also takes the whole message as one dict.
            return self(**text)
        message: dict[str, Any] = {"text": text}
        for name in _FIELDS:
            value = fields.get(name)
            if value is None or (name in ("blocks", "attachments") and not value):
                continue
            message[name] = _as_dicts(value) if name in ("blocks", "attachments") else value
        assert self.response_url is not None
        return self._poster.post(self.response_url, message)


def _as_dicts(items: Sequence[Any]) -> list[Any]:
    """Blocks or attachments as JSON-ready dicts (slack_sdk's models have `to_dict`)."""
    return [item.to_dict() if hasattr(item, "to_dict") else item for item in items]


def pooled_replies(
    poster: ReplyPoster,
) -> Callable[[BoltContext, Callable[[], BoltResponse]], BoltResponse]:
    """A global Bolt middleware: every request with a response URL replies through `poster`."""

    def use_pooled_replies(context: BoltContext, next: Callable[[], BoltResponse]) -> BoltResponse:
        if context.response_url is not None:
            context["respond"] = PooledRespond(poster, context.response_url)
        return next()

    return use_pooled_replies
