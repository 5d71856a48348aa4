"""Staff and roles (SPEC §3): who may use regbot and with which role."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from bot.domain.permissions import Role
from bot.services.errors import DomainError
from bot.services.unit import ServiceContext, Tx
from storage.models import StaffMember


@dataclass(frozen=True)
class StaffEntry:
    slack_user_id: str
    role: Role
    bootstrap: bool
    granted_by: str | None
    granted_at: dt.datetime | None


class StaffService:
    """Granting, revoking and listing roles; every change is audited."""

    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def role_of(self, user_id: str) -> Role | None:
        """The user's role, or None when not staff (no audit: used to shape UI only)."""
        with self._context.reading(user_id) as tx:
            return tx.role_of(user_id)

    def check_is_staff(self, actor: str, action: str) -> None:
        """Refuse (and audit) a user who is not staff, for commands that read no customer data.
        At the driver level (`ServiceContext.looking`), as find: every `help` by staff asks
        it, and an ORM session's transaction around the one look-up cost many times the
        look-up itself (bench/experiments/staff_check.py)."""
        with self._context.looking(actor) as look:
            look.authorize(action)

    def list(self, actor: str) -> list[StaffEntry]:
        """Every staff member with their role; bootstrap admins first."""
        with self._context.reading(actor) as tx:
            tx.authorize("role.list")
            return _entries(tx)

    def grant(self, actor: str, user_id: str, role_name: str) -> StaffEntry:
        """Give a Slack user a role (replacing any other); only admins may."""
        with self._context.transaction(actor) as tx:
            tx.authorize("role.grant")
            role = _parse_role(role_name)
            _refuse_self_or_bootstrap(tx, user_id)
            return grant_role(tx, user_id, role)

    def revoke(self, actor: str, user_id: str) -> Role:
        """Remove a Slack user from staff; returns the role they had."""
        with self._context.transaction(actor) as tx:
            tx.authorize("role.revoke")
            _refuse_self_or_bootstrap(tx, user_id)
            return revoke_role(tx, user_id)


def grant_role(tx: Tx, user_id: str, role: Role) -> StaffEntry:
    """Set the user's role inside the caller's transaction (also used by the CLI)."""
    member = tx.session.get(StaffMember, user_id)
    previous = member.role if member is not None else None
    if member is None:
        member = StaffMember(
            slack_user_id=user_id, role=role.value, granted_by=tx.actor, granted_at=tx.now
        )
        tx.session.add(member)
    else:
        member.role, member.granted_by, member.granted_at = role.value, tx.actor, tx.now
    tx.audit("role.grant", detail=f"{user_id}: {previous or '-'} -> {role.value}")
    return StaffEntry(user_id, role, False, tx.actor, tx.now)


def revoke_role(tx: Tx, user_id: str) -> Role:
    """Remove the user's role inside the caller's transaction."""
    member = tx.session.get(StaffMember, user_id)
    if member is None:
        raise DomainError("error.not_staff_member", user=user_id)
    role = Role(member.role)
    tx.session.delete(member)
    tx.audit("role.revoke", detail=f"{user_id}: {role.value} -> -")
    return role


def list_staff(tx: Tx) -> list[StaffEntry]:
    """Every staff member (bootstrap admins first) inside the caller's transaction."""
    return _entries(tx)


def _entries(tx: Tx) -> list[StaffEntry]:
    entries = [StaffEntry(u, Role.ADMIN, True, None, None) for u in tx.settings.admins]
    members = tx.session.execute(
        select(StaffMember).order_by(StaffMember.role, StaffMember.slack_user_id)
    ).scalars()
    entries += [
        StaffEntry(m.slack_user_id, Role(m.role), False, m.granted_by, m.granted_at)
        for m in members
        if m.slack_user_id not in tx.settings.admins
    ]
    return entries


def _parse_role(name: str) -> Role:
    try:
        return Role(name.strip().lower())
    except ValueError:
        raise DomainError(
            "error.unknown_role", role=name, roles=", ".join(r.value for r in Role)
        ) from None


def _refuse_self_or_bootstrap(tx: Tx, user_id: str) -> None:
    if user_id == tx.actor:
        raise DomainError("error.own_role")
    if user_id in tx.settings.admins:
        raise DomainError("error.bootstrap_admin", user=user_id)
