"""A server's first search of several words, against its second, over signed HTTP.

    .venv/bin/python bench/experiments/first_find.py --engine sqlite --starts 10
    .venv/bin/python bench/experiments/first_find.py --engine postgresql --starts 10

A search of several words steers by samples of the names (bot/services/search.py); this
shows whether a server's first such search waits for them. Each start runs `regbot serve`
with one worker on the register `bench/find.py` built, waits a second, sends `/customer
help` (Bolt's first request) and then, for each of several two-word texts, the same find
twice. The medians over the starts are of the first find of a start and of the repeats.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import _bench_path  # noqa: F401 (puts bench/ on the path)
from common import Client, ReplyCatcher, database_exists, database_url, running_server, summary
from find import queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--starts", type=int, default=10)
    parser.add_argument("--texts", type=int, default=5, help="two-word texts per start")
    args = parser.parse_args()
    url = database_url(args.engine, f"regbench_{args.customers}")
    if not database_exists(url):
        raise SystemExit(f"no register at {url}: run bench/find.py first")
    finds, _ = queries(url, random.Random(1))
    words = [text for text in finds if " " in text and "oy" not in text.split()]
    catcher = ReplyCatcher()
    first: list[float] = []
    later_firsts: list[float] = []
    repeats: list[float] = []
    for start in range(args.starts):
        texts = random.Random(start).sample(words, args.texts)
        with running_server(url, args=("--workers", "1")) as (port, _pid):
            time.sleep(1.0)
            client = Client(port, catcher)
            client.command("/customer", "help")
            for i, text in enumerate(texts):
                took = client.command("/customer", "find " + text)
                (first if i == 0 else later_firsts).append(took)
                repeats.append(client.command("/customer", "find " + text))
            client.close()
    catcher.close()
    print(f"engine={args.engine} customers={args.customers} starts={args.starts}")
    print(f"  first two-word find of a start  {summary(first)}")
    print(f"  its other texts, first time     {summary(later_firsts)}")
    print(f"  each text again                 {summary(repeats)}")
    print(f"  first / again = {statistics.median(first) / statistics.median(repeats):.2f}")


if __name__ == "__main__":
    main()
