"""Use cases: verbs that take plain values and the acting staff member, own the transaction and
write the audit event in it."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.audit import AuditService
from bot.services.customers import CustomerService
from bot.services.imports import ImportService
from bot.services.staff import StaffService
from bot.services.stats import StatsService
from bot.services.unit import ServiceContext


@dataclass(frozen=True)
class Services:
    context: ServiceContext
    customers: CustomerService
    staff: StaffService
    audit: AuditService
    stats: StatsService
    imports: ImportService

    @classmethod
    def build(cls, context: ServiceContext) -> Services:
        """Every service over one context."""
        return cls(
            context=context,
            customers=CustomerService(context),
            staff=StaffService(context),
            audit=AuditService(context),
            stats=StatsService(context),
            imports=ImportService(context),
        )
