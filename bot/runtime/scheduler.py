"""APScheduler inside `serve` and `socket`: the daily reminder sweep, the outbox retry loop,
the nightly retention job, the samples of names that searches steer by and, on SQLite, the
WAL's checkpoints.

Every instance runs it; the outbox makes that safe (SPEC §8.5). Jobs only call services.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import TypeVar

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.config import Settings
from bot.services import Services
from bot.services.search import SAMPLE_KEEPER_SECONDS

logger = logging.getLogger("regbot.scheduler")

T = TypeVar("T")

DELIVERY_INTERVAL_SECONDS = 60
WAL_CHECKPOINT_SECONDS = 1
RETENTION_HOUR = 3  # daily, at 03:15 in REGBOT_TIMEZONE


def build_scheduler(services: Services, settings: Settings) -> BackgroundScheduler:
    """A scheduler (not started) with the sweep on REGBOT_DIGEST_CRON and a retry loop."""
    # Every job: a run that is due while the last still runs, or several missed, run once.
    scheduler = BackgroundScheduler(
        timezone=settings.tz, job_defaults={"coalesce": True, "max_instances": 1}
    )
    scheduler.add_job(
        lambda: _sweep(services),
        CronTrigger.from_crontab(settings.digest_cron, timezone=settings.tz),
        id="reminder-sweep",
        misfire_grace_time=3600,
    )
    scheduler.add_job(
        lambda: _retention(services),
        CronTrigger(hour=RETENTION_HOUR, minute=15, timezone=settings.tz),
        id="retention",
        misfire_grace_time=6 * 3600,
    )
    scheduler.add_job(
        lambda: _deliver(services),
        "interval",
        seconds=DELIVERY_INTERVAL_SECONDS,
        id="outbox-delivery",
    )
    # At start, then every minute: a search of several words never waits for a sample.
    scheduler.add_job(
        lambda: _keep_samples(services),
        "interval",
        seconds=SAMPLE_KEEPER_SECONDS,
        id="search-samples",
        next_run_time=dt.datetime.now(settings.tz),
    )
    if services.context.engine.dialect.name == "sqlite":
        # Commits leave the WAL to this job (storage.db.WAL_AUTOCHECKPOINT_PAGES). A run late
        # or missed is no matter: the next copies what it would have.
        scheduler.add_job(
            lambda: _checkpoint(services),
            "interval",
            seconds=WAL_CHECKPOINT_SECONDS,
            id="wal-checkpoint",
            misfire_grace_time=None,
        )
    return scheduler


def _logged(what: str, job: Callable[[], T]) -> T | None:
    """The job's result, or None when it failed: the failure is logged, and the scheduler
    runs the job again at its next time."""
    try:
        return job()
    except Exception:
        logger.exception("%s failed", what)
        return None


def _keep_samples(services: Services) -> None:
    taken = _logged("sampling names for search", services.customers.keep_search_samples)
    if taken:
        logger.debug("took %s samples of names for search", taken)


def _checkpoint(services: Services) -> None:
    done = _logged("checkpointing the WAL", services.context.checkpoint)
    if done is not None and done.copied < done.in_wal:
        # Pages a reader's snapshot still needs stay in the WAL until a later checkpoint.
        logger.debug("checkpoint: %s of %s pages copied", done.copied, done.in_wal)


def _sweep(services: Services) -> None:
    report = _logged("the reminder sweep", services.reminders.sweep)
    if report is not None:
        logger.info(
            "reminder sweep %s: %s queued, %s sent, %s left for retry",
            report.day,
            report.enqueued,
            report.sent,
            report.failed,
        )


def _deliver(services: Services) -> None:
    _logged("delivering queued notifications", services.reminders.deliver_pending)


def _retention(services: Services) -> None:
    report = _logged("the retention job", services.retention.run)
    if report is not None:
        logger.info(
            "retention: %s usage events, %s invoices, %s verification codes purged",
            report.usage_events,
            report.invoices,
            report.verification_codes,
        )
