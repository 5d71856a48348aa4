"""What PostgreSQL itself spends on a `/customer find`: bench/find.py run with the server
logging every statement's duration, and the find's statements read back from the log.

    .venv/bin/python bench/experiments/pg_server_time.py
    .venv/bin/python bench/experiments/pg_server_time.py --kinds fragment --rounds 100

Runs on the register bench/find.py built (`regbench_1000000`), for identifier finds unless
`--kinds` says otherwise. For the run, `log_min_duration_statement = 0` is set on that
database alone (and reset after), so the server logs how long it took to plan (bind) and run
(execute) each statement and to COMMIT it. The log is read where Debian's clusters write it
(`/var/log/postgresql/postgresql-VERSION-main.log`; `--log` names another file); reading it
takes a user in the `adm` group or root. The figures are the server's time alone: what a find
costs over `/customer help` beyond them is the client, the wire and the wake-ups (and the
logging itself, which the run pays for). It also counts the prepared listings that the server
kept planning at each bind (custom plans) rather than once (the generic plan), by backend and
statement.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from types import FrameType

import _bench_path  # noqa: F401 (puts bench/ on the path)
from common import PYTHON, ROOT, database_url, percentile
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

# `... [PID] user@db LOG:  duration: 0.488 ms  execute _pg3_2: WITH RECURSIVE ...`
_ENTRY = re.compile(
    r"\[(?P<pid>\d+)\] \S+ LOG:  duration: (?P<ms>[\d.]+) ms  "
    r"(?:(?P<phase>parse|bind|execute) (?P<name>[^:]+)|statement): (?P<sql>.*)"
)
# PostgreSQL plans a prepared statement for its values on its first five runs, then keeps
# a plan made once (generic) unless that looks costlier. Past those five, a bind this long
# (the median of one statement's on one backend) is a plan made afresh each time.
_CUSTOM_RUNS = 5
_PLANNED_AFRESH_MS = 0.3
_MEDIAN = re.compile(
    r"^\s+(?:/customer (?P<command>help)|find by (?P<kind>\S+))\s.*median=([\d.]+)"
)
_SETTING = "log_min_duration_statement"


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
        set_before = conn.execute(
            text(
                "SELECT count(*) FROM pg_db_role_setting s JOIN pg_database d"
                " ON d.oid = s.setdatabase WHERE d.datname = :name AND s.setrole = 0"
                " AND array_to_string(s.setconfig, ',') LIKE :setting"
            ),
            {"name": database, "setting": f"%{_SETTING}=%"},
        ).scalar_one()
    log = Path(args.log or f"/var/log/postgresql/postgresql-{major}-main.log")
    if not os.access(log, os.R_OK):
        raise SystemExit(f"cannot read the server's log {log}: run as root or in group adm")
    if set_before:
        print(f"warning: {database} had its own {_SETTING}; it is reset after the run")
    start = log.stat().st_size
    command = [PYTHON, str(ROOT / "bench" / "find.py"), "--engine", "postgresql"]
    command += ["--customers", str(args.customers), "--kinds", args.kinds]
    command += ["--rounds", str(args.rounds)]
    # A SIGTERM or SIGHUP unwinds like Ctrl-C, so the setting is always reset.
    signal.signal(signal.SIGTERM, _exit)
    signal.signal(signal.SIGHUP, _exit)
    _alter(engine, f'ALTER DATABASE "{database}" SET {_SETTING} = 0')
    try:
        run = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
    finally:
        _alter(engine, f'ALTER DATABASE "{database}" RESET {_SETTING}')
        engine.dispose()
    sys.stdout.write(run.stdout)
    with log.open("rb") as file:
        file.seek(start)
        lines = file.read().decode("utf-8", "replace").split("\n")
    phases, binds = _find_phases(lines)
    if not phases["execute"]:
        raise SystemExit(
            f"no find statements in {log} since the run began: is it this server's log,"
            " in English (lc_messages), and not rotated during the run?"
        )
    print(f"the server's own time per find, from {log} (n={len(phases['execute'])}):")
    for phase in ("parse", "bind", "execute", "other", "commit", "all"):
        values = phases[phase]
        if not values:
            continue
        print(
            f"  {phase:8s} median={statistics.median(values):.3f} ms"
            f" p90={percentile(values, 90):.3f} ms"
        )
    _report_plans(binds)
    medians = _medians(run.stdout)
    if "help" in medians and len(medians) > 1:
        extra = statistics.median(v for k, v in medians.items() if k != "help") - medians["help"]
        print(f"  a find over help, over HTTP (median of the kinds' medians): {extra:.1f} ms")


def _exit(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def _alter(engine: Engine, statement: str) -> None:
    """On a connection of its own: one held through the run may have dropped by its end."""
    with engine.connect() as conn:
        conn.execute(text(statement))


def _report_plans(binds: dict[str, list[float]]) -> None:
    """How many prepared listings, by backend and statement, kept being planned afresh."""
    judged = {
        pair: values[_CUSTOM_RUNS:]
        for pair, values in binds.items()
        if len(values) >= 2 * _CUSTOM_RUNS
    }
    afresh = sorted(
        f"{pair} ({len(values)} binds, median {statistics.median(values):.2f} ms)"
        for pair, values in judged.items()
        if statistics.median(values) >= _PLANNED_AFRESH_MS
    )
    print(
        f"  prepared listings planned afresh past their first {_CUSTOM_RUNS} binds:"
        f" {len(afresh)} of {len(judged)} (backend, statement) pairs with enough binds"
        + "".join(f"\n    {line}" for line in afresh)
    )


def _find_phases(lines: list[str]) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """The duration of each find's statements, in milliseconds, by phase: the listing's parse
    (until psycopg prepares it), bind and execute; what else its transaction ran (BEGIN, a
    SET LOCAL); its COMMIT; and their sum. Also each prepared listing's binds, in order, by
    backend and statement name.

    A find is a transaction of its backend, BEGIN to COMMIT, that runs the listing that
    appends its audit links (`WITH RECURSIVE`); other transactions, and any that a ROLLBACK
    ends, are left out."""
    phases: dict[str, list[float]] = defaultdict(list)
    binds: dict[str, list[float]] = defaultdict(list)
    open_blocks: dict[str, dict[str, float]] = {}
    for line in lines:
        entry = _ENTRY.search(line)
        if entry is None:
            continue
        pid, ms, phase, sql = entry["pid"], float(entry["ms"]), entry["phase"], entry["sql"]
        statement = sql.strip()
        if statement == "BEGIN" and phase in (None, "execute"):
            # A transaction starts, whatever its backend left open before.
            open_blocks[pid] = defaultdict(float)
        block = open_blocks.get(pid)
        if block is None:
            continue
        if statement.startswith("WITH RECURSIVE"):
            block[phase or "execute"] += ms
            block["listing"] = 1.0
            if phase == "bind" and entry["name"] != "<unnamed>":
                binds[f"{pid} {entry['name']}"].append(ms)
        elif statement == "ROLLBACK":
            del open_blocks[pid]
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
