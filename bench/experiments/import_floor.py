"""What SQLite itself needs to store N imported customers: the floor under `import customers`.

    .venv/bin/python bench/experiments/import_floor.py --customers 200000

Writes, into a fresh register, exactly the rows an import of the generated CSV writes for new
customers (the customer row and its search-index entry, its given fields' history as one
packed row, one audit link), from tuples prepared beforehand, with the statements the import
uses, in one transaction: no parsing, no validation, no Python per row while the clock runs.
The time is what this schema costs on this machine, whatever the code in front of it does.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import sqlite3
import time
from collections.abc import Iterator

import _bench_path  # noqa: F401 (puts bench/ on the path)
from common import WORK, create_database, database_url, drop_database
from generate import write_customers

from bot.domain import field_history
from bot.domain.customer_fields import CUSTOMER_FIELDS
from bot.domain.text import fold

BATCH = 2000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument(
        "--defer-indexes",
        default="",
        metavar="NAMES",
        help="the customer table's indexes (comma-separated, or 'all') to drop first and"
        " create again before COMMIT",
    )
    parser.add_argument(
        "--search-index",
        choices=("per-batch", "rebuild"),
        default="per-batch",
        help="feed the trigram index batch by batch, or rebuild it once before COMMIT",
    )
    args = parser.parse_args()
    path = WORK / f"customers-{args.customers}.csv"
    if not path.exists():
        write_customers(path, args.customers, seed=7)
    url = database_url("sqlite", "regbench_floor")
    create_database(url)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    now = "2026-12-02 10:00:00.000000"
    fields = [f for f in CUSTOMER_FIELDS if f in rows[0]]
    customers = [
        (
            i + 1,
            10001 + i,
            r["kind"] or "company",
            r["name"],
            fold(r["name"]),
            r["business_id"] or None,
            r["email"] or None,
            r["phone"] or None,
            r["street"] or None,
            r["postal_code"] or None,
            r["city"] or None,
            r["country"] or "FI",
            r["language"] or "fi",
            now,
            now,
        )
        for i, r in enumerate(rows)
    ]
    history = [
        (
            now,
            "import",
            c[0],
            c[0],
            field_history.PACKED,
            field_history.pack({f: r[f] for f in fields if r[f]}),
        )
        for c, r in zip(customers, rows, strict=True)
    ]
    links = [
        (10**6 + i, now, "import", "customer.create", "ok", c[1], "import", "0" * 64, "1" * 64)
        for i, c in enumerate(customers)
    ]
    history_sql = (
        "INSERT INTO field_change (at, actor, customer_id, entity, entity_id, field, old_value,"
        " new_value, source) VALUES (?, ?, ?, 'customer', ?, ?, NULL, ?, 'import')"
    )
    database = str(WORK / "regbench_floor.db")
    conn = sqlite3.connect(database, isolation_level=None)
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(f"PRAGMA cache_size=-{512 * 1024}")
    # The checkpoint that would follow COMMIT is timed on its own (same PASSIVE kind).
    conn.execute("PRAGMA wal_autocheckpoint=0")
    names = ("customer", "search index", "history", "audit", "indexes", "commit", "checkpoint")
    # Wall and CPU seconds (this process's user + system time: what other work on a shared
    # machine disturbs least) of each part.
    wall = dict.fromkeys(names, 0.0)
    cpu = dict.fromkeys(names, 0.0)

    @contextlib.contextmanager
    def timed(name: str) -> Iterator[None]:
        wall_began, cpu_began = time.perf_counter(), time.process_time()
        yield
        wall[name] += time.perf_counter() - wall_began
        cpu[name] += time.process_time() - cpu_began

    started, cpu_started = time.perf_counter(), time.process_time()
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("DROP TRIGGER customer_fts_ai")
    deferred = []
    if args.defer_indexes:
        wanted = set(args.defer_indexes.split(","))
        deferred = [
            (name, sql)
            for name, sql in conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
                " AND tbl_name = 'customer' AND sql IS NOT NULL"
            )
            if "all" in wanted or name in wanted
        ]
        for name, _ in deferred:
            conn.execute(f"DROP INDEX {name}")
    per_batch = args.search_index == "per-batch"
    for start in range(0, len(customers), BATCH):
        batch = slice(start, start + BATCH)
        for name, sql, values in (
            (
                "customer",
                "INSERT INTO customer (id, number, kind, name, name_search, business_id, email,"
                " phone, street, postal_code, city, country, language, status,"
                " marketing_opt_out, created_at, updated_at) VALUES"
                " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', 0, ?, ?)",
                customers[batch],
            ),
            (
                "search index",
                "INSERT INTO customer_fts (rowid, name_search) VALUES (?, ?)",
                [(c[0], c[4]) for c in customers[batch]] if per_batch else [],
            ),
            ("history", history_sql, history[batch]),
            (
                "audit",
                "INSERT INTO audit_event (seq, at, actor, action, outcome, customer_number,"
                " detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                links[batch],
            ),
        ):
            with timed(name):
                conn.executemany(sql, values)
    if not per_batch:
        with timed("search index"):
            conn.execute("INSERT INTO customer_fts (customer_fts) VALUES ('rebuild')")
    with timed("indexes"):
        for _, sql in deferred:
            conn.execute(sql)
    with timed("commit"):
        conn.execute("COMMIT")
    with timed("checkpoint"):
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    total, total_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    conn.close()
    drop_database(url)
    count = len(customers)
    print(
        f"floor: {count} customers in {total:.1f} s = {count / total:.0f} rows/s"
        f" (CPU {total_cpu:.1f} s = {count / total_cpu:.0f} rows per CPU second)"
    )
    for name in names:
        print(
            f"  {name:12s} {wall[name]:6.2f} s  {wall[name] / count * 1e6:5.1f} µs/customer"
            f"  (CPU {cpu[name] / count * 1e6:5.1f} µs)"
        )


if __name__ == "__main__":
    main()
