"""`/customer consent|disclose|export|erase` and `/register notice`: carrying out rights."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.i18n import Translator
from bot.services.consents import ConsentChange, DisclosureRecord
from bot.services.erasure import ErasurePreview, ErasureReport
from bot.services.errors import DomainError
from bot.services.export import ExportResult
from bot.services.notice import notice_title, render_notice
from handlers.blocks import (
    SUBCOMMAND_USAGE,
    Block,
    Message,
    context,
    esc,
    message,
    section,
    text_message,
)
from handlers.common import HandlerDeps, Respond, reply
from handlers.parsing import ParseError, head_and_rest, parse_arguments, slack_to_plain

logger = logging.getLogger("regbot.handlers.rights")

ERASE_CONFIRM = "erase_confirm"
ERASE_CANCEL = "erase_cancel"
DISCLOSE_OPTIONS = frozenset({"recipient", "basis", "law", "country", "data"})


def parse_request_option(options: dict[str, str]) -> int | None:
    """`request=DSR-12` → 12 (None when absent)."""
    from handlers.requests import parse_request_number

    value = options.get("request")
    return parse_request_number(value) if value else None


# --- pure builders --------------------------------------------------------------------------


def consent_message(t: Translator, change: ConsentChange, action: str) -> Message:
    """The reply to /customer consent."""
    key = f"consent.{action}" if change.changed else f"consent.{action}_nothing"
    return text_message(t(key, number=change.number, purpose=change.purpose))


def disclosure_message(t: Translator, record: DisclosureRecord) -> Message:
    """The reply to an accepted /customer disclose."""
    return text_message(
        t(
            "disclose.recorded",
            number=record.number,
            recipient=esc(record.recipient),
            basis=record.basis,
            country=record.country or "–",
        )
    )


def export_message(t: Translator, result: ExportResult, uploaded: bool) -> Message:
    """Where the export went and what it holds."""
    counts = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in result.counts.items())
    text = t("export.done", number=result.number, path=esc(str(result.json_path)))
    text += "\n" + t("export.summary_file", path=esc(str(result.summary_path)))
    if uploaded:
        text += "\n" + t("export.uploaded")
    if result.request_number is not None:
        text += "\n" + t("export.recorded", label=f"DSR-{result.request_number}")
    return message([section(text), context(counts)], t("export.done_short", number=result.number))


def erase_confirmation(t: Translator, preview: ErasurePreview, request: int | None) -> Message:
    """What will be erased, with a button that does it (and re-checks the role)."""
    counts = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in preview.counts.items() if v)
    value = json.dumps({"number": preview.number, "request": request})
    blocks: list[Block] = [
        section(t("erase.confirm", number=preview.number, name=esc(preview.name))),
        context(t("erase.will_touch", counts=counts or "–", invoices=preview.invoices)),
        {
            "type": "actions",
            "block_id": "erase",
            "elements": [
                {
                    "type": "button",
                    "style": "danger",
                    "text": {
                        "type": "plain_text",
                        "text": t("erase.button", number=preview.number),
                    },
                    "action_id": ERASE_CONFIRM,
                    "value": value,
                    "confirm": {
                        "title": {"type": "plain_text", "text": t("erase.dialog_title")},
                        "text": {
                            "type": "mrkdwn",
                            "text": t("erase.dialog_text", number=preview.number),
                        },
                        "confirm": {"type": "plain_text", "text": t("erase.dialog_yes")},
                        "deny": {"type": "plain_text", "text": t("modal.cancel")},
                    },
                },
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": t("modal.cancel")},
                    "action_id": ERASE_CANCEL,
                    "value": str(preview.number),
                },
            ],
        },
    ]
    return message(blocks, t("erase.confirm_short", number=preview.number))


def erasure_report_message(t: Translator, report: ErasureReport) -> Message:
    """Items removed and items retained, and why."""
    removed = "\n".join(f"• {item.what}: {item.count}" for item in report.removed) or "–"
    retained = "\n".join(f"• {item.what}: {item.count} — {item.why}" for item in report.retained)
    blocks = [
        section(t("erase.done", number=report.number)),
        section(f"*{t('erase.removed')}*\n{removed}"),
        section(f"*{t('erase.retained')}*\n{retained}"),
    ]
    if report.request_number is not None:
        blocks.append(context(t("erase.recorded", label=f"DSR-{report.request_number}")))
    return message(blocks, t("erase.done", number=report.number))


def notice_message(t: Translator, deps: HandlerDeps, language: str) -> Message:
    """The privacy notice as Slack sections."""
    settings = deps.settings
    blocks: list[Block] = [section(f"*{esc(notice_title(settings, language))}*")]
    for part in render_notice(settings, language):
        blocks.append(section(f"*{esc(part.heading)}*\n" + "\n".join(esc(b) for b in part.body)))
    return message(blocks, notice_title(settings, language))


# --- subcommands (plugged into /customer and /register) --------------------------------------


def consent(deps: HandlerDeps, user: str, rest: str) -> Message:
    """/customer consent REF PURPOSE give|withdraw [evidence…]"""
    ref, rest = head_and_rest(rest)
    purpose, rest = head_and_rest(rest)
    action, evidence = head_and_rest(rest)
    ref, purpose, evidence = slack_to_plain(ref), slack_to_plain(purpose), slack_to_plain(evidence)
    if not ref or not purpose or action not in ("give", "withdraw"):
        raise ParseError("parse.expected_args", usage=SUBCOMMAND_USAGE["/customer consent"])
    consents = deps.services.consents
    do = consents.give if action == "give" else consents.withdraw
    return consent_message(deps.t, do(user, ref, purpose, evidence or None), action)


def disclose(deps: HandlerDeps, user: str, rest: str) -> Message:
    """/customer disclose REF recipient=… basis=consent|law [law="…"] [country=XX] [data="…"]"""
    args = parse_arguments(rest)
    unknown = set(args.options) - DISCLOSE_OPTIONS
    if unknown:
        raise ParseError("parse.unknown_options", names=", ".join(sorted(unknown)))
    if len(args.positional) != 1 or "recipient" not in args.options or "basis" not in args.options:
        raise ParseError("parse.expected_args", usage=SUBCOMMAND_USAGE["/customer disclose"])
    record = deps.services.consents.disclose(
        user,
        args.positional[0],
        recipient=args.options["recipient"],
        basis=args.options["basis"].lower(),
        law=args.options.get("law"),
        country=args.options.get("country"),
        data=args.options.get("data"),
    )
    return disclosure_message(deps.t, record)


def export(deps: HandlerDeps, user: str, rest: str, client: WebClient) -> Message:
    """/customer export REF [request=DSR-N]"""
    args = parse_arguments(rest)
    if len(args.positional) != 1 or set(args.options) - {"request"}:
        raise ParseError("parse.expected_args", usage=SUBCOMMAND_USAGE["/customer export"])
    result = deps.services.export.export(
        user, args.positional[0], request_number=parse_request_option(args.options)
    )
    uploaded = deps.settings.export_to_slack and _upload(client, user, result, deps.t)
    return export_message(deps.t, result, uploaded)


def erase(deps: HandlerDeps, user: str, rest: str) -> Message:
    """/customer erase REF [confirm] [request=DSR-N]"""
    args = parse_arguments(rest)
    words = [w.lower() for w in args.positional[1:]]
    if (
        len(args.positional) < 1
        or words not in ([], ["confirm"])
        or set(args.options) - {"request"}
    ):
        raise ParseError("parse.expected_args", usage=SUBCOMMAND_USAGE["/customer erase"])
    request = parse_request_option(args.options)
    if words == ["confirm"]:
        report = deps.services.erasure.erase(user, args.positional[0], request_number=request)
        return erasure_report_message(deps.t, report)
    preview = deps.services.erasure.preview(user, args.positional[0])
    return erase_confirmation(deps.t, preview, request)


def notice(deps: HandlerDeps, user: str, rest: str) -> Message:
    """/register notice [fi|en]"""
    # Only staff may use any command (SPEC §3), even one that shows no customer data.
    deps.services.staff.check_is_staff(user, "register.notice")
    language = rest.strip().lower() or deps.settings.language
    if language not in ("fi", "en"):
        raise ParseError("parse.expected_args", usage=SUBCOMMAND_USAGE["/register notice"])
    return notice_message(deps.t, deps, language)


def _upload(client: WebClient, user: str, result: ExportResult, t: Translator) -> bool:
    try:
        channel = client.conversations_open(users=user)["channel"]["id"]
        client.files_upload_v2(
            channel=channel,
            file_uploads=[
                {"file": str(result.json_path), "title": result.json_path.name},
                {"file": str(result.summary_path), "title": result.summary_path.name},
            ],
            initial_comment=t("export.upload_comment", number=result.number),
        )
    except (SlackApiError, OSError) as exc:
        logger.warning("could not upload an export to Slack: %s", type(exc).__name__)
        return False
    return True


def register(app: App, deps: HandlerDeps) -> None:
    """The erasure confirmation buttons."""
    t = deps.t

    @app.action(ERASE_CONFIRM)
    def handle_erase_confirm(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        ack()
        user = body["user"]["id"]
        try:
            value = json.loads(action.get("value") or "{}")
            report = deps.services.erasure.erase(
                user, str(value["number"]), request_number=value.get("request")
            )
        except (ValueError, KeyError, TypeError):
            reply(
                respond,
                {**text_message(":warning: " + t("error.unexpected")), "replace_original": False},
            )
            return
        except DomainError as err:
            reply(
                respond,
                {
                    **text_message(":warning: " + t(err.key, **err.params)),
                    "replace_original": False,
                },
            )
            return
        reply(respond, {**erasure_report_message(t, report), "replace_original": True})

    @app.action(ERASE_CANCEL)
    def handle_erase_cancel(ack: Ack, action: dict[str, Any], respond: Respond) -> None:
        ack()
        reply(
            respond,
            {
                **text_message(t("erase.cancelled", number=action.get("value", "?"))),
                "replace_original": True,
            },
        )
