r"""`/customer find` by name, in one process: the find service's own time for each name text of
bench/find.py (and a few more), on its first run and repeated, and the rows it finds.

    .venv/bin/python bench/experiments/names.py --engine sqlite
    .venv/bin/python bench/experiments/names.py --engine sqlite --code /tmp/old \
        --rows /tmp/old.json
    .venv/bin/python bench/experiments/names.py --engine postgresql \
        --texts '["--", "kallio - rakennus"]'
    .venv/bin/python bench/experiments/names.py --engine postgresql --numbers 40 --repeat 10 \
        --actor agent

Runs on the register bench/find.py built. `--code DIR` loads regbot from DIR (a worktree of
another commit, `git worktree add /tmp/old COMMIT`) instead of this checkout, and `--rows
FILE` writes what each text found, so that two commits' answers can be compared with `cmp`.
`--numbers N` times finds by N customer numbers drawn at random instead, and `--actor agent`
finds as an agent of the staff table rather than as a bootstrap admin of the settings.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any, cast

# Texts beyond bench/find.py's: common words together, and short words alone.
EXTRA = ["virtanen rakennus", "matti virtanen", "kiinteistöpalvelu oy", "rakennus siivous", "oy ab"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--code", default=str(Path(__file__).resolve().parents[2]))
    parser.add_argument("--rows", help="write the rows each text found to this JSON file")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--numbers", type=int, default=0, help="time N finds by number instead")
    parser.add_argument("--actor", choices=("admin", "agent"), default="admin")
    parser.add_argument(
        "--texts",
        type=json.loads,
        help='time these texts instead, each on a line of its own: a JSON list, \'["--", "oy"]\'',
    )
    args = parser.parse_args()
    # regbot's packages from --code, before `common` puts this checkout first on the path.
    sys.path.insert(0, str(Path(args.code).resolve()))
    from bot.app import build_services  # noqa: I001 (this order)
    from bot.config import load_settings
    import _bench_path  # noqa: F401 (puts bench/ on the path)
    from common import ADMIN, database_exists, database_url
    from find import AGENT, _kind, queries
    from storage.db import make_engine

    url = database_url(args.engine, f"regbench_{args.customers}")
    if not database_exists(url):
        raise SystemExit("build the register first: bench/find.py --customers N --engine E")
    finds, _ = queries(url, random.Random(1))
    texts = args.texts or (
        list(dict.fromkeys(t for t in finds if _kind(t) in ("words", "fragment"))) + EXTRA
    )
    if args.numbers:
        texts = [
            str(number) for number in random.Random(2).sample(range(10001, 990_000), args.numbers)
        ]
    settings = load_settings(database_url=url, admins=ADMIN, reminder_channel="CREMIND")
    services = build_services(settings, engine=make_engine(url))
    actor = ADMIN
    if args.actor == "agent":
        actor = AGENT
        services.staff.grant(ADMIN, AGENT, "agent")
    services.customers.find(actor, "10001")  # connections and imports
    found: dict[str, object] = {}
    first: dict[str, float] = {}
    again: dict[str, float] = {}
    for text in texts:
        started = time.perf_counter()
        result = services.customers.find(actor, text)
        first[text] = (time.perf_counter() - started) * 1000
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            result = services.customers.find(actor, text)
            times.append((time.perf_counter() - started) * 1000)
        again[text] = statistics.median(times)
        found[text] = [result.total, result.capped, [hit.number for hit in result.hits]]
    if args.rows:
        Path(args.rows).write_text(json.dumps(found, ensure_ascii=False, indent=0))
    print(f"engine={args.engine} code={args.code} texts={len(texts)} actor={args.actor}")
    if args.numbers:
        print(
            f"  finds by number: first run median {statistics.median(first.values()):.3f} ms,"
            f" again median {statistics.median(again.values()):.3f} ms"
        )
        return
    if args.texts:
        for text in texts:
            total, capped, _ = cast("list[Any]", found[text])
            count = f"{total}+" if capped else str(total)
            print(f"  {text!r:24s} again median {again[text]:8.2f} ms, found {count}")
        return
    groups = (
        ("one word", ("fragment",)),
        ("two or more words", ("words",)),
        ("every name text", None),
    )
    for label, kinds in groups:
        chosen = [t for t in texts if kinds is None or _kind(t) in kinds]
        slowest = sorted(chosen, key=again.__getitem__)[-2:]
        print(
            f"  {label:18s} first run median {statistics.median(first[t] for t in chosen):6.2f} ms"
            f", again median {statistics.median(again[t] for t in chosen):6.2f} ms"
            ", slowest again " + ", ".join(f"{t!r} {again[t]:.1f} ms" for t in reversed(slowest))
        )


if __name__ == "__main__":
    main()
