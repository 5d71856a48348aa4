"""What a write costs the next read on SQLite: find's statement for each text, run on one
connection in a read transaction of its own, with and without another connection writing a
row between the runs (as every command's audit link does).

    .venv/bin/python bench/experiments/page_cache.py
    .venv/bin/python bench/experiments/page_cache.py --texts '["510000", "virtanen rakennus"]'

Runs on the register bench/find.py built (SQLite). In WAL mode a connection that finds the
database changed since its last transaction empties its page cache, so the next statement
reads every page it needs from the file again. The written row goes to a table of its own,
dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import time
from collections import Counter

import _bench_path  # noqa: F401 (puts bench/ on the path)
from common import database_exists, database_url
from find import _kind, queries

from bot.services.search import _add_identifier_ways, _add_name_ways, _Sample, _Statement


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument(
        "--texts", type=json.loads, help="a JSON list (default: a text of each kind of find.py)"
    )
    parser.add_argument("--runs", type=int, default=41)
    args = parser.parse_args()
    url = database_url("sqlite", f"regbench_{args.customers}")
    if not database_exists(url):
        raise SystemExit("build the register first: bench/find.py --engine sqlite")
    path = url.removeprefix("sqlite:///")
    texts = args.texts
    if texts is None:
        finds, _ = queries(url, random.Random(1))
        texts = list({_kind(text): text for text in reversed(finds)}.values())
    reader = sqlite3.connect(path, isolation_level=None)
    writer = sqlite3.connect(path, isolation_level=None)
    for connection in (reader, writer):
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
    writer.execute("CREATE TABLE IF NOT EXISTS bench_page_cache (value INTEGER)")
    try:
        print(f"customers={args.customers} runs={args.runs} (medians)")
        for text in texts:
            sql, params = _statement(reader, text)
            quiet = _median(reader, sql, params, args.runs, None)
            written = _median(reader, sql, params, args.runs, writer)
            print(
                f"  {text[:24]!r:26s} no write between {quiet:6.3f} ms,"
                f" a write between {written:6.3f} ms ({written / quiet:.2f} x)"
            )
    finally:
        writer.execute("DROP TABLE bench_page_cache")


def _statement(reader: sqlite3.Connection, text: str) -> tuple[str, dict[str, object]]:
    """The statement whose rows find lists for `text`: by identifier if the text is one
    that names someone, else by name (`search.find_matches`)."""
    for add_ways in (_add_identifier_ways, _add_name_ways):
        statement = _Statement("sqlite", lambda _table: _Sample(0.0, False, Counter()))
        add_ways(statement, text)
        if statement.ways and reader.execute(statement.sql(), statement.params).fetchall():
            return statement.sql(), statement.params
    raise SystemExit(f"{text!r} finds no one")


def _median(
    reader: sqlite3.Connection,
    sql: str,
    params: dict[str, object],
    runs: int,
    writer: sqlite3.Connection | None,
) -> float:
    times = []
    for run in range(runs):
        if writer is not None:
            writer.execute("INSERT INTO bench_page_cache VALUES (?)", (run,))
        started = time.perf_counter()
        reader.execute("BEGIN")
        reader.execute(sql, params).fetchall()
        reader.execute("COMMIT")
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


if __name__ == "__main__":
    main()
