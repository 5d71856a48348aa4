"""Sustained load: signed commands per second for 60 s, with p99, errors and resident memory.

    .venv/bin/python bench/load.py --engine sqlite --customers 1000000 --clients 16 --seconds 60

Uses the register bench/find.py builds (run that first). `--clients` threads each send signed
commands (a mix of find, show and help) one after another, each waiting for its reply at the
response URL, so the rate is what the server sustains with that many requests in flight.
RSS of the server is sampled before the load (idle, after a warm-up) and every half second.
"""

from __future__ import annotations

import argparse
import random
import threading
import time

from common import (
    Client,
    ReplyCatcher,
    cpu_seconds,
    database_exists,
    database_url,
    memory_mb,
    running_server,
    summary,
)
from find import queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--listener-threads", type=int, default=4)
    parser.add_argument("--db-pool", type=int, default=8)
    args = parser.parse_args()
    url = database_url(args.engine, f"regbench_{args.customers}")
    if not database_exists(url):
        raise SystemExit("build the register first: bench/find.py --customers N --engine E")
    finds, shows = queries(url, random.Random(2))
    mix = [("find " + f) for f in finds] + [("show " + s) for s in shows] + ["help"] * 20
    catcher = ReplyCatcher()
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    server_args = (
        "--workers",
        str(args.workers),
        "--listener-threads",
        str(args.listener_threads),
        "--db-pool",
        str(args.db_pool),
    )
    with running_server(url, threads=args.threads, args=server_args) as (port, pid):
        warm = Client(port, catcher)
        for text in mix[:30]:
            warm.command("/customer", text)
        warm.close()
        time.sleep(1)
        idle = memory_mb(pid)
        cpu_before, own_before = cpu_seconds(pid), time.process_time()
        stop = time.monotonic() + args.seconds
        peak = [idle]

        def worker(seed: int) -> None:
            rng = random.Random(seed)
            client = Client(port, catcher)
            while time.monotonic() < stop:
                text = rng.choice(mix)
                try:
                    took = client.command("/customer", text, timeout=10)
                except Exception as exc:  # every failure counts as an error of the run
                    with lock:
                        errors.append(type(exc).__name__ + ": " + str(exc)[:80])
                    continue
                with lock:
                    latencies.append(took)
            client.close()

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.clients)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        while any(t.is_alive() for t in threads):
            peak.append(memory_mb(pid))
            time.sleep(0.5)
        elapsed = time.monotonic() - started
        server_cpu, client_cpu = cpu_seconds(pid) - cpu_before, time.process_time() - own_before
    catcher.close()
    print(
        f"engine={args.engine} customers={args.customers} clients={args.clients} "
        f"workers={args.workers} threads={args.threads} "
        f"listener threads={args.listener_threads} "
        f"db pool={args.db_pool} for {elapsed:.0f} s"
    )
    print(
        f"  {len(latencies) / elapsed:.0f} commands/s, {summary(latencies)}, errors={len(errors)}"
    )
    print(
        f"  server memory (all processes) idle: RSS {idle[0]:.0f} MB, PSS {idle[1]:.0f} MB; "
        f"peak under load: RSS {max(p[0] for p in peak):.0f} MB, "
        f"PSS {max(p[1] for p in peak):.0f} MB"
    )
    done = max(len(latencies), 1)
    print(
        f"  CPU per command: server {server_cpu / done * 1000:.2f} ms, "
        f"load generator {client_cpu / done * 1000:.2f} ms "
        f"(server {server_cpu / elapsed:.2f} cores, load generator {client_cpu / elapsed:.2f})"
    )
    for error in sorted(set(errors))[:5]:
        print("  error:", error)


if __name__ == "__main__":
    main()
