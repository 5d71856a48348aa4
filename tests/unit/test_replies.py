"""Replies to response URLs over kept connections (handlers/replies.py), against a local server."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import urllib3
from slack_sdk.models.blocks import SectionBlock

from handlers.replies import PooledRespond, ReplyPoster


class _Catcher:
    """An HTTP/1.1 server that notes every message and every connection it was sent on."""

    def __init__(
        self, *, close_after_each: bool = False, drop_reused: bool = False, delay: float = 0.0
    ) -> None:
        self.messages: list[dict[str, Any]] = []
        self.connections: set[int] = set()
        catcher = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            served = 0

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                self.served += 1
                if drop_reused and self.served > 1:
                    # The idle close crossing a reused connection's request: no answer.
                    self.close_connection = True
                    return
                catcher.messages.append(json.loads(body))
                catcher.connections.add(self.client_address[1])
                time.sleep(delay)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
                if close_after_each:
                    # Closed without saying so, as a server whose idle timeout passed would.
                    self.close_connection = True

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        # A client that gave up leaves a broken pipe behind: nothing to report.
        self.server.handle_error = lambda *args: None  # type: ignore[method-assign]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/commands/T1/1/abc"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextlib.contextmanager
def _catching(**options: Any) -> Iterator[_Catcher]:
    running = _Catcher(**options)
    try:
        yield running
    finally:
        running.close()


@pytest.fixture
def catcher() -> Iterator[_Catcher]:
    with _catching() as running:
        yield running


def _reply_each(url: str, texts: list[str], pause: float = 0.0) -> None:
    """Post each text through one poster, as one process's replies go; each answered 200."""
    poster = ReplyPoster(timeout=5)
    for text_ in texts:
        response = PooledRespond(poster, url)(text=text_)
        assert (response.status_code, response.body) == (200, "ok")
        time.sleep(pause)
    poster.close()


def test_replies_go_over_one_kept_connection(catcher: _Catcher) -> None:
    _reply_each(catcher.url, [f"vastaus {i}" for i in range(5)])
    assert [m["text"] for m in catcher.messages] == [f"vastaus {i}" for i in range(5)]
    assert len(catcher.connections) == 1


def test_a_connection_the_server_closed_is_replaced_and_each_reply_arrives_once() -> None:
    with _catching(close_after_each=True) as closing:
        # The pause lets the close reach this end before the next reply.
        _reply_each(closing.url, ["0", "1", "2", "3"], pause=0.05)
        assert [m["text"] for m in closing.messages] == ["0", "1", "2", "3"]
        assert len(closing.connections) == 4


def test_a_kept_connection_closed_as_it_is_reused_sends_the_reply_again_once() -> None:
    with _catching(drop_reused=True) as dropping:
        _reply_each(dropping.url, ["0", "1", "2"])
        assert [m["text"] for m in dropping.messages] == ["0", "1", "2"]
        assert len(dropping.connections) == 3


def test_a_reply_slack_does_not_answer_gives_up_after_the_timeout() -> None:
    with _catching(delay=2.0) as slow:
        poster = ReplyPoster(timeout=0.5)
        started = time.monotonic()
        with pytest.raises(urllib3.exceptions.HTTPError):
            PooledRespond(poster, slow.url)(text="hidas")
        assert time.monotonic() - started < 1.5


def test_the_message_is_what_bolt_would_send(catcher: _Catcher) -> None:
    """Text always; blocks and attachments as dicts when there are any; the other fields
    when given; the whole message may also come as one dict."""
    poster = ReplyPoster(timeout=5)
    respond = PooledRespond(poster, catcher.url)
    respond(
        text="kortti",
        blocks=[SectionBlock(text="*Oy*"), {"type": "divider"}],
        attachments=[],
        response_type="ephemeral",
        replace_original=False,
        thread_ts=None,
    )
    respond({"text": "koko viesti", "delete_original": True})
    assert catcher.messages == [
        {
            "text": "kortti",
            "blocks": [
                {"type": "section", "text": {"type": "mrkdwn", "text": "*Oy*"}},
                {"type": "divider"},
            ],
            "response_type": "ephemeral",
            "replace_original": False,
        },
        {"text": "koko viesti", "delete_original": True},
    ]
    with pytest.raises(TypeError, match="unexpected fields: colour"):
        respond(text="x", colour="red")
    assert len(catcher.messages) == 2
