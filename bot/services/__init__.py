"""Use cases: verbs that take plain values and the acting staff member, own the transaction and
write the audit event in it."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from bot.services.audit import AuditService
from bot.services.business_register import BusinessRegisterService
from bot.services.comms import CorrespondenceService
from bot.services.customers import CustomerService
from bot.services.home import HomeService
from bot.services.imports import ImportService
from bot.services.reminders import NotificationSender, ReminderService
from bot.services.requests import RequestService
from bot.services.staff import StaffService
from bot.services.stats import StatsService
from bot.services.unit import ServiceContext
from bot.services.usage import UsageService


@dataclass(frozen=True)
class Services:
    context: ServiceContext
    customers: CustomerService
    staff: StaffService
    audit: AuditService
    stats: StatsService
    imports: ImportService
    requests: RequestService
    reminders: ReminderService
    comms: CorrespondenceService
    usage: UsageService
    business_register: BusinessRegisterService
    home: HomeService

    @classmethod
    def build(cls, context: ServiceContext, sender: NotificationSender | None = None) -> Services:
        """Every service over one context; `sender` posts reminders (None: nothing is sent)."""
        reminders = ReminderService(context, sender)

        def deliver_soon() -> None:
            # New-request announcements leave at once, off the request's own thread.
            threading.Thread(target=reminders.deliver_pending, daemon=True).start()

        return cls(
            context=context,
            customers=CustomerService(context),
            staff=StaffService(context),
            audit=AuditService(context),
            stats=StatsService(context),
            imports=ImportService(context),
            requests=RequestService(context, on_notification=deliver_soon if sender else None),
            reminders=reminders,
            comms=CorrespondenceService(context),
            usage=UsageService(context),
            business_register=BusinessRegisterService(context),
            home=HomeService(context),
        )
