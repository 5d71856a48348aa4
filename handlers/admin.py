"""`/register`: roles, grant, revoke, audit, stats."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App

from handlers import rights
from handlers.blocks import (
    SUBCOMMAND_USAGE,
    Message,
    audit_message,
    roles_message,
    stats_message,
    text_message,
)
from handlers.common import HandlerDeps, Respond, answer_command
from handlers.parsing import ParseError, parse_arguments


def register(app: App, deps: HandlerDeps) -> None:
    """Attach the /register command."""
    services, t, tz = deps.services, deps.t, deps.settings.tz

    def roles(user: str, rest: str) -> Message:
        if rest:
            raise ParseError("parse.unexpected_words", words=rest)
        return roles_message(t, services.staff.list(user), tz)

    def grant(user: str, rest: str) -> Message:
        args = parse_arguments(rest)
        if len(args.positional) != 2 or args.options:
            raise ParseError("parse.expected_args", usage=SUBCOMMAND_USAGE["/register grant"])
        target = args.mention(0)
        entry = services.staff.grant(user, target, args.positional[1])
        return text_message(t("roles.granted_now", user=f"<@{target}>", role=entry.role.value))

    def revoke(user: str, rest: str) -> Message:
        args = parse_arguments(rest)
        if len(args.positional) != 1 or args.options:
            raise ParseError("parse.expected_args", usage=SUBCOMMAND_USAGE["/register revoke"])
        target = args.mention(0)
        role = services.staff.revoke(user, target)
        return text_message(t("roles.revoked_now", user=f"<@{target}>", role=role.value))

    def audit(user: str, rest: str) -> Message:
        args = parse_arguments(rest)
        if len(args.positional) != 1 or args.options:
            raise ParseError("parse.expected_ref", usage=SUBCOMMAND_USAGE["/register audit"])
        return audit_message(t, services.audit.for_customer(user, args.positional[0]), tz)

    def stats(user: str, rest: str) -> Message:
        if rest:
            raise ParseError("parse.unexpected_words", words=rest)
        return stats_message(t, services.stats.stats(user))

    def notice(user: str, rest: str) -> Message:
        return rights.notice(deps, user, rest)

    subcommands: dict[str, Callable[[str, str], Message]] = {
        "roles": roles,
        "grant": grant,
        "revoke": revoke,
        "audit": audit,
        "stats": stats,
        "notice": notice,
    }

    @app.command("/register")
    def handle_register(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        ack()
        answer_command(deps, "/register", command, respond, subcommands)
