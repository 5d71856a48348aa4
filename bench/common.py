"""Shared pieces of the benchmarks: databases, a `regbot serve` subprocess, signed commands,
and a catcher for the replies regbot posts to Slack's response_url.

Everything listens on 127.0.0.1 only. Big files and databases live under /tmp/regbench.
"""

from __future__ import annotations

import http.client
import itertools
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bot.fake_slack.api import FakeSlack  # noqa: E402
from bot.fake_slack.wire import FORM_CONTENT_TYPE, command_body, signed_headers  # noqa: E402

WORK = Path(os.environ.get("REGBENCH_DIR", "/tmp/regbench"))  # noqa: S108
PG_BASE = os.environ.get(
    "REGBENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SECRET = "bench-signing-secret"  # noqa: S105 (a local benchmark secret)
ADMIN = "UBENCHADMIN"
PYTHON = sys.executable


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank)."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def summary(values: list[float]) -> str:
    """Median and p99 in milliseconds."""
    return (
        f"n={len(values)} median={statistics.median(values) * 1000:.1f} ms "
        f"p99={percentile(values, 99) * 1000:.1f} ms"
    )


def database_url(engine: str, name: str) -> str:
    """The URL of a named benchmark database (an SQLite file, or a PostgreSQL database)."""
    if engine == "sqlite":
        WORK.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{WORK / (name + '.db')}"
    return make_url(PG_BASE).set(database=name).render_as_string(hide_password=False)


def database_exists(url: str) -> bool:
    if url.startswith("sqlite"):
        return Path(make_url(url).database or "").exists()
    admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        found = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": make_url(url).database}
        ).first()
    admin.dispose()
    return found is not None


def create_database(url: str) -> None:
    """An empty, migrated register at `url` (dropped first if it exists)."""
    drop_database(url)
    if not url.startswith("sqlite"):
        admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{make_url(url).database}"'))
        admin.dispose()
    run_regbot(["db", "upgrade"], url)


def drop_database(url: str) -> None:
    if url.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm", "-turn"):
            Path((make_url(url).database or "") + suffix).unlink(missing_ok=True)
        return
    admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def regbot_env(url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REGBOT_", "SLACK_"))}
    env.update(
        REGBOT_DATABASE_URL=url,
        REGBOT_ADMINS=ADMIN,
        SLACK_BOT_TOKEN="xoxb-bench",  # noqa: S106 (fake Slack only)
        SLACK_SIGNING_SECRET=SECRET,
        REGBOT_LANGUAGE="en",
    )
    env.update(extra)
    return env


def run_regbot(args: list[str], url: str, **extra: str) -> float:
    """Run `regbot ARGS` against `url`; returns the wall time in seconds."""
    started = time.perf_counter()
    subprocess.run(
        [PYTHON, "-m", "bot", *args],
        env=regbot_env(url, **extra),
        cwd=WORK,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ReplyCatcher:
    """Receives what regbot posts to response URLs and notes when each arrived."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.bodies: dict[str, bytes] = {}
        self._events: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count()
        catcher = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                catcher._arrive(self.path, body)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"

    def new_url(self) -> str:
        with self._lock:
            path = f"/r/{next(self._ids)}"
            self._events[path] = threading.Event()
        return self.base + path

    def _arrive(self, path: str, body: bytes) -> None:
        with self._lock:
            self.arrived.setdefault(path, time.perf_counter())
            self.bodies.setdefault(path, body)
            event = self._events.get(path)
        if event is not None:
            event.set()

    def wait(self, url: str, timeout: float) -> float | None:
        path = url[len(self.base) :]
        event = self._events[path]
        if not event.wait(timeout):
            return None
        with self._lock:
            self._events.pop(path, None)
            return self.arrived.pop(path)

    def body(self, url: str) -> bytes:
        with self._lock:
            return self.bodies.pop(url[len(self.base) :], b"")

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class Client:
    """Signed slash commands over one keep-alive connection; timed to the posted reply."""

    def __init__(self, port: int, catcher: ReplyCatcher) -> None:
        self._port = port
        self._catcher = catcher
        self._conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def command(self, command: str, text_: str, user: str = ADMIN, timeout: float = 10) -> float:
        """Seconds from sending the POST to the reply arriving at the response URL."""
        url = self._catcher.new_url()
        body = command_body(command, text_, user_id=user, response_url=url)
        headers = signed_headers(body, SECRET, int(time.time()), FORM_CONTENT_TYPE)
        started = time.perf_counter()
        try:
            self._conn.request("POST", "/slack/events", body=body.encode(), headers=headers)
            response = self._conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            self._conn.close()
            self._conn = http.client.HTTPConnection("127.0.0.1", self._port, timeout=10)
            raise
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}")
        arrived = self._catcher.wait(url, timeout)
        if arrived is None:
            raise TimeoutError(f"no reply to {command} {text_!r} within {timeout}s")
        return arrived - started

    def close(self) -> None:
        self._conn.close()


@contextmanager
def running_server(
    url: str,
    *,
    threads: int = 8,
    fake: FakeSlack | None = None,
    args: tuple[str, ...] = (),
    module: str = "bot",
    **extra: str,
) -> Iterator[tuple[int, int]]:
    """`regbot serve` in a subprocess against a FakeSlack; yields (port, pid). `module` is
    what `python -m` runs: an experiment (`floor_serve`) is found in bench/experiments/."""
    port = free_port()
    with ExitStack() as stack:
        if fake is None:
            fake = stack.enter_context(FakeSlack())
        env = regbot_env(url, **{"SLACK_API_URL": fake.api_url, **extra})
        if module != "bot":
            env["PYTHONPATH"] = os.pathsep.join(
                filter(
                    None,
                    [str(Path(__file__).resolve().parent / "experiments"), env.get("PYTHONPATH")],
                )
            )
        log = (WORK / f"serve-{uuid.uuid4().hex[:6]}.log").open("w")
        process = subprocess.Popen(
            [PYTHON, "-m", module, "serve", "--port", str(port), "--threads", str(threads), *args],
            env=env,
            cwd=WORK,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_healthy(port, process)
            yield port, process.pid
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()


def _wait_healthy(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("regbot serve exited; see its log under " + str(WORK))
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("regbot serve did not become healthy")


def process_tree(pid: int) -> list[int]:
    """`pid` and its child processes (the workers of `regbot serve`), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process and its children have used so far (Linux /proc)."""
    total = 0.0
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def memory_mb(pid: int) -> tuple[float, float]:
    """Resident memory of the process and its children in MB: the sum of their RSS (which
    counts pages the workers share with the master once per process) and of their PSS
    (which splits each shared page among its sharers, so it adds up to the real use)."""
    rss = pss = 0.0
    for member in process_tree(pid):
        try:
            rollup = Path(f"/proc/{member}/smaps_rollup").read_text()
        except OSError:
            continue
        for line in rollup.splitlines():
            if line.startswith("Rss:"):
                rss += int(line.split()[1]) / 1024
            elif line.startswith("Pss:"):
                pss += int(line.split()[1]) / 1024
    return rss, pss
