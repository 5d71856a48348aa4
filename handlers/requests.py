"""`/dsr` and the request buttons: record, list, show, assign, verify, extend, close (SPEC §5).
Plain functions of a `Call`; `handlers.routes` routes commands, buttons and forms to them."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.services.errors import DomainError
from bot.services.requests import request_label
from handlers.blocks.common import Message, fmt_time, text_message
from handlers.blocks.requests import (
    CLOSE_MODAL,
    EXTEND_MODAL,
    code_message,
    created_message,
    detail_message,
    list_message,
    reason_modal,
    refreshed,
    summary_message,
)
from handlers.listening import Call, error_sentence, open_modal
from handlers.parsing import (
    NEW_OPTIONS,
    ParseError,
    head_and_rest,
    parse_arguments,
    parse_code,
    parse_date,
    parse_one_request,
    parse_request_number,
    slack_to_plain,
)

logger = logging.getLogger("regbot.handlers.requests")


def new(call: Call) -> Message:
    """/dsr new REF|- TYPE [received=…] [via=…] [requester="…"] [NOTE…]"""
    args = parse_arguments(call.text)
    unknown = set(args.options) - NEW_OPTIONS
    if unknown:
        raise ParseError("parse.unknown_options", names=", ".join(sorted(unknown)))
    if len(args.positional) < 2:
        raise ParseError("parse.expected_args")
    ref = None if args.positional[0] == "-" else args.positional[0]
    received = parse_date(args.options["received"]) if "received" in args.options else None
    created = call.services.requests.create(
        call.user,
        ref,
        args.positional[1],
        received=received,
        via=args.options.get("via"),
        requester=args.options.get("requester"),
        note=" ".join(args.positional[2:]) or None,
    )
    return created_message(call.t, created.summary, created.marketing_objection_applied)


def list_(call: Call) -> Message:
    """/dsr list [open|overdue|mine|all]"""
    which = call.text.strip().lower() or "open"
    return list_message(call.t, call.services.requests.list(call.user, which))


def show(call: Call) -> Message:
    """/dsr show ID"""
    found = call.services.requests.show(call.user, parse_one_request(call.text))
    return detail_message(call.t, found, call.tz)


def assign(call: Call) -> Message:
    """/dsr assign ID @user"""
    args = parse_arguments(call.text)
    if len(args.positional) != 2 or args.options:
        raise ParseError("parse.expected_args")
    number = parse_request_number(args.positional[0])
    summary = call.services.requests.assign(call.user, number, args.mention(1))
    return summary_message(call.t, "dsr.assigned_now", summary)


def verify(call: Call) -> Message:
    """/dsr verify ID send | ID CODE | ID method="…" """
    args = parse_arguments(call.text)
    if not args.positional:
        raise ParseError("parse.expected_args")
    number = parse_request_number(args.positional[0])
    requests, t = call.services.requests, call.t
    if "method" in args.options and len(args.positional) == 1 and len(args.options) == 1:
        verified = requests.verify_by_method(call.user, number, args.options["method"])
        return summary_message(t, "dsr.verified_now", verified)
    if len(args.positional) != 2 or args.options:
        raise ParseError("parse.expected_args")
    word = args.positional[1]
    if word.lower() == "send":
        issued = requests.send_code(call.user, number)
        return code_message(t, issued, fmt_time(issued.expires_at, call.tz))
    check = requests.check_code(call.user, number, parse_code(word))
    key = (
        "dsr.code_ok"
        if check.ok
        else "dsr.code_expired"
        if check.expired
        else "dsr.code_locked"
        if check.locked
        else "dsr.code_wrong"
    )
    label, due = request_label(number), check.due_on.isoformat()
    return text_message(t(key, label=label, due=due, left=check.attempts_left))


def extend(call: Call) -> Message:
    """/dsr extend ID REASON…"""
    first, reason = head_and_rest(call.text)
    number = parse_request_number(first)
    summary = call.services.requests.extend(call.user, number, slack_to_plain(reason))
    return summary_message(call.t, "dsr.extended_now", summary)


def told(call: Call) -> Message:
    """/dsr told ID"""
    summary = call.services.requests.mark_told(call.user, parse_one_request(call.text))
    return summary_message(call.t, "dsr.told_now", summary)


def link(call: Call) -> Message:
    """/dsr link ID REF"""
    args = parse_arguments(call.text)
    if len(args.positional) != 2 or args.options:
        raise ParseError("parse.expected_args")
    number = parse_request_number(args.positional[0])
    summary = call.services.requests.link(call.user, number, args.positional[1])
    return summary_message(call.t, "dsr.linked_now", summary)


def close(call: Call) -> Message:
    """/dsr close ID fulfilled|refused|withdrawn REASON…"""
    first, after = head_and_rest(call.text)
    result, reason = head_and_rest(after)
    if not first or not result:
        raise ParseError("parse.expected_args")
    number = parse_request_number(first)
    summary = call.services.requests.close(call.user, number, result, slack_to_plain(reason))
    return summary_message(call.t, "dsr.closed_now", summary)


# --- buttons (on reminders, announcements and request cards) --------------------------------


def assign_to_me(call: Call) -> Message:
    """ "Assign to me": the presser takes the request; the message it was on is redrawn."""
    summary = call.services.requests.assign(call.user, parse_request_number(call.text), call.user)
    container = call.body.get("message")
    channel = (call.body.get("channel") or {}).get("id")
    if container and channel:
        try:
            call.client.chat_update(
                channel=channel,
                ts=container["ts"],
                text=container.get("text", ""),
                blocks=refreshed(container.get("blocks", []), call.t, summary),
            )
        except SlackApiError as exc:
            logger.warning("could not update a message: %s", exc.response.get("error"))
        except (SlackClientError, OSError) as exc:
            logger.warning("could not update a message: %s", type(exc).__name__)
    return summary_message(call.t, "dsr.assigned_now", summary)


def open_request(call: Call) -> Message:
    """ "Open": the request's card, to the presser only."""
    found = call.services.requests.show(call.user, parse_request_number(call.text))
    return detail_message(call.t, found, call.tz)


