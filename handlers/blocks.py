"""Block Kit builders: pure functions from service results to Slack payloads (SPEC §4.3–4.4).

Every stored text goes through `esc` before it reaches mrkdwn; every list respects Slack's
limits (50 blocks a message, 100 in a modal, 3000 characters per section text).
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bot.domain.contact import display_phone
from bot.domain.text import clip, escape_mrkdwn
from bot.i18n import Translator
from bot.services.audit import AuditListing
from bot.services.customers import CustomerCard, FindResult, History
from bot.services.staff import StaffEntry
from bot.services.stats import RegisterStats
from bot.services.usage import UsageSummary

Block = dict[str, Any]
Message = dict[str, Any]

MAX_MESSAGE_BLOCKS = 50
MAX_MODAL_BLOCKS = 100
MAX_SECTION_TEXT = 3000
_SLACK_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")

USAGE: dict[str, list[str]] = {
    "/customer": [
        "/customer find TEXT",
        "/customer show REF",
        "/customer new [key=value ...]",
        "/customer set REF key=value ...",
        "/customer history REF",
        "/customer contact add REF name=... [title=...] [email=...] [phone=...]",
        "/customer user add REF username=... [name=...] [email=...]",
        "/customer optout REF",
        "/customer consent REF PURPOSE give|withdraw [evidence...]",
        "/customer disclose REF recipient=... basis=consent|law [law=...] [country=XX] [data=...]",
        "/customer export REF [request=DSR-N]",
        "/customer erase REF [confirm] [request=DSR-N]",
    ],
    "/comms": [
        "/comms log REF CHANNEL [dir=in|out] [at=YYYY-MM-DD[THH:MM]] [recording=URI] SUMMARY...",
        "/comms list REF [N] [page=P]",
    ],
    "/dsr": [
        '/dsr new REF|- TYPE [received=YYYY-MM-DD] [via=CHANNEL] [requester="..."] [NOTE...]',
        "/dsr list [open|overdue|mine|all]",
        "/dsr show ID",
        "/dsr assign ID @user",
        '/dsr verify ID send | ID CODE | ID method="..."',
        "/dsr extend ID REASON...",
        "/dsr close ID fulfilled|refused|withdrawn REASON...",
        "/dsr link ID REF",
        "/dsr told ID",
    ],
    "/register": [
        "/register roles",
        "/register grant @user ROLE",
        "/register revoke @user",
        "/register audit REF",
        "/register stats",
        "/register notice [fi|en]",
    ],
}

SUBCOMMAND_USAGE: dict[str, str] = {
    line.split()[0] + " " + line.split()[1]: line for lines in USAGE.values() for line in lines
}


def esc(value: object) -> str:
    """Stored text made safe for mrkdwn."""
    return escape_mrkdwn(str(value))


def fmt_time(at: dt.datetime | None, tz: zoneinfo.ZoneInfo) -> str:
    """A UTC time shown in the register's time zone."""
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if at is not None else "–"


def fmt_actor(actor: str) -> str:
    """A Slack user as a mention (renders the name, pings nobody in ephemeral text); else text."""
    return f"<@{actor}>" if _SLACK_ID.match(actor) else esc(actor)


def fmt_money(cents: int) -> str:
    """Euro cents as `1 234,50 €`."""
    euros, rest = divmod(abs(cents), 100)
    sign = "-" if cents < 0 else ""
    return f"{sign}{euros:,}".replace(",", " ") + f",{rest:02d} €"


