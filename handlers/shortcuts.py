"""The message shortcut "Log to customer register" (`log_message`, SPEC §4.2): a modal with a
customer picker fed by the `/customer find` search; saving stores the message's permalink."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.domain.correspondence import check_form, is_slack_permalink
from bot.domain.customer_fields import FieldError
from bot.services.comms import LogRequest
from bot.services.errors import DomainError, InvalidInput
from handlers.blocks import modal_notice, text_message
from handlers.common import HandlerDeps, reply
from handlers.comms_blocks import (
    CUSTOMER_ACTION,
    LOG_MODAL_CALLBACK,
    customer_options,
    log_message_modal,
    log_modal_values,
    logged_text,
    parse_metadata,
)
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


def register(app: App, deps: HandlerDeps) -> None:
    """Attach the message shortcut, its customer picker and its modal submission."""
    services, t, tz = deps.services, deps.t, deps.settings.tz
    title = t("comms.modal_title")

    @app.shortcut(SHORTCUT_CALLBACK)
    def handle_log_message(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        user = body["user"]["id"]
        message = body.get("message") or {}
        channel_id = str((body.get("channel") or {}).get("id") or "")
        message_ts = str(message.get("ts") or body.get("message_ts") or "")
        try:
            services.comms.check_can_log(user)
            view = log_message_modal(
                t,
                summary=slack_to_plain(str(message.get("text") or "")),
                channel_id=channel_id,
                message_ts=message_ts,
                response_url=str(body.get("response_url") or ""),
            )
        except DomainError as err:
            view = modal_notice(t, title, t(err.key, **err.params))
        except Exception:
            logger.exception("the log-message shortcut failed unexpectedly")
            view = modal_notice(t, title, t("error.unexpected"))
        try:
            client.views_open(trigger_id=body["trigger_id"], view=view)
        except SlackApiError as exc:
            logger.warning("could not open the log-message modal: %s", exc.response.get("error"))
        except (SlackClientError, OSError) as exc:
            logger.warning("could not open the log-message modal: %s", type(exc).__name__)

    @app.options(CUSTOMER_ACTION)
    def handle_customer_options(ack: Ack, body: dict[str, Any]) -> None:
        user = body["user"]["id"]
        query = str(body.get("value") or "")[:MAX_PICKER_QUERY]
        try:
            result = services.customers.find(user, query)
        except DomainError:
            # Not staff, or too short a query: no options, and the refusal is audited.
            ack(options=[])
            return
        except Exception:
            logger.exception("the customer picker search failed unexpectedly")
            ack(options=[])
            return
        ack(options=customer_options(result))

    @app.view(LOG_MODAL_CALLBACK)
    def handle_log_submission(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        user = body["user"]["id"]
        values = log_modal_values(view.get("state") or {})
        channel_id, message_ts, response_url = parse_metadata(
            str(view.get("private_metadata") or "")
        )
        errors = _form_errors(
            deps,
            check_form(
                channel=values.get("channel", ""),
                direction=values.get("direction", ""),
                summary=values.get("summary", ""),
            ),
        )
        if not values.get("customer"):
            errors["customer"] = t("comms.pick_customer")
        if errors:
            ack(response_action="errors", errors=errors)
            return
        permalink = _permalink(client, channel_id, message_ts)
        request = LogRequest(
            ref=values["customer"],
            channel=values["channel"],
            direction=values["direction"],
            summary=values["summary"],
            permalink=permalink,
        )
        try:
            logged = services.comms.log(user, request)
        except InvalidInput as err:
            ack(response_action="errors", errors=_form_errors(deps, err.field_errors))
            return
        except DomainError as err:
            text = t(err.key, **err.params)
            if err.key in _CUSTOMER_ERRORS:
                ack(response_action="errors", errors={"customer": text})
            else:
                ack(response_action="update", view=modal_notice(t, title, text))
            return
        except Exception:
            logger.exception("logging a message as correspondence failed unexpectedly")
            ack(response_action="update", view=modal_notice(t, title, t("error.unexpected")))
            return
        text = logged_text(t, logged, tz)
        if permalink is None:
            text += " " + t("comms.no_permalink")
        ack(response_action="update", view=modal_notice(t, title, ":white_check_mark: " + text))
        _confirm(client, response_url, channel_id, user, text)


def _form_errors(deps: HandlerDeps, errors: dict[str, FieldError]) -> dict[str, str]:
    shown: dict[str, str] = {}
    for name, error in errors.items():
        block = name if name in _FORM_BLOCKS else "summary"
        text = deps.t(error.key, field=name, **error.params)
        shown[block] = (shown[block] + " " + text) if block in shown else text
    return shown


def _permalink(client: WebClient, channel_id: str, message_ts: str) -> str | None:
    """The message's permalink, or None when Slack cannot give it (the entry is kept anyway)."""
    if not channel_id or not message_ts:
        return None
    try:
        response = client.chat_getPermalink(channel=channel_id, message_ts=message_ts)
    except SlackApiError as exc:
        logger.warning("could not get a message permalink: %s", exc.response.get("error"))
        return None
    except (SlackClientError, OSError) as exc:
        logger.warning("could not get a message permalink: %s", type(exc).__name__)
        return None
    link = response.get("permalink")
    return link if isinstance(link, str) and is_slack_permalink(link) else None


def _confirm(client: WebClient, response_url: str, channel_id: str, user: str, text: str) -> None:
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
        client.chat_postEphemeral(channel=channel_id, user=user, text=text)
    except SlackApiError as exc:
        logger.warning("could not post the logging confirmation: %s", exc.response.get("error"))
    except (SlackClientError, OSError) as exc:
        logger.warning("could not post the logging confirmation: %s", type(exc).__name__)
