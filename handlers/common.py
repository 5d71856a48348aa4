"""What every handler shares: turning a use case's outcome into one ephemeral reply."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import urllib3
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.i18n import Translator
from bot.services import Services
from bot.services.errors import DomainError
from handlers.blocks import SUBCOMMAND_USAGE, Message, error_message, esc, help_message
from handlers.parsing import ParseError, head_and_rest

logger = logging.getLogger("regbot.handlers")

Respond = Callable[..., Any]


@dataclass(frozen=True)
class HandlerDeps:
    """What handlers are given by the composition root."""

    services: Services
    settings: Settings
    t: Translator


def reply(respond: Respond, msg: Message) -> None:
    """Send an ephemeral reply through the response URL; a Slack failure is one log line."""
    try:
        result = respond(**msg)
    except (SlackApiError, OSError, urllib3.exceptions.HTTPError) as exc:
        logger.warning("could not deliver a reply to Slack: %s", type(exc).__name__)
        return
    status = getattr(result, "status_code", 200)
    if status != 200:
        logger.warning("could not deliver a reply to Slack: HTTP %s", status)


def outcome(t: Translator, usage: str | None, work: Callable[[], Message | None]) -> Message | None:
    """Run the work; domain errors become one sentence plus usage, surprises a logged apology."""
    try:
        return work()
    except DomainError as err:
        return error_message(t, error_sentence(t, err), usage)
    except Exception:
        logger.exception("a command failed unexpectedly")
        return error_message(t, t("error.unexpected"), None)


def error_sentence(t: Translator, err: DomainError) -> str:
    """The error as one sentence; values echoed from the user's text are escaped for mrkdwn."""
    params = {k: esc(v) if isinstance(v, str) else v for k, v in err.params.items()}
    return t(err.key, **params)


Subcommand = Callable[[str, str], Message | None]


def answer_command(
    deps: HandlerDeps,
    command_name: str,
    command: Mapping[str, Any],
    respond: Respond,
    subcommands: Mapping[str, Subcommand],
) -> None:
    """Route `/command sub rest` to its subcommand and reply once, ephemerally.

    `help` (or no text) shows the usage — to staff only, as every command is (SPEC §3); an
    unknown subcommand, bad input or a refusal is one sentence plus the usage line. A
    subcommand returning None has answered otherwise (e.g. opened a modal).
    """
    t = deps.t
    user = command["user_id"]
    sub, rest = head_and_rest(command.get("text") or "")

    def work() -> Message | None:
        if sub in ("", "help"):
            deps.services.staff.check_is_staff(user, f"{command_name.strip('/')}.help")
            return help_message(t, command_name)
        handler = subcommands.get(sub)
        if handler is None:
            raise ParseError("parse.unknown_subcommand", sub=sub, command=command_name)
        return handler(user, rest)

    msg = outcome(t, SUBCOMMAND_USAGE.get(f"{command_name} {sub}"), work)
    if msg is not None:
        reply(respond, msg)
