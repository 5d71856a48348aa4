"""The scheduler runs the sweep on REGBOT_DIGEST_CRON in REGBOT_TIMEZONE and retries the outbox."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from bot.app import build_services
from bot.config import load_settings
from bot.runtime.scheduler import DELIVERY_INTERVAL_SECONDS, build_scheduler
from bot.services import search
from bot.services.search import SAMPLE_KEEPER_SECONDS
from storage.db import make_engine, upgrade


def test_the_sweep_fires_at_eight_on_weekdays_helsinki_time(tmp_path: Path) -> None:
    settings = load_settings(database_url=f"sqlite:///{tmp_path}/x.db")
    services = build_services(settings, engine=create_engine(settings.database_url))
    scheduler = build_scheduler(services, settings)
    sweep = scheduler.get_job("reminder-sweep")
    assert sweep is not None
    helsinki = zoneinfo.ZoneInfo("Europe/Helsinki")
    friday_evening = dt.datetime(2026, 11, 27, 18, 0, tzinfo=helsinki)
    fire = sweep.trigger.get_next_fire_time(None, friday_evening)
    assert fire == dt.datetime(2026, 11, 30, 8, 0, tzinfo=helsinki)
    delivery = scheduler.get_job("outbox-delivery")
    assert delivery is not None
    assert delivery.trigger.interval == dt.timedelta(seconds=DELIVERY_INTERVAL_SECONDS)


def test_a_custom_cron_and_time_zone_are_honoured(tmp_path: Path) -> None:
    settings = load_settings(
        database_url=f"sqlite:///{tmp_path}/x.db", digest_cron="30 6 * * *", timezone="UTC"
    )
    services = build_services(settings, engine=create_engine(settings.database_url))
    sweep = build_scheduler(services, settings).get_job("reminder-sweep")
    assert sweep is not None
    now = dt.datetime(2026, 11, 28, 7, 0, tzinfo=dt.UTC)
    assert sweep.trigger.get_next_fire_time(None, now) == dt.datetime(
        2026, 11, 29, 6, 30, tzinfo=dt.UTC
    )


def test_the_samples_of_names_are_kept_from_the_start_every_minute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings(database_url=f"sqlite:///{tmp_path}/x.db")
    engine = make_engine(settings.database_url)
    upgrade(engine)
    services = build_services(settings, engine=engine)
    monkeypatch.setattr(search, "_SAMPLES", {})
    monkeypatch.setattr(search, "_kept_at", None)
    before = dt.datetime.now(settings.tz)
    keeper = build_scheduler(services, settings).get_job("search-samples")
    assert keeper is not None
    assert keeper.trigger.interval == dt.timedelta(seconds=SAMPLE_KEEPER_SECONDS)
    assert before <= keeper.next_run_time <= dt.datetime.now(settings.tz)

    keeper.func()

    assert {table for (_, table) in search._SAMPLES} == set(search.SAMPLED_TABLES)
    assert search._kept_at is not None
    engine.dispose()


def test_the_wal_of_an_sqlite_register_is_checkpointed_every_second(tmp_path: Path) -> None:
    database = tmp_path / "x.db"
    settings = load_settings(database_url=f"sqlite:///{database}", admins="UADMIN")
    engine = make_engine(settings.database_url)
    upgrade(engine)
    services = build_services(settings, engine=engine)
    services.staff.grant("UADMIN", "UAGENT", "agent")  # a commit: pages in the WAL
    job = build_scheduler(services, settings).get_job("wal-checkpoint")
    assert job is not None
    assert job.trigger.interval == dt.timedelta(seconds=1)

    # The schema and the grant are in the WAL alone: no commit copied them back.
    before = database.stat().st_size

    job.func()

    assert database.stat().st_size > before
    engine.dispose()


def test_postgresql_has_no_wal_checkpoint_job() -> None:
    settings = load_settings(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none")
    engine = create_engine(settings.database_url)  # never connects
    services = build_services(settings, engine=engine)
    assert build_scheduler(services, settings).get_job("wal-checkpoint") is None
    engine.dispose()


def test_no_job_runs_twice_at_once_and_missed_runs_are_run_once(tmp_path: Path) -> None:
    settings = load_settings(database_url=f"sqlite:///{tmp_path}/x.db")
    services = build_services(settings, engine=create_engine(settings.database_url))
    scheduler = build_scheduler(services, settings)
    scheduler.start(paused=True)  # jobs take the scheduler's defaults when it starts
    try:
        jobs = scheduler.get_jobs()
        assert {job.id for job in jobs} >= {"reminder-sweep", "outbox-delivery", "wal-checkpoint"}
        assert all(job.coalesce and job.max_instances == 1 for job in jobs)
    finally:
        scheduler.shutdown(wait=False)
