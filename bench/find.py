"""`/customer find` and `/customer show` next to `/customer help` over signed HTTP.

    .venv/bin/python bench/find.py --customers 1000000 --engine sqlite
    .venv/bin/python bench/find.py --customers 1000000 --engine postgresql

Builds (once; reused while it exists) a register of N generated customers with contacts and
service users, starts `regbot serve`, then sends the three commands interleaved, one at a
time, and times each from the signed POST to the reply arriving at the response URL. By
default every find text is sent twice, so each kind of find weighs what it does in the mix,
after a warm-up that sends each once (with help and a show), so that the server measured is
in its steady state: on PostgreSQL each kind of find's statement is planned on its first ten
runs on a connection (psycopg prepares it at the sixth; the server plans a prepared statement
for its values five times before it keeps a plan). `--warmup N` sends N random finds instead
(the figures before the last session of 4 December had 20, without the shows).

The commands come from a bootstrap admin of the settings (`REGBOT_ADMINS`), whose role no
command reads from the database, so that help is the framework's floor; `--actor agent` sends
them as an agent of the staff table (`regbot staff grant`), as most staff are, whose role
help and find each read.

`--kinds number` (or any of bid, email, phone, fragment, words, comma-separated) sends only
finds of those kinds, and `--workers 1` runs the server with one worker, whose pid it prints,
for a profiler to attach to (docs/benchmarks-log/find.md, "Where an identifier find's extra
time goes").

`--floor` runs the experiment `bench/experiments/floor_serve.py` instead, whose find takes the
real find's path to the database but asks it only `SELECT 1`, appends no audit link and answers
a fixed line: what a find costs next to help before its own statements (docs/BENCHMARKS.md,
"find against help"; docs/benchmarks-log/find-against-help.md, "What one round trip costs").
"""

from __future__ import annotations

import argparse
import random
import statistics

from common import (
    ADMIN,
    WORK,
    Client,
    ReplyCatcher,
    create_database,
    database_exists,
    database_url,
    process_tree,
    run_regbot,
    running_server,
    summary,
)
from generate import add_extras, write_customers
from sqlalchemy import create_engine, func, select

from storage.models import ContactPerson, Customer

# A staff member whose role the staff table gives (`--actor agent`).
AGENT = "UBENCHAGENT"


def build(url: str, count: int) -> None:
    csv = WORK / f"customers-{count}.csv"
    if not csv.exists():
        write_customers(csv, count, seed=7)
    create_database(url)
    seconds = run_regbot(["import", "customers", str(csv)], url)
    print(f"imported {count} customers in {seconds:.1f} s ({count / seconds:.0f} rows/s)")
    add_extras(url, seed=7)


def queries(url: str, rng: random.Random) -> tuple[list[str], list[str]]:
    """Find texts of every kind (name words, fragments, IDs, phone, e-mail, contact) and REFs."""
    engine = create_engine(url)
    with engine.connect() as conn:
        top = conn.execute(select(func.max(Customer.number))).scalar_one()
        picks = [rng.randrange(10001, top) for _ in range(40)]
        rows = conn.execute(
            select(
                Customer.number, Customer.name, Customer.business_id, Customer.phone, Customer.email
            ).where(Customer.number.in_(picks))
        ).all()
        contact = conn.execute(select(ContactPerson.name).limit(1)).scalar_one()
    engine.dispose()
    finds: list[str] = []
    for number, name, business_id, phone, email in rows:
        words = name.split()
        finds.append(" ".join(words[:2]).lower())  # "virtanen rakennus"
        finds.append(words[0][1:5])  # a fragment inside a word
        if business_id:
            finds.append(business_id.replace("-", ""))
        if phone:
            finds.append("0" + phone[4:])  # national format
        if email:
            finds.append(email)
        finds.append(str(number))
    finds += [contact, "oy", "rakennus oy"]
    shows = [str(number) for number, *_ in rows]
    return finds, shows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--rounds", type=int, default=0, help="default: every find text twice (the exact mix)"
    )
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--kinds", default="", help="only finds of these kinds, e.g. number")
    parser.add_argument("--workers", type=int, default=0, help="default: the server's own")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument(
        "--warmup", type=int, help="rounds before measuring (default: every find text once)"
    )
    parser.add_argument(
        "--actor", choices=("admin", "agent"), default="admin", help="who sends the commands"
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="find asks only SELECT 1 and answers a fixed line (bench/experiments/floor_serve.py)",
    )
    args = parser.parse_args()
    url = database_url(args.engine, f"regbench_{args.customers}")
    if args.rebuild or not database_exists(url):
        build(url, args.customers)
    else:
        run_regbot(["db", "upgrade"], url)  # a register built by an earlier commit
    user = ADMIN
    if args.actor == "agent":
        user = AGENT
        run_regbot(["staff", "grant", AGENT, "agent"], url)
    rng = random.Random(1)
    finds, shows = queries(url, rng)
    if args.kinds:
        kinds = set(args.kinds.split(","))
        finds = [text for text in finds if _kind(text) in kinds]
        if not finds:
            raise SystemExit(f"no find texts of the kinds {args.kinds}")
    rounds = args.rounds or 2 * len(finds)
    catcher = ReplyCatcher()
    timings: dict[str, list[float]] = {"help": [], "find": [], "show": []}
    per_find: dict[str, list[float]] = {}
    workers = ("--workers", str(args.workers)) if args.workers else ()
    module = "floor_serve" if args.floor else "bot"
    with running_server(url, threads=args.threads, args=workers, module=module) as (port, pid):
        if args.workers == 1:
            (worker,) = [each for each in process_tree(pid) if each != pid]
            print(f"server worker pid {worker}", flush=True)
        client = Client(port, catcher)
        # Warm-up: caches, connections, imports, and every kind of find's statement run on
        # each worker's connections often enough to be prepared and planned for good, as on
        # a server that has been up a while (PostgreSQL plans a statement ten times first).
        warmup = rng.sample(finds, len(finds)) if args.warmup is None else []
        warmup += [rng.choice(finds) for _ in range(args.warmup or 0)]
        for i, text in enumerate(warmup):
            client.command("/customer", "help", user)
            client.command("/customer", "find " + text, user)
            client.command("/customer", "show " + shows[i % len(shows)], user)
        for i in range(rounds):
            timings["help"].append(client.command("/customer", "help", user))
            text = finds[i % len(finds)]
            took = client.command("/customer", "find " + text, user)
            timings["find"].append(took)
            per_find.setdefault(_kind(text), []).append(took)
            show = "show " + shows[i % len(shows)]
            timings["show"].append(client.command("/customer", show, user))
        client.close()
    catcher.close()
    floor = " floor (find: one SELECT 1, a fixed line)" if args.floor else ""
    print(
        f"engine={args.engine} customers={args.customers} rounds={rounds} actor={args.actor}"
        + floor
    )
    for name, values in timings.items():
        print(f"  /customer {name:5s} {summary(values)}")
    help_median = statistics.median(timings["help"])
    for name in ("find", "show"):
        print(
            f"  {name} median / help median = {statistics.median(timings[name]) / help_median:.2f}"
        )
    for kind, values in sorted(per_find.items()):
        print(f"    find by {kind:9s} {summary(values)}")


def _kind(text: str) -> str:
    if "@" in text:
        return "email"
    if text.isdigit():
        return "number" if len(text) <= 7 else ("phone" if text.startswith("0") else "bid")
    if text.startswith("0") and text[1:].isdigit():
        return "phone"
    return "words" if " " in text else "fragment"


if __name__ == "__main__":
    main()
