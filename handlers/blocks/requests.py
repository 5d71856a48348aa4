"""Block Kit builders for data-subject requests, digests and reminders (pure).

Channel messages (digests, announcements) carry request numbers, types, due dates and customer
numbers only — never names or contact details (SPEC §4.3).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Sequence
from typing import Any

from bot.i18n import Translator
from bot.services.reminders import OutgoingNotification
from bot.services.requests import (
    CodeIssued,
    HomeRequests,
    RequestDetail,
    RequestList,
    RequestSummary,
    request_label,
)
from handlers.blocks.common import (
    MAX_MESSAGE_BLOCKS,
    Block,
    Message,
    context,
    esc,
    fmt_actor,
    fmt_time,
    message,
    packed_lines,
    section,
    text_message,
)

ASSIGN_ME = "dsr_assign_me"
OPEN = "dsr_open"
FULFIL = "dsr_fulfil"
EXTEND = "dsr_extend"
TOLD = "dsr_told"
CLOSE_MODAL = "dsr_close_modal"
EXTEND_MODAL = "dsr_extend_modal"
REQUEST_BLOCK_PREFIX = "dsr-"
# Two blocks per request (line + buttons): how many App Home lists show (within 50 blocks).
MAX_REQUESTS_WITH_BUTTONS = 20


def due_text(t: Translator, s: RequestSummary) -> str:
    """`due 2026-12-28 (33 days left)` / `(overdue by 2 days)`."""
    if not s.is_open:
        return t("dsr.due_plain", due=s.due_on.isoformat())
    if s.days_left < 0:
        return t("dsr.due_overdue", due=s.due_on.isoformat(), days=-s.days_left)
    if s.days_left == 0:
        return t("dsr.due_today", due=s.due_on.isoformat())
    return t("dsr.due_left", due=s.due_on.isoformat(), days=s.days_left)


def request_line(t: Translator, s: RequestSummary) -> str:
    """One request in one line: number, type, status, due date, customer number, assignee."""
    parts = [
        f"*{s.label}*",
        t("dsr.type." + s.type),
        t("dsr.status." + s.status),
        due_text(t, s) + (" · " + t("dsr.extended") if s.extended else ""),
        t("dsr.customer", number=s.customer_number) if s.customer_number else t("dsr.no_customer"),
        t("dsr.assigned", user=fmt_actor(s.assignee)) if s.assignee else t("dsr.unassigned"),
    ]
    return " · ".join(parts)


def _button(text: str, action_id: str, number: int, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": str(number),
    }
    if style:
        button["style"] = style
    return button


def request_buttons(t: Translator, s: RequestSummary, *, assign: bool = True) -> Block:
    """Assign to me · Open · Mark fulfilled · Extend — each re-checks permissions when pressed."""
    elements = []
    if assign:
        elements.append(_button(t("dsr.button.assign_me"), ASSIGN_ME, s.number, "primary"))
    elements.append(_button(t("dsr.button.open"), OPEN, s.number))
    elements.append(_button(t("dsr.button.fulfil"), FULFIL, s.number))
    if not s.extended:
        elements.append(_button(t("dsr.button.extend"), EXTEND, s.number))
    return {"type": "actions", "block_id": f"actions-{s.number}", "elements": elements}


def request_with_buttons(t: Translator, s: RequestSummary, *, assign: bool = True) -> list[Block]:
    """A request's line (block_id `dsr-N`, so it can be refreshed in place) and its buttons."""
    line = section(request_line(t, s))
    line["block_id"] = f"{REQUEST_BLOCK_PREFIX}{s.number}"
    if not s.is_open:
        return [line]
    return [line, request_buttons(t, s, assign=assign)]


def refreshed(blocks: Sequence[Block], t: Translator, s: RequestSummary) -> list[Block]:
    """The message's blocks with this request's line (and buttons) redrawn from its new state."""
    result: list[Block] = []
    skip_actions = False
    for block in blocks:
        if skip_actions and block.get("block_id") == f"actions-{s.number}":
            skip_actions = False
            continue
        if block.get("block_id") == f"{REQUEST_BLOCK_PREFIX}{s.number}":
            result += request_with_buttons(t, s, assign=s.assignee is None)
            skip_actions = True
            continue
        result.append(block)
    return result


