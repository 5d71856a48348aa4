"""What reading a staff member's role costs a find by number on PostgreSQL: the role's own
round trip and then find's listing statement (how it was), against the listing statement that
reads the role itself (`Look.require`), alternating on one connection.

    .venv/bin/python bench/experiments/role_check.py
    .venv/bin/python bench/experiments/role_check.py --runs 1000

Runs on the register bench/find.py built (PostgreSQL). Each run is BEGIN, the statement(s)
and ROLLBACK in one pipeline, as a find sends them but for COMMIT: nothing is written, and
the WAL flush is left out of both alike. psycopg prepares each statement on its fifth run, as
in `regbot serve`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time
from collections import Counter
from typing import Any, cast

import _bench_path  # noqa: F401 (puts bench/ on the path)
import psycopg
from common import ADMIN, database_exists, database_url
from find import AGENT

from bot.app import build_services
from bot.config import load_settings
from bot.domain.audit_chain import canonical_affixes
from bot.domain.permissions import PERMISSION_TABLE, Permission
from bot.services import unit
from bot.services.search import _add_identifier_ways, _Sample, _Statement
from storage.db import make_engine
from storage.raw import for_driver


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=600)
    args = parser.parse_args()
    url = database_url("postgresql", f"regbench_{args.customers}")
    if not database_exists(url):
        raise SystemExit("build the register first: bench/find.py --engine postgresql")
    settings = load_settings(database_url=url, admins=ADMIN, reminder_channel="CREMIND")
    engine = make_engine(url)
    build_services(settings, engine=engine).staff.grant(ADMIN, AGENT, "agent")
    pooled = engine.raw_connection()
    conn = cast("psycopg.Connection[Any]", pooled.driver_connection)
    conn.autocommit = True
    rng = random.Random(1)
    top = conn.execute("SELECT max(number) FROM customer").fetchone()
    assert top is not None
    times: dict[str, list[float]] = {"role, then the listing": [], "the listing reads the role": []}
    try:
        for run in range(args.runs + 20):
            kinds = list(times)
            if run % 2:
                kinds.reverse()
            for kind in kinds:
                took = _find(conn, kind, str(rng.randrange(10001, top[0])))
                if run >= 20:  # the first runs prepare the statements
                    times[kind].append(took)
    finally:
        conn.autocommit = False
        pooled.close()
        engine.dispose()
    print(f"customers={args.customers} runs={args.runs} (medians, one connection)")
    for kind, values in times.items():
        print(f"  {kind:28s} {statistics.median(values) * 1000:.3f} ms")


def _find(conn: psycopg.Connection[Any], kind: str, number: str) -> float:
    # Identifier ways take no sample of names.
    statement = _Statement("postgresql", lambda _table: _Sample(0.0, False, Counter()))
    _add_identifier_ways(statement, number)
    now = dt.datetime.now(dt.UTC)
    head, tail = canonical_affixes(now, AGENT, "bench.find", "ok", "bench")
    params: dict[str, Any] = {
        **statement.params,
        "audit_at": now,
        "audit_actor": AGENT,
        "audit_action": "bench.find",
        "audit_detail": "bench",
        "audit_head": head,
        "audit_tail": tail,
    }
    started = time.perf_counter()
    if kind == "role, then the listing":
        conn.execute(for_driver(unit._ROLE_OF, "pyformat"), {"user": AGENT}).fetchall()
        sql = unit._LISTED_AND_AUDITED.replace("{listing}", statement.sql())
    else:
        sql = unit._ROLE_CHECKED.replace("{listing}", statement.sql())
        params["audit_roles"] = sorted(PERMISSION_TABLE[Permission.VIEW_BASIC])
    with conn.pipeline():
        conn.execute("BEGIN")
        cursor = conn.execute(for_driver(sql, "pyformat"), params)
        conn.execute("ROLLBACK")
    cursor.fetchall()
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
