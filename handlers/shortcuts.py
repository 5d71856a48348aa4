"""The message shortcut "Log to customer register" (`log_message`, SPEC §4.2): a form with a
customer picker fed by the `/customer find` search; saving stores the message's permalink."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from slack_bolt import Respond
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.domain.correspondence import check_form, is_slack_permalink
from bot.domain.customer_fields import FieldError
from bot.services.comms import LogRequest
from bot.services.errors import DomainError, InvalidInput
from handlers.blocks.common import modal_notice, text_message
from handlers.blocks.comms import (
    customer_options,
    log_message_modal,
    log_modal_values,
    logged_text,
    parse_metadata,
)
from handlers.listening import Call, FormAnswer, notice_view, reply
from handlers.parsing import slack_to_plain

logger = logging.getLogger("regbot.handlers.shortcuts")

SHORTCUT_CALLBACK = "log_message"
# Longer typed text is not a customer's name or number; Slack sends what the user typed.
MAX_PICKER_QUERY = 200
_FORM_BLOCKS = ("customer", "channel", "direction", "summary")
# Refusals that concern the picked customer are shown on the picker itself.
_CUSTOMER_ERRORS = frozenset(
    {
        "error.customer_not_found",
        "error.customer_erased",
        "error.ref_invalid",
        "error.ref_bad_business_id",
    }
)


def log_message_form(call: Call) -> dict[str, Any]:
    """The shortcut on a message: the form, prefilled; or a form that says why not."""
    message = call.body.get("message") or {}
    channel_id = str((call.body.get("channel") or {}).get("id") or "")
    message_ts = str(message.get("ts") or call.body.get("message_ts") or "")
    title = call.t("comms.modal_title")
    try:
        call.services.comms.check_can_log(call.user)
        return log_message_modal(
            call.t,
            summary=slack_to_plain(str(message.get("text") or "")),
            channel_id=channel_id,
            message_ts=message_ts,
            response_url=str(call.body.get("response_url") or ""),
        )
    except DomainError as err:
        return modal_notice(call.t, title, call.t(err.key, **err.params))


def customer_picker(call: Call) -> list[dict[str, Any]]:
    """The picker's options for what was typed; none for non-staff or too short a text (the
    refusal is audited by the search)."""
    try:
        found = call.services.customers.find(call.user, call.text[:MAX_PICKER_QUERY])
    except DomainError:
        return []
    return customer_options(found)


def log_submitted(call: Call, view: Mapping[str, Any]) -> dict[str, Any] | FormAnswer:
    """The form saved: the entry stored with the message's permalink, and a confirmation in
    the form and, through the shortcut's response URL, in the message's channel."""
    t = call.t
    values = log_modal_values(view.get("state") or {})
    channel_id, message_ts, response_url = parse_metadata(call.text)
    errors = _form_errors(
        call,
        check_form(
            channel=values.get("channel", ""),
            direction=values.get("direction", ""),
            summary=values.get("summary", ""),
        ),
    )
    if not values.get("customer"):
        errors["customer"] = t("comms.pick_customer")
    if errors:
        return {"response_action": "errors", "errors": errors}
    permalink = _permalink(call, channel_id, message_ts)
    request = LogRequest(
        ref=values["customer"],
        channel=values["channel"],
        direction=values["direction"],
        summary=values["summary"],
        permalink=permalink,
    )
    logged = call.services.comms.log(call.user, request)
    text = logged_text(t, logged, call.tz)
    if permalink is None:
        text += " " + t("comms.no_permalink")
    return FormAnswer(
        notice_view(call, form_title(call), ":white_check_mark: " + text),
        then=lambda: _confirm(call, response_url, channel_id, text),
    )


def log_refused(call: Call, err: DomainError) -> dict[str, Any]:
    """Bad fields on their fields, a customer that cannot be picked on the picker, else a
    form that says why."""
    if isinstance(err, InvalidInput):
        return {"response_action": "errors", "errors": _form_errors(call, err.field_errors)}
    text = call.t(err.key, **err.params)
    if err.key in _CUSTOMER_ERRORS:
        return {"response_action": "errors", "errors": {"customer": text}}
    return notice_view(call, form_title(call), text)


def form_title(call: Call) -> str:
    return call.t("comms.modal_title")


def _form_errors(call: Call, errors: Mapping[str, FieldError]) -> dict[str, str]:
    shown: dict[str, str] = {}
    for name, error in errors.items():
        block = name if name in _FORM_BLOCKS else "summary"
        text = call.t(error.key, field=name, **error.params)
        shown[block] = (shown[block] + " " + text) if block in shown else text
    return shown


def _permalink(call: Call, channel_id: str, message_ts: str) -> str | None:
    """The message's permalink, or None when Slack cannot give it (the entry is kept anyway)."""
    if not channel_id or not message_ts:
        return None
    try:
        response = call.client.chat_getPermalink(channel=channel_id, message_ts=message_ts)
    except SlackApiError as exc:
        logger.warning("could not get a message permalink: %s", exc.response.get("error"))
        return None
    except (SlackClientError, OSError) as exc:
        logger.warning("could not get a message permalink: %s", type(exc).__name__)
        return None
    link = response.get("permalink")
    return link if isinstance(link, str) and is_slack_permalink(link) else None


def _confirm(call: Call, response_url: str, channel_id: str, text: str) -> None:
    """The ephemeral confirmation in the message's channel, through the shortcut's response
    URL (or, without one, chat.postEphemeral); a failure is one log line."""
    if response_url:
        reply(
            Respond(response_url=response_url),
            {**text_message(text), "replace_original": False},
        )
        return
    if not channel_id:
        return
    try:
        call.client.chat_postEphemeral(channel=channel_id, user=call.user, text=text)
    except SlackApiError as exc:
        logger.warning("could not post the logging confirmation: %s", exc.response.get("error"))
    except (SlackClientError, OSError) as exc:
        logger.warning("could not post the logging confirmation: %s", type(exc).__name__)
