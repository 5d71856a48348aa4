"""`/register`: roles, grant, revoke, audit, stats (SPEC §3, §6). Plain functions of a `Call`."""

from __future__ import annotations

from handlers.blocks.admin import audit_message, roles_message, stats_message
from handlers.blocks.common import Message, text_message
from handlers.listening import Call
from handlers.parsing import ParseError, parse_arguments


def roles(call: Call) -> Message:
    """/register roles"""
    if call.text:
        raise ParseError("parse.unexpected_words", words=call.text)
    return roles_message(call.t, call.services.staff.list(call.user), call.tz)


def grant(call: Call) -> Message:
    """/register grant @user ROLE"""
    args = parse_arguments(call.text)
    if len(args.positional) != 2 or args.options:
        raise ParseError("parse.expected_args")
    target = args.mention(0)
    entry = call.services.staff.grant(call.user, target, args.positional[1])
    return text_message(call.t("roles.granted_now", user=f"<@{target}>", role=entry.role.value))


def revoke(call: Call) -> Message:
    """/register revoke @user"""
    args = parse_arguments(call.text)
    if len(args.positional) != 1 or args.options:
        raise ParseError("parse.expected_args")
    target = args.mention(0)
    role = call.services.staff.revoke(call.user, target)
    return text_message(call.t("roles.revoked_now", user=f"<@{target}>", role=role.value))


def audit(call: Call) -> Message:
    """/register audit REF"""
    args = parse_arguments(call.text)
    if len(args.positional) != 1 or args.options:
        raise ParseError("parse.expected_ref")
    listing = call.services.audit.for_customer(call.user, args.positional[0])
    return audit_message(call.t, listing, call.tz)


def stats(call: Call) -> Message:
    """/register stats"""
    if call.text:
        raise ParseError("parse.unexpected_words", words=call.text)
    return stats_message(call.t, call.services.stats.stats(call.user))
