"""Several `regbot serve` instances on one PostgreSQL under load, with simultaneous sweeps.

    .venv/bin/python bench/instances.py --instances 3 --clients 12 --seconds 30 --requests 300

Starts the instances against one fake Slack, creates `--requests` due data-subject requests
assigned to 30 agents, then for `--seconds` sends signed `/customer new` and `/customer find`
commands round-robin to all instances while `--sweeps` `regbot remind` processes start at
the same moment. Checks: every create landed once with its own number, the audit chain is
whole, and each reminder (one digest, one DM per agent) was posted exactly once.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import subprocess
import threading
import time
from collections import Counter
from contextlib import ExitStack

from common import (
    ADMIN,
    PYTHON,
    WORK,
    Client,
    ReplyCatcher,
    create_database,
    database_url,
    drop_database,
    regbot_env,
    running_server,
    summary,
)
from sqlalchemy import func, select

from bot.app import build_services
from bot.config import load_settings
from bot.domain.permissions import Role
from bot.fake_slack.api import FakeSlack
from bot.services.staff import grant_role
from storage.db import make_engine
from storage.models import Customer, Notification

CHANNEL = "CREMIND"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=3)
    parser.add_argument("--clients", type=int, default=12)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--sweeps", type=int, default=3)
    args = parser.parse_args()
    url = database_url("postgresql", "regbench_instances")
    create_database(url)
    engine = make_engine(url)
    try:
        services = build_services(load_settings(database_url=url, admins=ADMIN), engine=engine)
        agents = [f"UAGENT{i:04d}" for i in range(30)]
        with services.context.transaction("bench") as tx:
            for agent in agents:
                grant_role(tx, agent, Role.AGENT)
        received = dt.date.today() - dt.timedelta(days=27)
        for i in range(args.requests):
            number = services.customers.create(ADMIN, {"name": f"Pyyntö {i} Oy"}).number
            made = services.requests.create(ADMIN, str(number), "access", received=received)
            services.requests.assign(ADMIN, made.summary.number, agents[i % len(agents)])
        catcher = ReplyCatcher()
        latencies: list[float] = []
        errors: list[str] = []
        created: list[str] = []
        lock = threading.Lock()
        with ExitStack() as stack:
            fake = stack.enter_context(FakeSlack())
            env = {"SLACK_API_URL": fake.api_url, "REGBOT_REMINDER_CHANNEL": CHANNEL}
            ports = [
                stack.enter_context(running_server(url, threads=8, fake=fake, args=(), **env))[0]
                for _ in range(args.instances)
            ]
            stop = time.monotonic() + args.seconds
            counter = itertools.count()

            def worker(index: int) -> None:
                client = Client(ports[index % len(ports)], catcher)
                while time.monotonic() < stop:
                    n = next(counter)
                    name = f"Kuorma {n} Oy"
                    try:
                        took = client.command("/customer", f'new name="{name}"')
                        took += client.command("/customer", f"find kuorma {n}")
                    except Exception as exc:  # every failure counts as an error of the run
                        with lock:
                            errors.append(f"{type(exc).__name__}: {exc}"[:100])
                        continue
                    with lock:
                        latencies.append(took / 2)
                        created.append(name)
                client.close()

            threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.clients)]
            for thread in threads:
                thread.start()
            time.sleep(args.seconds / 3)
            sweeps = [
                subprocess.Popen(
                    [PYTHON, "-m", "bot", "remind"],
                    env=regbot_env(url, **env),
                    cwd=WORK,
                    stdout=subprocess.DEVNULL,
                )
                for _ in range(args.sweeps)
            ]
            codes = [sweep.wait(timeout=120) for sweep in sweeps]
            for thread in threads:
                thread.join()
            posts = Counter(
                str(c.params.get("channel"))
                for c in fake.calls_to("chat.postMessage")
                if not c.failed
            )
        catcher.close()
        with services.context.sessions() as session:
            names = Counter(
                session.execute(
                    select(Customer.name).where(Customer.name.like("Kuorma %"))
                ).scalars()
            )
            numbers = session.execute(
                select(func.count(func.distinct(Customer.number)))
            ).scalar_one()
            rows = session.execute(select(func.count()).select_from(Customer)).scalar_one()
            statuses = Counter(session.execute(select(Notification.status)).scalars())
        chain = services.audit.verify()
        print(
            f"instances={args.instances} clients={args.clients} seconds={args.seconds} "
            f"due requests={args.requests} sweeps={args.sweeps} (exit codes {codes})"
        )
        print(
            f"  {2 * len(latencies) / args.seconds:.0f} commands/s (new + find pairs; latency "
            f"is a pair's mean), {summary(latencies)}, "
            f"errors={len(errors)}"
        )
        print(
            f"  creates acknowledged {len(created)}, stored {sum(names.values())}, "
            f"duplicated {sum(1 for v in names.values() if v > 1)}, "
            f"missing {len(set(created) - set(names))}; numbers unique: {numbers == rows}"
        )
        dms = {k: v for k, v in posts.items() if k != CHANNEL}
        print(
            f"  digest posted {posts.get(CHANNEL, 0)}x; DMs to {len(dms)} agents, "
            f"max per agent {max(dms.values(), default=0)}; outbox {dict(statuses)}"
        )
        print(f"  audit chain ok={chain.ok} links={chain.checked}")
        for error in sorted(set(errors))[:5]:
            print("  error:", error)
    finally:
        engine.dispose()
        drop_database(url)


if __name__ == "__main__":
    main()
