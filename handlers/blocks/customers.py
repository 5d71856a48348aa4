"""The customer card, search results, history and the customer form."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Mapping
from typing import Any

from bot.domain.contact import display_phone
from bot.domain.text import clip
from bot.i18n import Translator
from bot.services.customers import CustomerCard, FindResult, History
from bot.services.usage import UsageSummary
from handlers.blocks.common import (
    MAX_MESSAGE_BLOCKS,
    MAX_MODAL_BLOCKS,
    Block,
    Message,
    context,
    esc,
    fmt_actor,
    fmt_money,
    fmt_time,
    lines_message,
    message,
    packed_lines,
    section,
    text_message,
)


def find_message(t: Translator, query: str, result: FindResult) -> Message:
    """Search results, ranked, with `… and N more`."""
    if not result.hits:
        return text_message(t("find.none", query=esc(query)))
    lines = [
        f"*{hit.number}*  {esc(hit.name)}"
        + (f"  ·  {hit.business_id}" if hit.business_id else "")
        + (f"  ·  {esc(hit.city)}" if hit.city else "")
        + (f"  ·  _{t('status.' + hit.status)}_" if hit.status != "active" else "")
        for hit in result.hits
    ]
    # A capped count is a lower bound: "100+ matches", "… and 90+ more".
    plus = "+" if result.capped else ""
    total = f"{result.total}{plus}"
    blocks = [section(t("find.title", query=esc(query), total=total))]
    blocks += packed_lines(lines, max_blocks=MAX_MESSAGE_BLOCKS - 2, more=None)
    hidden = result.total - len(result.hits)
    if hidden > 0:
        blocks.append(context(t("common.and_more", n=f"{hidden}{plus}")))
    blocks.append(context(t("find.hint")))
    return message(blocks, t("find.title", query=esc(query), total=total))


def card_message(t: Translator, card: CustomerCard, tz: zoneinfo.ZoneInfo) -> Message:
    """The customer card."""
    address = ", ".join(
        esc(p) for p in (card.street, " ".join(filter(None, (card.postal_code, card.city)))) if p
    )
    fields = [
        (t("card.number"), str(card.number)),
        (t("card.kind"), t("kind." + card.kind)),
        (t("card.business_id"), card.business_id or "–"),
        (t("card.vat_id"), esc(card.vat_id) if card.vat_id else "–"),
        (t("card.email"), esc(card.email) if card.email else "–"),
        (t("card.phone"), display_phone(card.phone) if card.phone else "–"),
        (t("card.address"), f"{address} ({card.country})" if address else card.country),
        (t("card.language"), card.language),
        (t("card.status"), t("status." + card.status)),
        (t("card.updated"), fmt_time(card.updated_at, tz)),
    ]
    blocks: list[Block] = [
        section(f":office: *{card.number}*  {esc(card.name)}"),
        {
            "type": "section",
            "fields": [{"type": "mrkdwn", "text": f"*{k}*\n{v}"} for k, v in fields],
        },
    ]
    if card.marketing_opt_out:
        blocks.append(
            section(
                ":no_entry_sign: "
                + t(
                    "card.optout",
                    at=fmt_time(card.marketing_opt_out_at, tz),
                    by=fmt_actor(card.marketing_opt_out_by or "?"),
                    source=t("source." + (card.marketing_opt_out_source or "staff")),
                )
            )
        )
    else:
        blocks.append(context(t("card.marketing_allowed")))
    if card.contacts:
        lines = [
            "• "
            + " · ".join(
                esc(x)
                for x in (c.name, c.title, c.email, display_phone(c.phone) if c.phone else None)
                if x
            )
            for c in card.contacts
        ]
        blocks.append(section(f"*{t('card.contacts')}*"))
        blocks += packed_lines(lines, max_blocks=6, more=t("common.and_more", n="{n}"))
    if card.service_users:
        lines = [
            "• "
            + esc(u.username)
            + (f" ({esc(u.name)})" if u.name else "")
            + (f" · {esc(u.email)}" if u.email else "")
            + f" · {t('card.last_login')}: {fmt_time(u.last_login_at, tz)}"
            + (f" · _{t('card.disabled')}_" if u.disabled else "")
            for u in card.service_users
        ]
        blocks.append(section(f"*{t('card.users')}*"))
        blocks += packed_lines(lines, max_blocks=6, more=t("common.and_more", n="{n}"))
    if card.contracts:
        lines = [
            "• "
            + esc(c.product)
            + (f" / {esc(c.plan)}" if c.plan else "")
            + f" · {c.start_date or '–'} – {c.end_date or ''} · {esc(c.status)}"
            for c in card.contracts
        ]
        blocks.append(section(f"*{t('card.contracts')}*"))
        blocks += packed_lines(lines, max_blocks=6, more=t("common.and_more", n="{n}"))
    if card.billing is not None:
        b = card.billing
        parts = [
            f"{t('card.billing_email')}: {esc(b.billing_email) if b.billing_email else '–'}",
            f"{t('card.einvoice')}: "
            f"{esc(b.einvoice_address or '–')} {esc(b.einvoice_operator or '')}",
            f"{t('card.invoices')}: {b.invoice_count}, {t('card.open_amount')} "
            f"{fmt_money(b.open_amount_cents)}",
        ]
        blocks.append(section(f"*{t('card.billing')}*\n" + "\n".join(parts)))
    if card.consents:
        lines = [
            f"• `{esc(c.purpose)}` — "
            + (
                t("card.consent_withdrawn", at=fmt_time(c.withdrawn_at, tz))
                if c.withdrawn_at
                else t("card.consent_active", at=fmt_time(c.given_at, tz))
            )
            for c in card.consents
        ]
        blocks.append(section(f"*{t('card.consents')}*\n" + "\n".join(lines)))
    if card.usage is not None:
        blocks.append(usage_section(t, card.usage, tz))
    if card.withheld:
        withheld = ", ".join(t("withheld." + w) for w in card.withheld)
        blocks.append(context(t("card.withheld", sections=withheld)))
    return message(blocks[:MAX_MESSAGE_BLOCKS], f"{card.number} {esc(card.name)}")


def usage_section(t: Translator, usage: UsageSummary, tz: zoneinfo.ZoneInfo) -> Block:
    """Service usage on the card: last login and its address, failed logins, last error."""
    if usage.total_events == 0:
        return section(f"*{t('card.usage')}*\n{t('card.usage_none')}")
    if usage.last_login_at is not None:
        login = t(
            "card.usage_last_login",
            at=fmt_time(usage.last_login_at, tz),
            ip=esc(usage.last_login_ip or "–"),
            username=esc(usage.last_login_username or "–"),
        )
    else:
        login = t("card.usage_no_login")
    lines = [login, t("card.usage_failed", n=usage.failed_logins_30d)]
    if usage.last_error_at is not None:
        lines.append(
            t(
                "card.usage_last_error",
                at=fmt_time(usage.last_error_at, tz),
                detail=esc(clip(usage.last_error_detail or "–", 300)),
            )
        )
    else:
        lines.append(t("card.usage_no_error"))
    return section(f"*{t('card.usage')}*\n" + "\n".join(lines))


def history_message(t: Translator, history: History, tz: zoneinfo.ZoneInfo) -> Message:
    """Field changes: when, who, what, old → new, source."""
    if not history.entries:
        return text_message(t("history.none", number=history.number))
    lines = [
        f"{fmt_time(e.at, tz)} · {fmt_actor(e.actor)} · *{esc(e.entity)}.{esc(e.field)}*: "
        f"{esc(clip(e.old, 200)) if e.old is not None else '∅'} → "
        f"{esc(clip(e.new, 200)) if e.new is not None else '∅'} · _{t('source.' + e.source)}_"
        for e in history.entries
    ]
    title = t("history.title", number=history.number, total=history.total)
    return lines_message(t, title, lines, history.total)


CUSTOMER_MODAL_FIELDS: tuple[tuple[str, bool, bool], ...] = (
    # (field, required, multiline)
    ("name", True, False),
    ("business_id", False, False),
    ("vat_id", False, False),
    ("email", False, False),
    ("phone", False, False),
    ("street", False, False),
    ("postal_code", False, False),
    ("city", False, False),
    ("country", False, False),
)


KIND_CHOICES = ("company", "person")
LANGUAGE_CHOICES = ("fi", "sv", "en")


def customer_modal(
    t: Translator,
    *,
    callback_id: str,
    title: str,
    values: Mapping[str, str] | None = None,
    private_metadata: str = "",
) -> dict[str, Any]:
    """The create/edit customer form; each field's block_id is the field name."""
    values = values or {}
    blocks: list[Block] = [
        _static_select(t, "kind", KIND_CHOICES, values.get("kind", "company"), "kind."),
    ]
    for name, required, multiline in CUSTOMER_MODAL_FIELDS:
        element: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": "value",
            "multiline": multiline,
        }
        if values.get(name):
            element["initial_value"] = values[name][:3000]
        blocks.append(
            {
                "type": "input",
                "block_id": name,
                "optional": not required,
                "label": {"type": "plain_text", "text": t("field." + name + ".label")},
                "element": element,
            }
        )
    blocks.append(
        _static_select(t, "language", LANGUAGE_CHOICES, values.get("language", "fi"), "lang.")
    )
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": private_metadata,
        "title": {"type": "plain_text", "text": clip(title, 24)},
        "submit": {"type": "plain_text", "text": t("modal.save")},
        "close": {"type": "plain_text", "text": t("modal.cancel")},
        "blocks": blocks[:MAX_MODAL_BLOCKS],
    }


def _static_select(
    t: Translator, name: str, choices: Iterable[str], initial: str, prefix: str
) -> Block:
    options = [{"text": {"type": "plain_text", "text": t(prefix + c)}, "value": c} for c in choices]
    initial_option = next((o for o in options if o["value"] == initial), options[0])
    return {
        "type": "input",
        "block_id": name,
        "label": {"type": "plain_text", "text": t("field." + name + ".label")},
        "element": {
            "type": "static_select",
            "action_id": "value",
            "options": options,
            "initial_option": initial_option,
        },
    }


def modal_values(state: Mapping[str, Any]) -> dict[str, str]:
    """The submitted form values by field name (block_id), as text ('' for empty)."""
    values: dict[str, str] = {}
    for block_id, actions in state.get("values", {}).items():
        element = actions.get("value") or {}
        if element.get("type") == "static_select":
            selected = element.get("selected_option") or {}
            values[block_id] = str(selected.get("value", ""))
        else:
            values[block_id] = str(element.get("value") or "")
    return values
