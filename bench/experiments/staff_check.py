"""What the staff check costs `/customer help` (and every command that reads no customer
data), in one process: `StaffService.check_is_staff` for a bootstrap admin of the settings and
for an agent of the staff table, alternating.

    .venv/bin/python bench/experiments/staff_check.py --engine sqlite
    .venv/bin/python bench/experiments/staff_check.py --engine postgresql --code /tmp/head

Runs on the register bench/find.py built. `--code DIR` loads regbot from DIR (a worktree of
another commit) instead of this checkout.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--code", default=str(Path(__file__).resolve().parents[2]))
    parser.add_argument("--runs", type=int, default=400)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(args.code).resolve()))
    from bot.app import build_services  # noqa: I001 (regbot from --code first)
    from bot.config import load_settings
    import _bench_path  # noqa: F401 (puts bench/ on the path)
    from common import ADMIN, database_exists, database_url
    from find import AGENT
    from storage.db import make_engine

    url = database_url(args.engine, f"regbench_{args.customers}")
    if not database_exists(url):
        raise SystemExit("build the register first: bench/find.py --customers N --engine E")
    settings = load_settings(database_url=url, admins=ADMIN, reminder_channel="CREMIND")
    services = build_services(settings, engine=make_engine(url))
    services.staff.grant(ADMIN, AGENT, "agent")
    times: dict[str, list[float]] = {ADMIN: [], AGENT: []}
    for run in range(args.runs + 20):
        for actor in times:
            started = time.perf_counter()
            services.staff.check_is_staff(actor, "customer.help")
            if run >= 20:  # connections, imports, prepared statements
                times[actor].append(time.perf_counter() - started)
    print(f"engine={args.engine} code={args.code} runs={args.runs} (medians)")
    for actor, label in ((ADMIN, "a bootstrap admin"), (AGENT, "an agent of the staff table")):
        print(f"  {label:28s} {statistics.median(times[actor]) * 1000:.3f} ms")


if __name__ == "__main__":
    main()
