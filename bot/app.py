"""The composition root: builds the engine, services, Bolt app and web entry point.

Nothing here runs at import time; `build_application` is the one place where parts are wired.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from sqlalchemy import Engine

from bot.config import ConfigError, Settings
from bot.i18n import Translator
from bot.services import Services
from bot.services.unit import Clock, ServiceContext, utc_now
from handlers import register_handlers
from handlers.listening import HandlerDeps
from handlers.notifications import SlackNotificationSender
from handlers.replies import ReplyPoster, pooled_replies
from storage.db import make_engine, make_session_factory, reading_engine, schema_status

logger = logging.getLogger("regbot")


class ShortRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """Retries a 429 in place only when Slack asks for a short wait.

    A longer Retry-After is not slept through: the call fails, and the outbox keeps the
    notification with its next attempt after the wait, so no thread blocks for minutes.
    """

    def __init__(self, max_retry_count: int = 2, max_wait_seconds: float = 5) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait_seconds = max_wait_seconds

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        values = next((v for k, v in response.headers.items() if k.lower() == "retry-after"), ["1"])
        try:
            return float(values[0]) <= self.max_wait_seconds
        except (TypeError, ValueError, IndexError):
            return False


class SchemaOutOfDate(ConfigError):
    """The database schema is behind the code; the operator must run `regbot db upgrade`."""


@dataclass
class Application:
    settings: Settings
    engine: Engine
    services: Services
    bolt: App
    # Runs each command's work after its ack; None where Bolt keeps its own.
    listeners: ThreadPoolExecutor | None = None
    # Posts replies to response URLs over kept connections (handlers/replies.py).
    replies: ReplyPoster | None = None

    def close(self) -> None:
        """Let acknowledged commands finish their work, then release database connections
        and the connections kept for replies."""
        if self.listeners is not None:
            self.listeners.shutdown(wait=True)
        if self.replies is not None:
            self.replies.close()
        self.engine.dispose()


def build_services(
    settings: Settings,
    *,
    engine: Engine,
    clock: Clock = utc_now,
    slack: WebClient | None = None,
) -> Services:
    """Services over an engine; with a Slack client, reminders are posted through it."""
    sender = SlackNotificationSender(slack, Translator(settings.language)) if slack else None
    reading = reading_engine(engine)
    context = ServiceContext(
        make_session_factory(engine),
        settings,
        clock,
        reading_sessions=make_session_factory(reading) if reading is not None else None,
    )
    return Services.build(context, sender)


def check_schema(engine: Engine) -> None:
    """Refuse to run on a schema that is not at the code's migration head."""
    status = schema_status(engine)
    if not status.up_to_date:
        current = status.current or "empty"
        raise SchemaOutOfDate(
            f"the database schema is out of date ({current}, code needs {status.head}); "
            "run `regbot db upgrade`"
        )


def build_slack_client(settings: Settings, *, timeout: float = 10) -> WebClient:
    """The Web API client: Slack's URL (or the fake's), retrying 429s and dropped connections."""
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=int(timeout) or 1,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=1),
            ShortRateLimitRetryHandler(max_retry_count=2),
        ],
    )


def build_application(
    settings: Settings,
    *,
    engine: Engine | None = None,
    clock: Clock = utc_now,
    verify_token: bool = True,
    slack_timeout: float = 10,
    listener_threads: int = 5,
    pool_size: int = 5,
) -> Application:
    """Wire the whole app; the schema must be current and Slack's secrets set.

    `listener_threads` run the work after each ack (Bolt's listener executor); `pool_size` is
    the PostgreSQL connection pool (as many again may overflow). The defaults of `regbot
    serve` and the runs that chose them: docs/BENCHMARKS.md, "Sustained load".
    """
    settings.require("slack_bot_token", "slack_signing_secret")
    engine = engine or make_engine(settings.database_url, pool_size=pool_size)
    check_schema(engine)
    client = build_slack_client(settings, timeout=slack_timeout)
    services = build_services(settings, engine=engine, clock=clock, slack=client)
    listeners = ThreadPoolExecutor(
        max_workers=listener_threads, thread_name_prefix="regbot-listener"
    )
    bolt = App(
        client=client,
        signing_secret=settings.slack_signing_secret,
        token_verification_enabled=verify_token,
        logger=logging.getLogger("regbot.bolt"),
        listener_executor=listeners,
    )
    # As many kept connections as listener threads can reply at once.
    replies = ReplyPoster(timeout=slack_timeout, connections=listener_threads)
    bolt.use(pooled_replies(replies))
    register_handlers(
        bolt, HandlerDeps(services=services, settings=settings, t=Translator(settings.language))
    )
    return Application(
        settings=settings,
        engine=engine,
        services=services,
        bolt=bolt,
        listeners=listeners,
        replies=replies,
    )


def check_can_serve(settings: Settings) -> None:
    """What `build_application` would meet, checked once before `regbot serve` starts its
    workers, each a ConfigError of one line: Slack's secrets are set, the schema is current,
    and Slack's Web API answers `auth.test` for the bot token (the workers then need not ask:
    a Slack hiccup while one restarts cannot stop it from booting)."""
    settings.require("slack_bot_token", "slack_signing_secret")
    engine = make_engine(settings.database_url, pool_size=1)
    try:
        check_schema(engine)
    finally:
        engine.dispose()
    client = build_slack_client(settings)
    # slack_sdk logs a failed call at ERROR before raising; the one line below says it all.
    quiet = logging.getLogger("slack_sdk")
    level, quiet.level = quiet.level, logging.CRITICAL
    try:
        client.auth_test()
    except SlackApiError as exc:
        error = exc.response.get("error", "error") if exc.response is not None else "error"
        raise ConfigError(f"Slack refused SLACK_BOT_TOKEN: auth.test answered {error}") from None
    except OSError as exc:
        reason = getattr(exc, "reason", None) or exc
        raise ConfigError(
            f"cannot reach Slack's Web API at {settings.slack_api_url} (SLACK_API_URL): {reason}"
        ) from None
    finally:
        quiet.level = level
