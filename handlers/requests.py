"""`/dsr` and the request buttons: record, list, show, assign, verify, extend, close."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.services.errors import DomainError
from bot.services.requests import request_label
from handlers.blocks import SUBCOMMAND_USAGE, Message, fmt_time, text_message
from handlers.common import HandlerDeps, Respond, answer_command, outcome, reply
from handlers.parsing import ParseError, head_and_rest, parse_arguments, slack_to_plain
from handlers.request_blocks import (
    ASSIGN_ME,
    CLOSE_MODAL,
    EXTEND,
    EXTEND_MODAL,
    FULFIL,
    OPEN,
    TOLD,
    code_message,
    created_message,
    detail_message,
    list_message,
    reason_modal,
    refreshed,
    summary_message,
)

logger = logging.getLogger("regbot.handlers.requests")

_REQUEST_ID = re.compile(r"^(?:#|dsr-?)?(\d{1,9})$", re.IGNORECASE | re.ASCII)
_CODE = re.compile(r"^\d{6}$", re.ASCII)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
NEW_OPTIONS = frozenset({"received", "via", "requester"})


def parse_request_number(word: str) -> int:
    """`DSR-12`, `dsr12`, `#12` or `12` → 12."""
    match = _REQUEST_ID.match(word.strip())
    if match is None:
        raise ParseError("parse.bad_request_id", word=word)
    return int(match.group(1))


def parse_date(value: str) -> dt.date:
    """A date written YYYY-MM-DD."""
    text = value.strip()
    if _DATE.match(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    raise ParseError("parse.bad_date", value=value)


def register(app: App, deps: HandlerDeps) -> None:
    """Attach /dsr, the request buttons and their reason modals."""
    t, tz = deps.t, deps.settings.tz

    def requests() -> Any:
        return deps.services.requests

    def new(user: str, rest: str) -> Message:
        args = parse_arguments(rest)
        unknown = set(args.options) - NEW_OPTIONS
        if unknown:
            raise ParseError("parse.unknown_options", names=", ".join(sorted(unknown)))
        if len(args.positional) < 2:
            raise ParseError("parse.expected_args", usage=SUBCOMMAND_USAGE["/dsr new"])
        ref = None if args.positional[0] == "-" else args.positional[0]
        received = parse_date(args.options["received"]) if "received" in args.options else None
        note = " ".join(args.positional[2:]) or None
        created = requests().create(
            user,
            ref,
            args.positional[1],
            received=received,
            via=args.options.get("via"),
            requester=args.options.get("requester"),
            note=note,
        )
        return created_message(t, created.summary, created.marketing_objection_applied)

    def list_(user: str, rest: str) -> Message:
        which = rest.strip().lower() or "open"
        return list_message(t, requests().list(user, which))

    def show(user: str, rest: str) -> Message:
        return detail_message(t, requests().show(user, _one_id(rest, "show")), tz)

    def assign(user: str, rest: str) -> Message:
        args = parse_arguments(rest)
        if len(args.positional) != 2 or args.options:
            raise ParseError("parse.expected_args", usage=SUBCOMMAND_USAGE["/dsr assign"])
        number = parse_request_number(args.positional[0])
        summary = requests().assign(user, number, args.mention(1))
        return summary_message(t, "dsr.assigned_now", summary)

    def verify(user: str, rest: str) -> Message:
        args = parse_arguments(rest)
        if not args.positional:
            raise ParseError("parse.expected_args", usage=SUBCOMMAND_USAGE["/dsr verify"])
        number = parse_request_number(args.positional[0])
        if "method" in args.options and len(args.positional) == 1 and len(args.options) == 1:
            return summary_message(
                t,
                "dsr.verified_now",
                requests().verify_by_method(user, number, args.options["method"]),
            )
        if len(args.positional) != 2 or args.options:
            raise ParseError("parse.expected_args", usage=SUBCOMMAND_USAGE["/dsr verify"])
        word = args.positional[1]
        if word.lower() == "send":
            issued = requests().send_code(user, number)
            return code_message(t, issued, fmt_time(issued.expires_at, tz))
        if not _CODE.match(word):
            raise ParseError("parse.bad_code")
        check = requests().check_code(user, number, word)
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

    def extend(user: str, rest: str) -> Message:
        first, reason = head_and_rest(rest)
        summary = requests().extend(user, parse_request_number(first), slack_to_plain(reason))
        return summary_message(t, "dsr.extended_now", summary)

    def told(user: str, rest: str) -> Message:
        return summary_message(t, "dsr.told_now", requests().mark_told(user, _one_id(rest, "told")))

    def link(user: str, rest: str) -> Message:
        args = parse_arguments(rest)
        if len(args.positional) != 2 or args.options:
            raise ParseError("parse.expected_args", usage=SUBCOMMAND_USAGE["/dsr link"])
        summary = requests().link(
            user, parse_request_number(args.positional[0]), args.positional[1]
        )
        return summary_message(t, "dsr.linked_now", summary)

    def close(user: str, rest: str) -> Message:
        first, after = head_and_rest(rest)
        result, reason = head_and_rest(after)
        if not first or not result:
            raise ParseError("parse.expected_args", usage=SUBCOMMAND_USAGE["/dsr close"])
        summary = requests().close(
            user, parse_request_number(first), result, slack_to_plain(reason)
        )
        return summary_message(t, "dsr.closed_now", summary)

    subcommands: dict[str, Callable[[str, str], Message]] = {
        "new": new,
        "list": list_,
        "show": show,
        "assign": assign,
        "verify": verify,
        "extend": extend,
        "told": told,
        "link": link,
        "close": close,
    }

    @app.command("/dsr")
    def handle_dsr(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        ack()
        answer_command(deps, "/dsr", command, respond, subcommands)

    # --- buttons ---------------------------------------------------------------------------

    def ephemeral(respond: Respond, msg: Message) -> None:
        reply(respond, {**msg, "response_type": "ephemeral", "replace_original": False})

    @app.action(ASSIGN_ME)
    def handle_assign_me(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
    ) -> None:
        ack()
        user = body["user"]["id"]
        try:
            summary = requests().assign(user, parse_request_number(action["value"]), user)
        except DomainError as err:
            ephemeral(respond, text_message(":warning: " + t(err.key, **err.params)))
            return
        container_message = body.get("message")
        channel = (body.get("channel") or {}).get("id")
        if container_message and channel:
            try:
                client.chat_update(
                    channel=channel,
                    ts=container_message["ts"],
                    text=container_message.get("text", ""),
                    blocks=refreshed(container_message.get("blocks", []), t, summary),
                )
            except SlackApiError as exc:
                logger.warning("could not update a message: %s", exc.response.get("error"))
            except (SlackClientError, OSError) as exc:
                logger.warning("could not update a message: %s", type(exc).__name__)
        ephemeral(respond, summary_message(t, "dsr.assigned_now", summary))

    @app.action(OPEN)
    def handle_open(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        ack()
        user = body["user"]["id"]
        number = action["value"]
        ephemeral(
            respond,
            outcome(
                t,
                None,
                lambda: detail_message(t, requests().show(user, parse_request_number(number)), tz),
            )
            or {},
        )

    @app.action(TOLD)
    def handle_told(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        ack()
        user = body["user"]["id"]
        number = action["value"]
        ephemeral(
            respond,
            outcome(
                t,
                None,
                lambda: summary_message(
                    t, "dsr.told_now", requests().mark_told(user, parse_request_number(number))
                ),
            )
            or {},
        )

    def open_reason_modal(callback_id: str, title_key: str) -> Callable[..., None]:
        def handler(
            ack: Ack,
            body: dict[str, Any],
            action: dict[str, Any],
            respond: Respond,
            client: WebClient,
        ) -> None:
            ack()
            user = body["user"]["id"]
            try:
                number = parse_request_number(action["value"])
                requests().check_can_execute(user)
                client.views_open(
                    trigger_id=body["trigger_id"],
                    view=reason_modal(t, callback_id, number, title_key),
                )
            except DomainError as err:
                ephemeral(respond, text_message(":warning: " + t(err.key, **err.params)))
            except SlackApiError as exc:
                logger.warning("could not open a modal: %s", exc.response.get("error"))
                ephemeral(respond, text_message(":warning: " + t("error.modal_failed")))
            except (SlackClientError, OSError) as exc:
                logger.warning("could not open a modal: %s", type(exc).__name__)
                ephemeral(respond, text_message(":warning: " + t("error.modal_failed")))

        return handler

    app.action(FULFIL)(open_reason_modal(CLOSE_MODAL, "dsr.modal.fulfil"))
    app.action(EXTEND)(open_reason_modal(EXTEND_MODAL, "dsr.modal.extend"))

    def reason_submission(work: Callable[[str, int, str], Message]) -> Callable[..., None]:
        def handler(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
            user = body["user"]["id"]
            reason = view["state"]["values"].get("reason", {}).get("value", {}).get("value") or ""
            try:
                number = parse_request_number(view.get("private_metadata") or "")
                msg = work(user, number, reason)
            except DomainError as err:
                ack(response_action="errors", errors={"reason": t(err.key, **err.params)})
                return
            ack(
                response_action="update",
                view={
                    "type": "modal",
                    "title": {"type": "plain_text", "text": f"DSR-{number}"},
                    "close": {"type": "plain_text", "text": t("modal.close")},
                    "blocks": msg["blocks"][:1],
                },
            )

        return handler

    app.view(CLOSE_MODAL)(
        reason_submission(
            lambda user, number, reason: summary_message(
                t, "dsr.closed_now", requests().close(user, number, "fulfilled", reason)
            )
        )
    )
    app.view(EXTEND_MODAL)(
        reason_submission(
            lambda user, number, reason: summary_message(
                t, "dsr.extended_now", requests().extend(user, number, reason)
            )
        )
    )


def _one_id(rest: str, sub: str) -> int:
    args = parse_arguments(rest)
    if len(args.positional) != 1 or args.options:
        raise ParseError("parse.expected_args", usage=SUBCOMMAND_USAGE[f"/dsr {sub}"])
    return parse_request_number(args.positional[0])
