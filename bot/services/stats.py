"""Register statistics: counts only, no personal data."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from bot.domain.enums import RequestStatus
from bot.services.unit import ServiceContext
from storage.models import AuditEvent, Correspondence, Customer, DataSubjectRequest, StaffMember

OPEN_STATUSES = (
    RequestStatus.RECEIVED.value,
    RequestStatus.VERIFYING.value,
    RequestStatus.IN_PROGRESS.value,
)


@dataclass(frozen=True)
class RegisterStats:
    customers_by_status: dict[str, int]
    marketing_opt_outs: int
    correspondence: int
    open_requests: int
    overdue_requests: int
    staff: int
    audit_events: int


class StatsService:
    """Counts for `/register stats`."""

    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def stats(self, actor: str) -> RegisterStats:
        """Counts of customers, requests, staff and audit events."""
        with self._context.reading(actor) as tx:
            tx.authorize("register.stats")
            s = tx.session
            by_status = {
                status: count
                for status, count in s.execute(
                    select(Customer.status, func.count()).group_by(Customer.status)
                ).all()
            }
            today = tx.now.astimezone(tx.settings.tz).date()
            open_filter = DataSubjectRequest.status.in_(OPEN_STATUSES)
            return RegisterStats(
                customers_by_status=by_status,
                marketing_opt_outs=s.execute(
                    select(func.count()).where(Customer.marketing_opt_out.is_(True))
                ).scalar_one(),
                correspondence=s.execute(
                    select(func.count()).select_from(Correspondence)
                ).scalar_one(),
                open_requests=s.execute(select(func.count()).where(open_filter)).scalar_one(),
                overdue_requests=s.execute(
                    select(func.count()).where(open_filter, DataSubjectRequest.due_on < today)
                ).scalar_one(),
                staff=len(tx.settings.admins)
                + s.execute(
                    select(func.count()).where(
                        StaffMember.slack_user_id.not_in(tx.settings.admins or ("",))
                    )
                ).scalar_one(),
                audit_events=s.execute(select(func.count()).select_from(AuditEvent)).scalar_one(),
            )
