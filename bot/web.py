"""The HTTP entry point for `regbot serve`: a WSGI app served by waitress (production-grade)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.app import Application

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

logger = logging.getLogger("regbot.web")

SLACK_PATH = "/slack/events"
MAX_BODY_BYTES = 1_000_000


class RegbotWsgi:
    """Routes `POST /slack/events` to Bolt and answers `GET /healthz`."""

    def __init__(self, application: Application) -> None:
        self._application = application
        self._slack = SlackRequestHandler(application.bolt, path=SLACK_PATH)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz" and method in ("GET", "HEAD"):
            return _json(start_response, "200 OK", {"ok": True})
        if path == SLACK_PATH:
            if method != "POST":
                return _json(start_response, "405 Method Not Allowed", {"ok": False})
            length = int(environ.get("CONTENT_LENGTH") or 0)
            if length > MAX_BODY_BYTES:
                return _json(start_response, "413 Payload Too Large", {"ok": False})
            return self._slack(environ, start_response)
        return _json(start_response, "404 Not Found", {"ok": False})


def _json(start_response: StartResponse, status: str, body: object) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]


def make_server(application: Application, host: str, port: int, threads: int = 8) -> object:
    """A waitress server for the app (call `.run()`; `.close()` to stop)."""
    from waitress.server import create_server

    return create_server(
        RegbotWsgi(application),
        host=host,
        port=port,
        threads=threads,
        ident="regbot",
        clear_untrusted_proxy_headers=True,
    )
