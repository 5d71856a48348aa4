"""The register's own replies: roles, the audit trail, counts."""

from __future__ import annotations

import zoneinfo
from collections.abc import Sequence

from bot.i18n import Translator
from bot.services.audit import AuditListing
from bot.services.staff import StaffEntry
from bot.services.stats import RegisterStats
from handlers.blocks.common import (
    MAX_MESSAGE_BLOCKS,
    Message,
    esc,
    fmt_actor,
    fmt_time,
    lines_message,
    message,
    packed_lines,
    section,
    text_message,
)


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
    title = t("audit.title", number=listing.number, total=listing.total)
    return lines_message(t, title, lines, listing.total)


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
