"""The unit of work every use case runs in: one transaction, the actor's role, the audit trail."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.audit_chain import link_hash
from bot.config import Settings
from bot.permissions import Permission, Role, allows
from bot.services.errors import NotStaff, PermissionRefused
from storage.models import AuditEvent, AuditHead, Counter, FieldChange, StaffMember

Clock = Callable[[], dt.datetime]

SYSTEM_ACTOR = "system"


def utc_now() -> dt.datetime:
    """The current time in UTC."""
    return dt.datetime.now(dt.UTC)


@dataclass
class ServiceContext:
    """What every service needs: sessions, settings and a clock."""

    sessions: sessionmaker[Session]
    settings: Settings
    clock: Clock = utc_now

    @contextmanager
    def transaction(self, actor: str) -> Iterator[Tx]:
        """One transaction for one use case; committed when the block ends without error."""
        with self.sessions() as session, session.begin():
            yield Tx(session=session, actor=actor, now=self.clock(), settings=self.settings)


@dataclass
class Tx:
    session: Session
    actor: str
    now: dt.datetime
    settings: Settings
    role: Role | None = field(default=None, init=False)

    def role_of(self, user_id: str) -> Role | None:
        """The user's role: bootstrap admins from settings, else the staff table."""
        if user_id in self.settings.admins:
            return Role.ADMIN
        member = self.session.get(StaffMember, user_id)
        return Role(member.role) if member is not None else None

    def authorize(
        self, permission: Permission, action: str, customer_number: int | None = None
    ) -> Role:
        """Check the actor holds the permission; a refusal is audited and committed, then raised."""
        role = self.role_of(self.actor)
        if allows(role, permission):
            self.role = role
            assert role is not None
            return role
        detail = "not staff" if role is None else f"missing {permission.value}"
        self.audit(action, customer_number, detail=detail, outcome="refused")
        # Keep the refusal's audit event even though the use case stops here.
        self.session.commit()
        if role is None:
            raise NotStaff()
        raise PermissionRefused(permission.value)

    def audit(
        self,
        action: str,
        customer_number: int | None = None,
        *,
        detail: str | None = None,
        outcome: str = "ok",
    ) -> None:
        """Append a link to the audit chain in this transaction (identifiers only, no data)."""
        head = self.session.execute(
            select(AuditHead).where(AuditHead.id == 1).with_for_update()
        ).scalar_one()
        seq = head.seq + 1
        digest = link_hash(
            head.hash, seq, self.now, self.actor, action, outcome, customer_number, detail
        )
        self.session.add(
            AuditEvent(
                seq=seq,
                at=self.now,
                actor=self.actor,
                action=action,
                outcome=outcome,
                customer_number=customer_number,
                detail=detail,
                prev_hash=head.hash,
                hash=digest,
            )
        )
        head.seq, head.hash = seq, digest
        self.session.flush()

    def audit_many(self, action: str, customer_numbers: list[int], *, detail: str) -> None:
        """One audit link per customer, appended with a single read of the head (for lists)."""
        if not customer_numbers:
            return
        head = self.session.execute(
            select(AuditHead).where(AuditHead.id == 1).with_for_update()
        ).scalar_one()
        seq, previous = head.seq, head.hash
        for number in customer_numbers:
            seq += 1
            digest = link_hash(previous, seq, self.now, self.actor, action, "ok", number, detail)
            self.session.add(
                AuditEvent(
                    seq=seq,
                    at=self.now,
                    actor=self.actor,
                    action=action,
                    outcome="ok",
                    customer_number=number,
                    detail=detail,
                    prev_hash=previous,
                    hash=digest,
                )
            )
            previous = digest
        head.seq, head.hash = seq, previous
        self.session.flush()

    def record_change(
        self,
        customer_id: int,
        entity: str,
        entity_id: int | None,
        name: str,
        old: object,
        new: object,
        source: str,
    ) -> None:
        """A FieldChange row for the customer history."""
        self.session.add(
            FieldChange(
                at=self.now,
                actor=self.actor,
                customer_id=customer_id,
                entity=entity,
                entity_id=entity_id,
                field=name,
                old_value=None if old is None else str(old),
                new_value=None if new is None else str(new),
                source=source,
            )
        )

    def next_number(self, counter: str, at_least: int | None = None) -> int:
        """The next value of a named counter, locked against concurrent callers."""
        row = self.session.execute(
            select(Counter).where(Counter.name == counter).with_for_update()
        ).scalar_one()
        value = row.next_value
        row.next_value = value + 1
        return value

    def bump_counter(self, counter: str, used: int) -> None:
        """Make sure the counter will never hand out `used` (an imported number) again."""
        row = self.session.execute(
            select(Counter).where(Counter.name == counter).with_for_update()
        ).scalar_one()
        if row.next_value <= used:
            row.next_value = used + 1
