"""What PostgreSQL itself spends on a `/customer find`: bench/find.py run with the server
logging every statement's duration, and the find's statements read back from the log.

    .venv/bin/python bench/pg_server_time.py
    .venv/bin/python bench/pg_server_time.py --kinds fragment --rounds 100

Runs on the register bench/find.py built (`regbench_1000000`), for identifier finds unless
`--kinds` says otherwise. For the run, `log_min_duration_statement = 0` is set on that
database alone (and reset after), so the server logs how long it took to plan (bind) and run
(execute) each statement and to COMMIT it. The log is read where Debian's clusters write it
(`/var/log/postgresql/postgresql-VERSION-main.log`; `--log` names another file); reading it
takes a user in the `adm` group or root. The figures are the server's time alone: what a find
costs over `/customer help` beyond them is the client, the wire and the wake-ups. It also
counts the prepared listings that the server planned again at each bind (a custom plan)
rather than once (the generic plan), by backend and statement.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from common import PYTHON, ROOT, database_url, percentile
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

# `... [PID] user@db LOG:  duration: 0.488 ms  execute _pg3_2: WITH RECURSIVE ...`
_ENTRY = re.compile(
    r"\[(?P<pid>\d+)\] \S+ LOG:  duration: (?P<ms>[\d.]+) ms  "
    r"(?:(?P<phase>parse|bind|execute) (?P<name>[^:]+)|statement): (?P<sql>.*)"
)
# A bind this long (its median, for one prepared statement on one backend) planned the
# statement again.
_PLANNED_AFRESH_MS = 0.3
_MEDIAN = re.compile(
    r"^\s+(?:/customer (?P<command>help)|find by (?P<kind>\S+))\s.*median=([\d.]+)"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--kinds", default="number,bid,email,phone")
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--log", help="the server's log file (default: Debian's for its version)")
    args = parser.parse_args()
    url = database_url("postgresql", f"regbench_{args.customers}")
    database = make_url(url).database
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        major = int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000
        log = Path(args.log or f"/var/log/postgresql/postgresql-{major}-main.log")
        start = log.stat().st_size
        conn.execute(text(f'ALTER DATABASE "{database}" SET log_min_duration_statement = 0'))
        try:
            command = [PYTHON, str(ROOT / "bench" / "find.py"), "--engine", "postgresql"]
            command += ["--customers", str(args.customers), "--kinds", args.kinds]
            command += ["--rounds", str(args.rounds)]
            run = subprocess.run(
                command,
                check=True,
                capture_output=True,
                text=True,
            )
        finally:
            conn.execute(text(f'ALTER DATABASE "{database}" RESET log_min_duration_statement'))
    engine.dispose()
    sys.stdout.write(run.stdout)
    with log.open("rb") as file:
        file.seek(start)
        lines = file.read().decode("utf-8", "replace").splitlines()
    phases, binds = _find_phases(lines)
    if not phases["execute"]:
        raise SystemExit(f"no find statements in {log}: is it this server's log?")
    print(f"the server's own time per find, from {log} (n={len(phases['execute'])}):")
    for phase in ("parse", "bind", "execute", "other", "commit", "all"):
        values = phases[phase]
        if not values:
            continue
        print(
            f"  {phase:8s} median={statistics.median(values):.3f} ms"
            f" p90={percentile(values, 90):.3f} ms"
        )
    # A prepared statement's bind is quick with its generic plan (0.05 ms here) and plans
    # afresh with a custom one (0.7 ms and more).
    afresh = sum(statistics.median(values) >= _PLANNED_AFRESH_MS for values in binds.values())
    print(
        f"  prepared listings planned afresh at each bind: {afresh} of {len(binds)}"
        " (backend, statement) pairs"
    )
    medians = _medians(run.stdout)
    if "help" in medians and len(medians) > 1:
        extra = statistics.median(v for k, v in medians.items() if k != "help") - medians["help"]
        print(f"  a find over help, over HTTP (median of the kinds' medians): {extra:.1f} ms")


def _find_phases(lines: list[str]) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """The duration of each find's statements, in milliseconds, by phase: the listing's parse
    (until psycopg prepares it), bind and execute; what else its transaction ran (BEGIN, a
    SET LOCAL); its COMMIT; and their sum. Also each prepared listing's binds, by backend and
    statement name.

    A find is a transaction of its backend, BEGIN to COMMIT, that runs the listing that
    appends its audit links (`WITH RECURSIVE`); the other transactions are left out."""
    phases: dict[str, list[float]] = defaultdict(list)
    binds: dict[str, list[float]] = defaultdict(list)
    open_blocks: dict[str, dict[str, float]] = {}
    for line in lines:
        entry = _ENTRY.search(line)
        if entry is None:
            continue
        pid, ms, phase, sql = entry["pid"], float(entry["ms"]), entry["phase"], entry["sql"]
        statement = sql.strip()
        if statement == "BEGIN" and pid not in open_blocks:
            open_blocks[pid] = defaultdict(float)
        block = open_blocks.get(pid)
        if block is None:
            continue
        if statement.startswith("WITH RECURSIVE"):
            block[phase or "execute"] += ms
            block["listing"] = 1.0
            name = entry["name"]
            if phase == "bind" and name != "<unnamed>":
                binds[f"{pid} {name}"].append(ms)
        elif statement == "COMMIT":
            block["commit"] += ms
            if phase in (None, "execute"):
                del open_blocks[pid]
                if block.pop("listing", 0.0):
                    for key, value in block.items():
                        phases[key].append(value)
                    phases["all"].append(sum(block.values()))
        else:
            block["other"] += ms
    return phases, binds


def _medians(output: str) -> dict[str, float]:
    """help's median and each find kind's, in milliseconds, from bench/find.py's report."""
    medians: dict[str, float] = {}
    for line in output.splitlines():
        found = _MEDIAN.match(line)
        if found is not None:
            medians[found["command"] or found["kind"]] = float(found[3])
    return medians


if __name__ == "__main__":
    main()
