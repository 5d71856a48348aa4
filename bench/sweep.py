"""The reminder sweep over many requests, few of them due: does it grow with due or total?

    .venv/bin/python bench/sweep.py --engine sqlite

For each (total, due) pair a register gets `total` data-subject requests (`due` open and due
within the week, 1000 open but due in two months, the rest completed), then the sweep runs
in-process: planning alone (`dry_run`) and the full sweep posting the digest and the DMs to a
local fake Slack. Each figure is the median of several runs (planning) or one run (full,
since a second sweep on the same day finds everything already sent).
"""

from __future__ import annotations

import argparse
import statistics
import time

from common import create_database, database_url, drop_database
from generate import add_extras

from bot.app import build_services, build_slack_client
from bot.config import load_settings
from bot.fake_slack.api import FakeSlack
from storage.db import make_engine


def measure(url: str, api_url: str) -> tuple[float, float, int]:
    settings = load_settings(
        database_url=url,
        slack_bot_token="xoxb-bench",  # noqa: S106 (fake Slack only)
        slack_api_url=api_url,
        reminder_channel="CREMIND",
    )
    engine = make_engine(url)
    services = build_services(settings, engine=engine, slack=build_slack_client(settings))
    services.reminders.sweep(dry_run=True)  # warm caches
    plans = []
    for _ in range(5):
        started = time.perf_counter()
        services.reminders.sweep(dry_run=True)
        plans.append(time.perf_counter() - started)
    started = time.perf_counter()
    report = services.reminders.sweep()
    full = time.perf_counter() - started
    engine.dispose()
    return statistics.median(plans), full, report.sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--cases",
        default="1000000:1000,1000000:100,1000000:10000,100000:1000",
        help="total:due pairs",
    )
    args = parser.parse_args()
    with FakeSlack() as fake:
        for case in args.cases.split(","):
            total, due = (int(x) for x in case.split(":"))
            url = database_url(args.engine, f"regbench_sweep_{total}_{due}")
            create_database(url)
            try:
                add_extras(url, requests=total, due=due, contacts=False)
                plan, full, sent = measure(url, fake.api_url)
                print(
                    f"engine={args.engine} total={total} due={due}: planning {plan * 1000:.1f} ms, "
                    f"full sweep {full * 1000:.0f} ms ({sent} messages posted)"
                )
            finally:
                drop_database(url)


if __name__ == "__main__":
    main()
