"""`/customer consent|disclose|export|erase` and `/register notice`: carrying out rights, and
the erasure prompt's buttons (SPEC §5.5–5.6, §7). Plain functions of a `Call`."""

from __future__ import annotations

import json
import logging

from slack_sdk.errors import SlackApiError

from bot.services.errors import DomainError
from bot.services.export import ExportResult
from handlers.blocks.common import Message, esc, text_message
from handlers.blocks.rights import (
    consent_message,
    disclosure_message,
    erase_confirmation,
    erasure_report_message,
    export_message,
    notice_message,
)
from handlers.listening import Call
from handlers.parsing import (
    DISCLOSE_OPTIONS,
    ParseError,
    head_and_rest,
    parse_arguments,
    parse_request_option,
    slack_to_plain,
)

logger = logging.getLogger("regbot.handlers.rights")


def consent(call: Call) -> Message:
    """/customer consent REF PURPOSE give|withdraw [evidence…]"""
    ref, rest = head_and_rest(call.text)
    purpose, rest = head_and_rest(rest)
    action, evidence = head_and_rest(rest)
    ref, purpose, evidence = slack_to_plain(ref), slack_to_plain(purpose), slack_to_plain(evidence)
    if not ref or not purpose or action not in ("give", "withdraw"):
        raise ParseError("parse.expected_args")
    consents = call.services.consents
    do = consents.give if action == "give" else consents.withdraw
    return consent_message(call.t, do(call.user, ref, purpose, evidence or None), action)


def disclose(call: Call) -> Message:
    """/customer disclose REF recipient=… basis=consent|law [law="…"] [country=XX] [data="…"]"""
    args = parse_arguments(call.text)
    unknown = set(args.options) - DISCLOSE_OPTIONS
    if unknown:
        raise ParseError("parse.unknown_options", names=", ".join(sorted(unknown)))
    if len(args.positional) != 1 or "recipient" not in args.options or "basis" not in args.options:
        raise ParseError("parse.expected_args")
    record = call.services.consents.disclose(
        call.user,
        args.positional[0],
        recipient=args.options["recipient"],
        basis=args.options["basis"].lower(),
        law=args.options.get("law"),
        country=args.options.get("country"),
        data=args.options.get("data"),
    )
    return disclosure_message(call.t, record)


def export(call: Call) -> Message:
    """/customer export REF [request=DSR-N]"""
    args = parse_arguments(call.text)
    if len(args.positional) != 1 or set(args.options) - {"request"}:
        raise ParseError("parse.expected_args")
    result = call.services.export.export(
        call.user, args.positional[0], request_number=parse_request_option(args.options)
    )
    uploaded = call.deps.settings.export_to_slack and _upload(call, result)
    return export_message(call.t, result, uploaded)


def erase(call: Call) -> Message:
    """/customer erase REF [confirm] [request=DSR-N]: without `confirm`, a prompt with a button."""
    args = parse_arguments(call.text)
    confirmation = [w.lower() for w in args.positional[1:]]
    if (
        len(args.positional) < 1
        or confirmation not in ([], ["confirm"])
        or set(args.options) - {"request"}
    ):
        raise ParseError("parse.expected_args")
    request = parse_request_option(args.options)
    erasure = call.services.erasure
    if confirmation == ["confirm"]:
        report = erasure.erase(call.user, args.positional[0], request_number=request)
        return erasure_report_message(call.t, report)
    return erase_confirmation(call.t, erasure.preview(call.user, args.positional[0]), request)


def notice(call: Call) -> Message:
    """/register notice [fi|en]"""
    # Only staff may use any command (SPEC §3), even one that shows no customer data.
    call.services.staff.check_is_staff(call.user, "register.notice")
    language = call.text.strip().lower() or call.deps.settings.language
    if language not in ("fi", "en"):
        raise ParseError("parse.expected_args")
    return notice_message(call.t, call.deps.settings, language)


def erase_confirmed(call: Call) -> Message:
    """The prompt's "Erase" button: the erasure itself, re-checking the presser's role."""
    try:
        value = json.loads(call.text or "{}")
        number, request = str(value["number"]), value.get("request")
    except (ValueError, KeyError, TypeError):
        raise DomainError("error.unexpected") from None
    report = call.services.erasure.erase(call.user, number, request_number=request)
    return {**erasure_report_message(call.t, report), "replace_original": True}


def erase_cancelled(call: Call) -> Message:
    """The prompt's "Cancel" button."""
    text = call.t("erase.cancelled", number=esc(call.text or "?"))
    return {**text_message(text), "replace_original": True}


def _upload(call: Call, result: ExportResult) -> bool:
    try:
        channel = call.client.conversations_open(users=call.user)["channel"]["id"]
        call.client.files_upload_v2(
            channel=channel,
            file_uploads=[
                {"file": str(result.json_path), "title": result.json_path.name},
                {"file": str(result.summary_path), "title": result.summary_path.name},
            ],
            initial_comment=call.t("export.upload_comment", number=result.number),
        )
    except (SlackApiError, OSError) as exc:
        logger.warning("could not upload an export to Slack: %s", type(exc).__name__)
        return False
    return True
