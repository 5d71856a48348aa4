"""Import N generated customers from CSV into an empty register: rows per second.

    .venv/bin/python bench/import_customers.py --customers 1000000 --engine sqlite

Times `regbot import customers FILE` as a subprocess (process start included), then the same
file again (every row unchanged), and reports peak memory of the import process.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import time

from common import PYTHON, WORK, create_database, database_url, drop_database, regbot_env
from generate import write_customers


def timed_import(url: str, csv: str) -> tuple[float, float]:
    """Wall seconds and the child's peak RSS in MB."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    subprocess.run(
        [PYTHON, "-m", "bot", "import", "customers", csv],
        env=regbot_env(url),
        cwd=WORK,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reimport", action="store_true", help="also time a second import")
    args = parser.parse_args()
    csv = WORK / f"customers-{args.customers}.csv"
    if not csv.exists():
        write_customers(csv, args.customers, seed=7)
    url = database_url(args.engine, f"regbench_import_{args.customers}")
    create_database(url)
    try:
        seconds, peak = timed_import(url, str(csv))
        print(
            f"engine={args.engine} rows={args.customers} import {seconds:.1f} s = "
            f"{args.customers / seconds:.0f} rows/s, peak RSS {peak:.0f} MB"
        )
        if args.reimport:
            seconds, peak = timed_import(url, str(csv))
            print(
                f"  re-import (all unchanged) {seconds:.1f} s = "
                f"{args.customers / seconds:.0f} rows/s, peak RSS {peak:.0f} MB"
            )
    finally:
        if not args.keep:
            drop_database(url)


if __name__ == "__main__":
    main()