def told_pressed(call: Call) -> Message:
    """ "Told the requester": the extension's notice was given."""
    summary = call.services.requests.mark_told(call.user, parse_request_number(call.text))
    return summary_message(call.t, "dsr.told_now", summary)


def _reason_form(call: Call, callback_id: str, title_key: str) -> None:
    number = parse_request_number(call.text)
    call.services.requests.check_can_execute(call.user)
    open_modal(call, reason_modal(call.t, callback_id, number, title_key))


def fulfil_pressed(call: Call) -> None:
    """ "Mark fulfilled": asks for the reason in a form (only to those who may close)."""
    _reason_form(call, CLOSE_MODAL, "dsr.modal.fulfil")


def extend_pressed(call: Call) -> None:
    """ "Extend": asks for the reason in a form (only to those who may extend)."""
    _reason_form(call, EXTEND_MODAL, "dsr.modal.extend")


# --- the reason forms -----------------------------------------------------------------------


def _reason(view: Mapping[str, Any]) -> str:
    return str(view["state"]["values"].get("reason", {}).get("value", {}).get("value") or "")


def _done(call: Call, msg: Message) -> dict[str, Any]:
    return {
        "response_action": "update",
        "view": {
            "type": "modal",
            "title": {"type": "plain_text", "text": reason_title(call)},
            "close": {"type": "plain_text", "text": call.t("modal.close")},
            "blocks": msg["blocks"][:1],
        },
    }


def close_submitted(call: Call, view: Mapping[str, Any]) -> dict[str, Any]:
    """The "Mark fulfilled" form saved: the request is closed as fulfilled."""
    number = parse_request_number(call.text)
    summary = call.services.requests.close(call.user, number, "fulfilled", _reason(view))
    return _done(call, summary_message(call.t, "dsr.closed_now", summary))


def extend_submitted(call: Call, view: Mapping[str, Any]) -> dict[str, Any]:
    """The "Extend" form saved: the deadline is extended with the reason."""
    number = parse_request_number(call.text)
    summary = call.services.requests.extend(call.user, number, _reason(view))
    return _done(call, summary_message(call.t, "dsr.extended_now", summary))


def reason_refused(call: Call, err: DomainError) -> dict[str, Any]:
    """A refused close or extension is shown on the reason field."""
    return {"response_action": "errors", "errors": {"reason": error_sentence(call.t, err)}}


def reason_title(call: Call) -> str:
    return f"DSR-{call.text}"
