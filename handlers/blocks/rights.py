"""Rights carried out: consent, disclosures, exports, the erasure prompt and report, the notice."""

from __future__ import annotations

import json

from bot.config import Settings
from bot.i18n import Translator
from bot.services.consents import ConsentChange, DisclosureRecord
from bot.services.erasure import ErasurePreview, ErasureReport
from bot.services.export import ExportResult
from bot.services.notice import notice_title, render_notice
from handlers.blocks.common import Block, Message, context, esc, message, section, text_message

ERASE_CONFIRM = "erase_confirm"
ERASE_CANCEL = "erase_cancel"


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


def notice_message(t: Translator, settings: Settings, language: str) -> Message:
    """The privacy notice as Slack sections."""
    blocks: list[Block] = [section(f"*{esc(notice_title(settings, language))}*")]
    for part in render_notice(settings, language):
        blocks.append(section(f"*{esc(part.heading)}*\n" + "\n".join(esc(b) for b in part.body)))
    return message(blocks, notice_title(settings, language))
