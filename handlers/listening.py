"""The one wrapper around every listener: it acks, runs one plain handler function, turns a
domain error into one ephemeral sentence and logs anything unexpected once (SPEC §4.3).

Handlers are plain functions of a `Call` (who, what they typed or pressed, Slack's body and
client); `handlers.routes` says which function answers which command, button or form, and
`handlers.register_handlers` attaches them. A handler returns the message to show (or, for a
form, the acknowledgement), so it never touches `ack`, `respond` or Slack's errors itself.
"""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import urllib3
from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.config import Settings
from bot.i18n import Translator
from bot.services import Services
from bot.services.errors import DomainError
from handlers.blocks.common import Message, error_message, esc, modal_notice, text_message

logger = logging.getLogger("regbot.handlers")

Respond = Callable[..., Any]
#: Error keys whose sentence shows the subcommand's usage line (`{usage}`).
_USAGE_KEYS = frozenset({"parse.expected_args", "parse.expected_ref"})


@dataclass(frozen=True)
class HandlerDeps:
    """What handlers are given by the composition root."""

    services: Services
    settings: Settings
    t: Translator


@dataclass(frozen=True)
class Call:
    """One request to a handler: who asked, what they typed (a command's text after its
    subcommand, a button's value, a form's private metadata), and Slack's body and client."""

    deps: HandlerDeps
    user: str
    text: str
    body: Mapping[str, Any]
    client: WebClient

    @property
    def services(self) -> Services:
        return self.deps.services

    @property
    def t(self) -> Translator:
        return self.deps.t

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return self.deps.settings.tz


Handler = Callable[[Call], Message | None]


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


def error_sentence(t: Translator, err: DomainError, usage: str | None = None) -> str:
    """The error as one sentence; values echoed from the user's text are escaped for mrkdwn."""
    params = {k: esc(v) if isinstance(v, str) else v for k, v in err.params.items()}
    if err.key in _USAGE_KEYS and "usage" not in params:
        params["usage"] = esc(usage or "")
    return t(err.key, **params)


def outcome(t: Translator, usage: str | None, work: Callable[[], Message | None]) -> Message | None:
    """Run the work; domain errors become one sentence plus usage, surprises a logged apology."""
    try:
        return work()
    except DomainError as err:
        return error_message(t, error_sentence(t, err, usage), usage)
    except Exception:
        logger.exception("a command failed unexpectedly")
        return error_message(t, t("error.unexpected"), None)


def open_modal(call: Call, view: dict[str, Any]) -> None:
    """Open a modal with the call's trigger ID; Slack refusing it is one line and a sentence."""
    try:
        call.client.views_open(trigger_id=call.body["trigger_id"], view=view)
    except SlackApiError as exc:
        logger.warning("could not open a modal: %s", exc.response.get("error", "unknown"))
        raise DomainError("error.modal_failed") from None
    except (SlackClientError, OSError) as exc:
        # A timeout or dropped connection: one line for the operator, a sentence for the user.
        logger.warning("could not open a modal: %s", type(exc).__name__)
        raise DomainError("error.modal_failed") from None


def button_listener(deps: HandlerDeps, handler: Handler) -> Callable[..., None]:
    """A block_actions listener: ack, run the handler on the button's value, reply to the
    presser only (a handler may set `replace_original` to redraw the message it was on)."""

    def listener(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        ack()
        call = Call(deps, body["user"]["id"], str(action.get("value") or ""), body, client)
        msg = outcome(deps.t, None, lambda: handler(call))
        if msg is not None:
            reply(respond, {"response_type": "ephemeral", "replace_original": False, **msg})

    return listener


@dataclass(frozen=True)
class FormAnswer:
    """A form's acknowledgement, and work to do once Slack has it (so the ack is not held up)."""

    ack: dict[str, Any]
    then: Callable[[], None] | None = None


FormHandler = Callable[[Call, Mapping[str, Any]], "dict[str, Any] | FormAnswer"]
FormErrors = Callable[[Call, DomainError], dict[str, Any]]
FormTitle = Callable[[Call], str]


def form_listener(
    deps: HandlerDeps, handler: FormHandler, on_error: FormErrors, title: FormTitle
) -> Callable[..., None]:
    """A view_submission listener: the handler returns the acknowledgement (errors on fields,
    or the view that replaces the form); a domain error goes through `on_error`; anything
    unexpected is logged once and answered with an apology in the form."""

    def listener(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        call = Call(deps, body["user"]["id"], str(view.get("private_metadata") or ""), body, client)
        try:
            answer = handler(call, view)
        except DomainError as err:
            answer = on_error(call, err)
        except Exception:
            logger.exception("a form submission failed unexpectedly")
            answer = notice_view(call, title(call), deps.t("error.unexpected"))
        if isinstance(answer, FormAnswer):
            ack(**answer.ack)
            if answer.then is not None:
                answer.then()
        else:
            ack(**answer)

    return listener


ViewHandler = Callable[[Call], dict[str, Any]]


def shortcut_listener(
    deps: HandlerDeps, handler: ViewHandler, title_key: str
) -> Callable[..., None]:
    """A message-shortcut listener: ack, then open the form the handler builds (a form that
    only apologises if building it failed); Slack refusing it is one log line."""

    def listener(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        call = Call(deps, body["user"]["id"], "", body, client)
        try:
            view = handler(call)
        except Exception:
            logger.exception("a shortcut failed unexpectedly")
            view = modal_notice(deps.t, deps.t(title_key), deps.t("error.unexpected"))
        try:
            client.views_open(trigger_id=body["trigger_id"], view=view)
        except SlackApiError as exc:
            logger.warning("could not open a modal: %s", exc.response.get("error"))
        except (SlackClientError, OSError) as exc:
            logger.warning("could not open a modal: %s", type(exc).__name__)

    return listener


OptionsHandler = Callable[[Call], list[dict[str, Any]]]


def options_listener(deps: HandlerDeps, handler: OptionsHandler) -> Callable[..., None]:
    """An external select's options for what was typed (`call.text`); none on a surprise."""

    def listener(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        call = Call(deps, body["user"]["id"], str(body.get("value") or ""), body, client)
        try:
            options = handler(call)
        except Exception:
            logger.exception("an options list failed unexpectedly")
            options = []
        ack(options=options)

    return listener


def home_listener(deps: HandlerDeps, handler: ViewHandler) -> Callable[..., None]:
    """`app_home_opened`: publish the view the handler builds for the user who opened it."""

    def listener(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        call = Call(deps, event["user"], "", event, client)
        try:
            view = handler(call)
        except Exception:
            logger.exception("building the home view failed unexpectedly")
            return
        try:
            client.views_publish(user_id=call.user, view=view)
        except SlackApiError as exc:
            logger.warning("could not publish the home view: %s", exc.response.get("error"))
        except (SlackClientError, OSError) as exc:
            logger.warning("could not publish the home view: %s", type(exc).__name__)

    return listener


def notice_view(call: Call, title: str, text: str) -> dict[str, Any]:
    """The acknowledgement that replaces a form with a view that only says something."""
    return {"response_action": "update", "view": modal_notice(call.t, title, text)}


def warning(call: Call, err: DomainError) -> Message:
    """A domain error as an ephemeral warning (for listeners that answer outside `outcome`)."""
    return text_message(":warning: " + error_sentence(call.t, err))
