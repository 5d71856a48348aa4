"""Export of one customer with 100,000 correspondence entries: time and peak memory.

    .venv/bin/python bench/export.py --entries 100000 --engine sqlite

Builds a small register, gives one customer N entries, then runs `regbot export customer` in
a subprocess three times; reports the median wall time (process start included) and the
child's peak RSS (ru_maxrss), next to the same for a customer with no entries (the floor).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import time

from common import (
    PYTHON,
    WORK,
    create_database,
    database_url,
    drop_database,
    regbot_env,
    run_regbot,
)
from generate import add_extras, write_customers


def export(url: str, number: int) -> tuple[float, float]:
    started = time.perf_counter()
    done = subprocess.run(
        [PYTHON, "-c", _CHILD, str(number)],
        env=regbot_env(url, REGBOT_EXPORT_DIR=str(WORK / "exports")),
        cwd=WORK,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    seconds = time.perf_counter() - started
    peak_kb = int(done.stderr.rsplit("MAXRSS ", 1)[1].split()[0])
    return seconds, peak_kb / 1024


# The CLI's own export; the child reports its own peak RSS as it exits.
_CHILD = (
    "import atexit, resource, sys\n"
    "atexit.register(lambda: print('MAXRSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,"
    " file=sys.stderr))\n"
    "from bot.cli import main\n"
    "sys.argv = ['regbot', 'export', 'customer', sys.argv[1]]\n"
    "main()\n"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    url = database_url(args.engine, "regbench_export")
    create_database(url)
    try:
        csv = WORK / "customers-1000.csv"
        write_customers(csv, 1000, seed=7)
        run_regbot(["import", "customers", str(csv)], url)
        add_extras(url, correspondence_for=10001, entries=args.entries, usage_events=10_000)
        floor = [export(url, 10002)[0] for _ in range(3)]
        runs = [export(url, 10001) for _ in range(3)]
        size = max(p.stat().st_size for p in (WORK / "exports").rglob("*10001*"))
        print(
            f"engine={args.engine} entries={args.entries}: export median "
            f"{statistics.median(r[0] for r in runs):.2f} s (empty customer "
            f"{statistics.median(floor):.2f} s), peak RSS {max(r[1] for r in runs):.0f} MB, "
            f"largest file {size / 1e6:.1f} MB"
        )
    finally:
        drop_database(url)


if __name__ == "__main__":
    main()