def created_message(t: Translator, s: RequestSummary, marketing_applied: bool) -> Message:
    """The reply to /dsr new."""
    text = t("dsr.created", label=s.label, due=s.due_on.isoformat())
    if marketing_applied:
        text += "\n" + t("dsr.marketing_applied", number=s.customer_number)
    return message([section(text), section(request_line(t, s))], text)


def summary_message(t: Translator, key: str, s: RequestSummary) -> Message:
    """A one-line confirmation naming the request and its due date."""
    return message(
        [section(t(key, label=s.label, due=s.due_on.isoformat())), context(request_line(t, s))],
        t(key, label=s.label, due=s.due_on.isoformat()),
    )


def list_message(t: Translator, listing: RequestList) -> Message:
    """Requests, soonest due first, with `… and N more`."""
    if not listing.items:
        return text_message(t("dsr.list_empty", filter=t("dsr.filter." + listing.filter)))
    title = t("dsr.list_title", filter=t("dsr.filter." + listing.filter), total=listing.total)
    blocks = [section(f"*{title}*")]
    blocks += packed_lines(
        [request_line(t, s) for s in listing.items],
        max_blocks=MAX_MESSAGE_BLOCKS - 2,
        more=t("common.and_more", n="{n}"),
    )
    if listing.total > len(listing.items):
        blocks.append(context(t("common.and_more", n=listing.total - len(listing.items))))
    return message(blocks, title)


def detail_message(t: Translator, d: RequestDetail, tz: zoneinfo.ZoneInfo) -> Message:
    """A request with everything recorded about it and its events."""
    s = d.summary
    lines = [
        f"*{t('dsr.field.received')}*: {s.received_on.isoformat()}"
        + (f" · {t('dsr.field.via')}: {esc(d.via)}" if d.via else ""),
        f"*{t('dsr.field.due')}*: {due_text(t, s)}"
        + (
            f" ({t('dsr.field.original_due')} {s.original_due_on.isoformat()})"
            if s.extended
            else ""
        ),
    ]
    if d.requester:
        lines.append(f"*{t('dsr.field.requester')}*: {esc(d.requester)}")
    if d.note:
        lines.append(f"*{t('dsr.field.note')}*: {esc(d.note)}")
    if d.extension_reason:
        told = t("dsr.told_yes") if s.told_of_extension else t("dsr.told_no")
        lines.append(f"*{t('dsr.field.extension')}*: {esc(d.extension_reason)} · {told}")
    if d.verification_method:
        lines.append(
            f"*{t('dsr.field.verified')}*: {esc(d.verification_method)} "
            f"({fmt_time(d.verified_at, tz)})"
        )
    elif d.code_pending:
        lines.append(t("dsr.code_pending", left=d.code_attempts_left))
    if d.outcome_reason:
        lines.append(f"*{t('dsr.field.outcome')}*: {esc(d.outcome_reason)}")
    events = [
        f"{fmt_time(e.at, tz)} · {fmt_actor(e.actor)} · {esc(e.kind)}"
        + (f" ({e.from_status} → {e.to_status})" if e.to_status else "")
        + (f" · {esc(e.detail)}" if e.detail else "")
        for e in d.events
    ]
    blocks: list[Block] = [section(request_line(t, s)), section("\n".join(lines))]
    blocks.append(section(f"*{t('dsr.events')}*"))
    blocks += packed_lines(
        events, max_blocks=MAX_MESSAGE_BLOCKS - 5, more=t("common.and_more", n="{n}")
    )
    if s.is_open:
        blocks.append(request_buttons(t, s, assign=True))
    return message(blocks, t("dsr.detail_fallback", label=s.label, due=s.due_on.isoformat()))


def code_message(t: Translator, issued: CodeIssued, expires: str) -> Message:
    """The one-time code, shown once to the staff member, with where to send it."""
    text = t(
        "dsr.code_issued",
        label=request_label(issued.number),
        code=issued.code,
        to=esc(issued.send_to),
        expires=expires,
    )
    return text_message(text + "\n" + t("dsr.due_plain", due=issued.due_on.isoformat()))