def section(text: str) -> Block:
    """A mrkdwn section, clipped to Slack's limit."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, MAX_SECTION_TEXT)}}


def context(text: str) -> Block:
    """A small grey line."""
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text, 3000)}]}


def header(text: str) -> Block:
    """A plain-text header (Slack allows 150 characters)."""
    return {"type": "header", "text": {"type": "plain_text", "text": clip(text, 150)}}


def message(blocks: list[Block], fallback: str) -> Message:
    """An ephemeral reply with blocks and its notification text."""
    return {
        "response_type": "ephemeral",
        "text": clip(fallback, 3000),
        "blocks": blocks[:MAX_MESSAGE_BLOCKS],
    }


def text_message(text: str) -> Message:
    """A one-section ephemeral reply."""
    return message([section(text)], text)


def packed_lines(lines: Sequence[str], *, max_blocks: int, more: str | None) -> list[Block]:
    """Lines packed into as few sections as fit, within a block budget; `more` ends a cut list."""
    blocks: list[Block] = []
    current: list[str] = []
    size = 0
    shown = 0
    for line in lines:
        line = clip(line, MAX_SECTION_TEXT)
        if current and size + len(line) + 1 > MAX_SECTION_TEXT:
            if len(blocks) + 2 > max_blocks:
                break
            blocks.append(section("\n".join(current)))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
        shown += 1
    if current and len(blocks) + 2 <= max_blocks:
        blocks.append(section("\n".join(current)))
    else:
        shown -= len(current)
    hidden = len(lines) - shown
    if more is not None and hidden > 0:
        blocks.append(context(more.format(n=hidden)))
    return blocks


def help_message(t: Translator, command: str) -> Message:
    """The usage of one command, with a line on what it does."""
    lines = "\n".join(f"`{line}`" for line in USAGE[command])
    intro = t(f"help.{command.strip('/')}")
    return message([section(f"*{command}* — {intro}"), section(lines)], f"{command}: {intro}")


def error_message(t: Translator, sentence: str, usage: str | None) -> Message:
    """One clear sentence and the usage line that applies."""
    text = f":warning: {sentence}"
    if usage:
        text += "\n" + t("common.usage", usage=f"`{usage}`")
    return text_message(text)


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
    blocks = [section(t("history.title", number=history.number, total=history.total))]
    blocks += packed_lines(
        lines, max_blocks=MAX_MESSAGE_BLOCKS - 2, more=t("common.and_more", n="{n}")
    )
    cut = history.total - len(history.entries)
    if cut > 0:
        blocks.append(context(t("common.and_more", n=cut)))
    return message(blocks, t("history.title", number=history.number, total=history.total))


def roles_message(t: Translator, entries: Sequence[StaffEntry], tz: zoneinfo.ZoneInfo) -> Message:
    """Staff members and their roles."""
    lines = [
        f"• {fmt_actor(e.slack_user_id)} — *{e.role.value}* ("
        + (
            t("roles.bootstrap")
            if e.bootstrap
            else t(
                "roles.granted", by=fmt_actor(e.granted_by or "?"), at=fmt_time(e.granted_at, tz)
            )
        )
        + ")"
        for e in entries
    ]
    if not lines:
        return text_message(t("roles.none"))
    blocks = [section(f"*{t('roles.title')}*")]
    blocks += packed_lines(
        lines, max_blocks=MAX_MESSAGE_BLOCKS - 1, more=t("common.and_more", n="{n}")
    )
    return message(blocks, t("roles.title"))


def audit_message(t: Translator, listing: AuditListing, tz: zoneinfo.ZoneInfo) -> Message:
    """Who accessed or changed a customer."""
    if not listing.entries:
        return text_message(t("audit.none", number=listing.number))
    lines = [
        f"#{e.seq} · {fmt_time(e.at, tz)} · {fmt_actor(e.actor)} · `{esc(e.action)}`"
        + (f" · *{t('audit.refused')}*" if e.outcome != "ok" else "")
        + (f" · {esc(e.detail)}" if e.detail else "")
        for e in listing.entries
    ]
    blocks = [section(t("audit.title", number=listing.number, total=listing.total))]
    blocks += packed_lines(
        lines, max_blocks=MAX_MESSAGE_BLOCKS - 2, more=t("common.and_more", n="{n}")
    )
    cut = listing.total - len(listing.entries)
    if cut > 0:
        blocks.append(context(t("common.and_more", n=cut)))
    return message(blocks, t("audit.title", number=listing.number, total=listing.total))


def stats_message(t: Translator, stats: RegisterStats) -> Message:
    """Register counts."""
    statuses = (
        ", ".join(f"{t('status.' + s)} {n}" for s, n in sorted(stats.customers_by_status.items()))
        or "0"
    )
    lines = [
        f"*{t('stats.customers')}*: {statuses}",
        f"*{t('stats.optouts')}*: {stats.marketing_opt_outs}",
        f"*{t('stats.correspondence')}*: {stats.correspondence}",
        f"*{t('stats.requests')}*: {stats.open_requests} "
        f"({t('stats.overdue', n=stats.overdue_requests)})",
        f"*{t('stats.staff')}*: {stats.staff}",
        f"*{t('stats.audit')}*: {stats.audit_events}",
    ]
    return message([section(f"*{t('stats.title')}*\n" + "\n".join(lines))], t("stats.title"))


# --- Modals -------------------------------------------------------------------------------

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


def modal_notice(t: Translator, title: str, text: str) -> dict[str, Any]:
    """A modal that only says something (after a save, or a refusal)."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": clip(title, 24)},
        "close": {"type": "plain_text", "text": t("modal.close")},
        "blocks": [section(text)],
    }
