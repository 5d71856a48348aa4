"""The query plan of every SELECT the command paths run, flagged where a big table is scanned.

    .venv/bin/python bench/explain.py --engine sqlite --customers 1000000

Runs the services behind find (every kind of query), show, history, comms list, audit by
customer, dsr list, the reminder sweep (planning) and App Home on the register bench/find.py
built, captures the SQL they send (through SQLAlchemy, and find's hand-written statements,
which go to the driver's cursor directly), and asks the engine for each statement's plan with
the same parameters and planner settings (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on
PostgreSQL). A line is flagged when it scans a whole table other than the small ones
(counter, audit_head, staff_member): as a full scan, or, where find chose to scan for a
common trigram in order (`search._scan_pays`), as a scan by choice.
"""

from __future__ import annotations

import argparse
import random
import re
from typing import Any

from common import ADMIN, database_exists, database_url
from find import queries
from sqlalchemy import event

from bot.app import build_services
from bot.config import load_settings
from bot.services.looking import Look
from storage.db import make_engine, reading_engine
from storage.raw import for_driver

SMALL = ("counter", "audit_head", "staff_member", "notification")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--all", action="store_true", help="print every plan, not only flags")
    args = parser.parse_args()
    url = database_url(args.engine, f"regbench_{args.customers}")
    if not database_exists(url):
        raise SystemExit("build the register first: bench/find.py --customers N --engine E")
    finds, shows = queries(url, random.Random(3))
    engine = make_engine(url)
    settings = load_settings(database_url=url, admins=ADMIN, reminder_channel="CREMIND")
    services = build_services(settings, engine=engine)
    # (label, statement, parameters, sequential scans off, a scan in order chosen)
    captured: list[tuple[str, str, Any, bool, bool]] = []
    label = ["?"]

    def capture(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            captured.append((label[0], statement, params, False, False))

    # Reading use cases on SQLite run on an engine of their own (storage.db.reading_engine).
    watched = [e for e in (engine, reading_engine(engine)) if e is not None]
    for each in watched:
        event.listen(each, "before_cursor_execute", capture)

    read = Look.read_listed

    def capture_find(look: Look, statements: Any, action: str, detail: str) -> Any:
        """find's statements, which go to the driver (`Look`), with their planner setting."""
        no_seqscan = any(sql.startswith("SET LOCAL enable_seqscan") for sql, _ in statements)
        # search._scan_pays: a trigram in one name in twenty or more, scanned for in order.
        chosen = any(sql.startswith("SET LOCAL synchronize_seqscans") for sql, _ in statements)
        for sql, params in statements:
            if sql.startswith(("SELECT", "WITH")):
                statement = for_driver(sql, engine.dialect.paramstyle)
                captured.append((label[0], statement, params, no_seqscan, chosen))
        return read(look, statements, action, detail)

    Look.read_listed = capture_find  # type: ignore[method-assign,assignment]
    look_run = Look.run

    def capture_run(look: Look, sql: str, params: Any) -> Any:
        """The other statements a `Look` runs: the role's, the sample of names a search of
        several words takes (`search._sample_of`)."""
        if sql.startswith(("SELECT", "WITH")):
            statement = for_driver(sql, engine.dialect.paramstyle)
            captured.append((label[0], statement, params, False, False))
        return look_run(look, sql, params)

    Look.run = capture_run  # type: ignore[method-assign, assignment]

    def run(name: str, call: Any) -> None:
        label[0] = name
        try:
            call()
        except Exception as exc:  # a refusal or "not found" still ran its queries
            print(f"  ({name}: {type(exc).__name__})")

    for text_ in [
        *finds[:12],
        "oy",
        "rakennus oy",
        "ab",
        "oy ab",
        "ky oy ka",
        "oy k",
        "virtanen rakennus",
    ]:
        run(f"find {text_}", lambda t=text_: services.customers.find(ADMIN, t))
    ref = shows[0]
    run("show", lambda: services.customers.show(ADMIN, ref))
    run("history", lambda: services.customers.history(ADMIN, ref))
    run("comms list", lambda: services.comms.list(ADMIN, ref))
    run("audit", lambda: services.audit.for_customer(ADMIN, ref))
    for which in ("open", "overdue", "mine", "all"):
        run(f"dsr list {which}", lambda w=which: services.requests.list(ADMIN, w))
    run("sweep", lambda: services.reminders.sweep(dry_run=True))
    run("home", lambda: services.home.overview(ADMIN))
    run("home requests", lambda: services.requests.home(ADMIN))
    for each in watched:
        event.remove(each, "before_cursor_execute", capture)
    Look.read_listed = read  # type: ignore[method-assign]
    Look.run = look_run  # type: ignore[method-assign]

    flagged = by_choice = 0
    with engine.connect() as conn:
        for name, statement, params, no_seqscan, chosen in captured:
            plan = _plan(conn, args.engine, statement, params, no_seqscan)
            scans = [line for line in plan if _full_scan(line)]
            flagged += bool(scans) and not chosen
            by_choice += bool(scans) and chosen
            if args.all or scans:
                flag = ("SCAN BY CHOICE " if chosen else "FULL SCAN ") if scans else ""
                print(f"{flag}[{name}] {' '.join(statement.split())[:160]}")
                for line in plan:
                    print("    " + line)
    print(
        f"{len(captured)} statements checked, {flagged} with a full scan of a large table,"
        f" {by_choice} scanning in order by choice (search._scan_pays: a trigram in one name"
        " in twenty or more, so the scan meets 101 matches within a few hundred rows)"
    )
    engine.dispose()


def _plan(conn: Any, engine: str, statement: str, params: Any, no_seqscan: bool) -> list[str]:
    raw = conn.connection.driver_connection
    cursor = raw.cursor()
    if engine == "sqlite":
        cursor.execute("EXPLAIN QUERY PLAN " + statement, params)
        return [row[3] for row in cursor.fetchall()]
    cursor.execute(f"SET enable_seqscan = {'off' if no_seqscan else 'on'}")
    cursor.execute("EXPLAIN " + statement, params)
    return [row[0] for row in cursor.fetchall()]


def _full_scan(line: str) -> bool:
    words = line.replace("->", " ").split()
    if "SCAN" in words:  # SQLite: "SCAN t" is a full scan; "SCAN t USING INDEX" reads an index
        table = words[words.index("SCAN") + 1]
        virtual = "VIRTUAL" in words
        return (
            not virtual
            and "INDEX" not in words
            and table not in SMALL
            and not table.startswith(("(", "anon", "CONSTANT"))
            # find's own common table expressions and subqueries (bot/services/search.py)
            and not re.fullmatch(r"ways|best|b|w\d+", table)
        )
    if "Seq" in words and "Scan" in words:  # PostgreSQL
        table = words[words.index("on") + 1] if "on" in words else ""
        # The planner's choice for a table its statistics say is empty: nothing to read.
        empty = "(cost=0.00..0.00" in line
        return table not in SMALL and not empty
    return False


if __name__ == "__main__":
    main()
