"""The HTTP entry point for `regbot serve`: the WSGI app, and the gunicorn server that runs it.

Besides Slack's `POST /slack/events` and `GET /healthz` it serves `POST /usage`, through which
the customer service itself reports usage events (SPEC §2.7); docs/FORMATS.md describes it.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.app import Application
from bot.config import ServerOptions, Settings
from bot.i18n import Translator
from bot.services.errors import DomainError

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

logger = logging.getLogger("regbot.web")

SLACK_PATH = "/slack/events"
MAX_BODY_BYTES = 1_000_000
USAGE_PATH = "/usage"
MAX_USAGE_BODY_BYTES = 1_000_000
MAX_USAGE_EVENTS = 1000
USAGE_ACTOR = "usage_api"


class RegbotWsgi:
    """Routes `POST /slack/events` to Bolt, `POST /usage` to usage ingestion; `GET /healthz`."""

    def __init__(self, application: Application) -> None:
        self._application = application
        self._slack = SlackRequestHandler(application.bolt, path=SLACK_PATH)
        # Errors of the usage API are read by the programs that call it: always in English.
        self._en = Translator("en")

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
        if path == USAGE_PATH:
            return self._usage(environ, start_response)
        return _json(start_response, "404 Not Found", {"ok": False})

    def _usage(self, environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
        """Usage events from the service: bearer token, all or nothing; the body is never logged."""
        token = self._application.settings.usage_token
        if not token:
            # No token configured: the endpoint does not exist.
            return _json(start_response, "404 Not Found", {"ok": False})
        if environ.get("REQUEST_METHOD", "GET") != "POST":
            return _json(
                start_response, "405 Method Not Allowed", {"ok": False}, [("Allow", "POST")]
            )
        scheme, _, given = str(environ.get("HTTP_AUTHORIZATION", "")).partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            given.strip().encode(), token.encode()
        ):
            return _json(
                start_response,
                "401 Unauthorized",
                {"ok": False, "error": "a valid bearer token is required"},
                [("WWW-Authenticate", 'Bearer realm="regbot usage"')],
            )
        try:
            length = int(environ.get("CONTENT_LENGTH") or -1)
        except ValueError:
            length = -1
        if length < 0:
            return _json(start_response, "411 Length Required", {"ok": False})
        if length > MAX_USAGE_BODY_BYTES:
            return _bad(start_response, "413 Payload Too Large", "body over 1 MB")
        body = environ["wsgi.input"].read(length)
        try:
            data = json.loads(body.decode("utf-8"))
        except ValueError:
            return _bad(start_response, "400 Bad Request", "the body is not UTF-8 JSON")
        if isinstance(data, dict) and "events" in data:
            events = data["events"]
            if not isinstance(events, list) or len(data) != 1:
                return _bad(start_response, "400 Bad Request", 'give {"events": [...]} alone')
        elif isinstance(data, dict):
            events = [data]
        else:
            return _bad(start_response, "400 Bad Request", 'give one event or {"events": [...]}')
        if not events:
            return _bad(start_response, "400 Bad Request", "no events")
        if len(events) > MAX_USAGE_EVENTS:
            message = f"at most {MAX_USAGE_EVENTS} events per request"
            return _bad(start_response, "413 Payload Too Large", message)
        try:
            report = self._application.services.usage.ingest(USAGE_ACTOR, events)
        except DomainError as err:
            return _bad(start_response, "400 Bad Request", self._en(err.key, **err.params))
        except Exception:
            logger.exception("storing usage events failed unexpectedly")
            return _json(start_response, "500 Internal Server Error", {"ok": False})
        if not report.written:
            errors = [
                {
                    "index": bad.position,
                    **({"field": bad.params["field"]} if "field" in bad.params else {}),
                    "error": self._en(bad.key, **bad.params),
                }
                for bad in report.bad
            ]
            return _json(
                start_response,
                "400 Bad Request",
                {"ok": False, "stored": 0, "bad": report.bad_count, "errors": errors},
            )
        return _json(
            start_response,
            "201 Created",
            {"ok": True, "stored": report.stored, "logins_updated": report.logins_updated},
        )


def _json(
    start_response: StartResponse,
    status: str,
    body: object,
    headers: list[tuple[str, str]] | None = None,
) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(
        status,
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(data))),
            *(headers or []),
        ],
    )
    return [data]


def _bad(start_response: StartResponse, status: str, error: str) -> list[bytes]:
    return _json(start_response, status, {"ok": False, "stored": 0, "errors": [{"error": error}]})


def run_server(settings: Settings, options: ServerOptions) -> None:
    """Serve until stopped, on gunicorn's pre-forking server with threaded workers.

    The caller has checked the settings and the schema. This process only supervises: it
    imports the application's modules, so the workers share them, and each worker builds its
    own Application (engine, Bolt app) and scheduler after the fork; every instance running
    the scheduler is safe (SPEC §8.5). A worker that dies is replaced. SIGTERM or SIGINT stops
    the workers gracefully: requests in flight and commands already acknowledged finish first.
    """
    from gunicorn.app.base import BaseApplication

    from bot.app import build_application
    from bot.runtime.scheduler import build_scheduler

    running: list[tuple[Application, Any]] = []

    def ready(_arbiter: object) -> None:
        logger.info(
            "regbot listening on http://%s:%s%s with %s workers of %s threads; "
            "reminder sweep on '%s' (%s)",
            options.host,
            options.port,
            SLACK_PATH,
            options.workers,
            options.threads,
            settings.digest_cron,
            settings.timezone,
        )

    def worker_exit(_arbiter: object, _worker: object) -> None:
        for application, scheduler in running:
            scheduler.shutdown(wait=False)
            application.close()

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            config = {
                "bind": [f"{options.host}:{options.port}"],
                "workers": options.workers,
                "worker_class": "gthread",
                "threads": options.threads,
                # Longer than the idle timeout of common load balancers (60 s).
                "keepalive": 75,
                "graceful_timeout": 30,
                "timeout": 60,
                "accesslog": None,
                "errorlog": "-",
                "loglevel": "warning",
                "proc_name": "regbot",
                "control_socket_disable": True,
                "when_ready": ready,
                "worker_exit": worker_exit,
            }
            for key, value in config.items():
                self.cfg.set(key, value)

        def load(self) -> RegbotWsgi:
            # The token was verified before the workers started (check_can_serve); Bolt asks
            # auth.test again at a worker's first request, not while it boots.
            application = build_application(
                settings,
                verify_token=False,
                listener_threads=options.listener_threads,
                pool_size=options.db_pool,
            )
            scheduler = build_scheduler(application.services, settings)
            scheduler.start()
            running.append((application, scheduler))
            return RegbotWsgi(application)

    Server().run()