def notification_message(t: Translator, n: OutgoingNotification) -> Message:
    """A digest, an assignee's DM or a new-request announcement, with buttons."""
    if n.kind == "new_request":
        requests = n.sections.get("numbers", [])
        blocks: list[Block] = []
        for s in requests:
            blocks.append(section(t("dsr.announce", label=s.label, due=s.due_on.isoformat())))
            blocks += request_with_buttons(t, s)
        fallback = (
            t("dsr.announce", label=requests[0].label, due=requests[0].due_on.isoformat())
            if requests
            else ""
        )
        return message(blocks or [section(t("dsr.announce_gone"))], fallback)
    return _digest_message(t, n)


_DIGEST_SECTIONS = (
    ("overdue", "dsr.digest.overdue"),
    ("due_soon", "dsr.digest.due_soon"),
    ("unassigned", "dsr.digest.unassigned"),
    ("tell", "dsr.digest.tell"),
)


def _digest_message(t: Translator, n: OutgoingNotification) -> Message:
    """The digest or an assignee's DM: each request drawn once, in the first section that has
    it (its block IDs `dsr-N`, `actions-N` are then unique in the message); a later section
    names the requests already shown above it. Within 50 blocks, with `… and N more`."""
    title = t("dsr.digest.title" if n.kind == "digest" else "dsr.dm.title", day=n.day)
    present = [(key, heading) for key, heading in _DIGEST_SECTIONS if n.sections.get(key)]
    blocks: list[Block] = [section(f"*{title}*")]
    # Room kept at each step: a heading and an "above" line for every section still to come,
    # and the closing "… and N more".
    reserve = 2 * len(present) + 1
    shown: set[int] = set()
    hidden: set[int] = set()
    for key, heading in present:
        items = n.sections[key]
        reserve -= 2
        blocks.append(section(f"*{t(heading, n=len(items))}*"))
        above = [s.label for s in items if s.number in shown]
        if above:
            blocks.append(context(t("dsr.digest.above", labels=_labels(t, above))))
        for s in items:
            told = [_told_button(t, s)] if key == "tell" else []
            drawn = (
                []
                if s.number in shown
                else request_with_buttons(t, s, assign=n.kind == "digest" and s.assignee is None)
            )
            if not drawn and not told:
                continue
            if len(blocks) + len(drawn) + len(told) + reserve > MAX_MESSAGE_BLOCKS:
                hidden.add(s.number)
                continue
            blocks += drawn + told
            shown.add(s.number)
    hidden -= shown
    if hidden:
        blocks.append(context(t("common.and_more", n=len(hidden))))
    return message(blocks, title)


def _labels(t: Translator, labels: Sequence[str], limit: int = 20) -> str:
    """`DSR-1, DSR-4` — at most `limit` of them, then `… and N more`."""
    text = ", ".join(labels[:limit])
    if len(labels) > limit:
        text += " " + t("common.and_more", n=len(labels) - limit)
    return text


def _told_button(t: Translator, s: RequestSummary) -> Block:
    return {
        "type": "actions",
        "block_id": f"told-{s.number}",
        "elements": [_button(t("dsr.button.told"), TOLD, s.number)],
    }


def reason_modal(t: Translator, callback_id: str, number: int, title_key: str) -> dict[str, Any]:
    """Asks for the reason before closing or extending a request from a button."""
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": str(number),
        "title": {"type": "plain_text", "text": t(title_key, label=f"DSR-{number}")[:24]},
        "submit": {"type": "plain_text", "text": t("modal.save")},
        "close": {"type": "plain_text", "text": t("modal.cancel")},
        "blocks": [
            {
                "type": "input",
                "block_id": "reason",
                "label": {"type": "plain_text", "text": t("dsr.reason_label")},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "multiline": True,
                    "max_length": 2000,
                },
            }
        ],
    }


def home_request_blocks(t: Translator, home: HomeRequests) -> list[Block]:
    """The App Home's request part: my open requests with days left, unassigned, overdue count."""
    blocks: list[Block] = [
        {"type": "divider"},
        section(f"*{t('dsr.home.title')}*  ·  " + t("dsr.home.overdue", n=home.overdue_count)),
    ]
    for key, items in (("dsr.home.mine", home.mine), ("dsr.home.unassigned", home.unassigned)):
        blocks.append(section(f"*{t(key, n=len(items))}*"))
        if not items:
            blocks.append(context(t("dsr.home.none")))
        for s in items[:MAX_REQUESTS_WITH_BUTTONS]:
            blocks += request_with_buttons(t, s, assign=s.assignee is None)
    return blocks[:MAX_MESSAGE_BLOCKS]
