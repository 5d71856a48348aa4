"""Use cases: verbs that take plain values and the acting staff member, own the transaction and
write the audit event in it."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from bot.services.audit import AuditService
from bot.services.business_register import BusinessRegisterService
from bot.services.comms import CorrespondenceService
from bot.services.consents import ConsentService
from bot.services.customers import CustomerService
from bot.services.erasure import ErasureService
from bot.services.export import ExportService
from bot.services.home import HomeService
from bot.services.imports import ImportService
from bot.services.reminders import NotificationSender, ReminderService
from bot.services.requests import RequestService
from bot.services.retention_job import RetentionService
from bot.services.staff import StaffService
from bot.services.stats import StatsService
from bot.services.unit import ServiceContext
from bot.services.usage import UsageService

logger = logging.getLogger("regbot.services")


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
    consents: ConsentService
    export: ExportService
    erasure: ErasureService
    retention: RetentionService

    @classmethod
    def build(cls, context: ServiceContext, sender: NotificationSender | None = None) -> Services:
        """Every service over one context; `sender` posts reminders (None: nothing is sent)."""
        reminders = ReminderService(context, sender)

        def deliver() -> None:
            try:
                reminders.deliver_pending()
            except Exception:
                # The outbox keeps the row; the scheduler's retry loop sends it later.
                logger.exception("delivering a new-request announcement failed")

        def deliver_soon() -> None:
            # New-request announcements leave at once, off the request's own thread.
            threading.Thread(target=deliver, daemon=True).start()

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
            consents=ConsentService(context, context.settings.consent_purposes),
            export=ExportService(context),
            erasure=ErasureService(context),
            retention=RetentionService(context),
        )
