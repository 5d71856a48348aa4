"""What the App Home tab shows a staff member: their role and the customers they viewed last."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from bot.domain.permissions import Role, may
from bot.services.search import CustomerSummary
from bot.services.unit import ServiceContext
from storage.models import AuditEvent, AuditHead, Customer

RECENT_LIMIT = 10
# Recently viewed customers come from the viewer's own `customer.show` audit events, read by the
# (actor, action, seq) index among the register's latest this many events only: the tab's cost
# stays bounded however many cards an actor has opened, and "recent" means recent.
RECENT_WINDOW = 50_000


@dataclass(frozen=True)
class HomeOverview:
    """Role (None: not staff) and recently viewed customers, newest first."""

    role: Role | None
    recent: list[CustomerSummary]


class HomeService:
    """The data behind the App Home tab."""

    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def overview(self, actor: str) -> HomeOverview:
        """The actor's role and the customers whose cards they opened most recently."""
        with self._context.reading(actor) as tx:
            role = tx.role_of(actor)
            if not may(role, "home.customers"):
                return HomeOverview(role=role, recent=[])
            head = tx.session.execute(select(AuditHead.seq).where(AuditHead.id == 1)).scalar_one()
            last_seen = func.max(AuditEvent.seq).label("last_seen")
            viewed = (
                select(AuditEvent.customer_number, last_seen)
                .where(
                    AuditEvent.seq > head - RECENT_WINDOW,
                    AuditEvent.actor == actor,
                    AuditEvent.action == "customer.show",
                    AuditEvent.outcome == "ok",
                    AuditEvent.customer_number.is_not(None),
                )
                .group_by(AuditEvent.customer_number)
                .order_by(last_seen.desc())
                .limit(RECENT_LIMIT)
                .subquery()
            )
            rows = tx.session.execute(
                select(Customer)
                .join(viewed, viewed.c.customer_number == Customer.number)
                .order_by(viewed.c.last_seen.desc())
            ).scalars()
            recent = [
                CustomerSummary(
                    number=c.number,
                    name=c.name,
                    kind=c.kind,
                    business_id=c.business_id,
                    city=c.city,
                    status=c.status,
                )
                for c in rows
            ]
            for summary in recent:
                tx.audit("home.recent", summary.number, detail="listed on App Home")
            return HomeOverview(role=role, recent=recent)
