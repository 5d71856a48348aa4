"""Posting a reply to a response URL: Bolt's `respond()` against regbot's `PooledRespond`.

    .venv/bin/python bench/experiments/replies.py --posts 500

A catcher runs in a process of its own (HTTP/1.1, and HTTPS with a self-signed certificate
made by `openssl`, as `hooks.slack.com` is reached over TLS); this process posts a find's
reply (ten result blocks) `--posts` times each way, one after another, and reports the
median and p99 of each post and this process's CPU time per post (the poster's own cost:
the catcher's is in its own process).
"""

from __future__ import annotations

import argparse
import ssl
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import _bench_path  # noqa: F401 (puts bench/ on the path)
from common import PYTHON, WORK, percentile
from slack_bolt import Respond

from handlers.replies import PooledRespond, ReplyPoster

_CATCHER = r"""
import ssl, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass

server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
if len(sys.argv) > 1:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[1], sys.argv[2])
    server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
"""

MESSAGE: dict[str, Any] = {
    "text": "17 match(es) for “oy”",
    "response_type": "ephemeral",
    "blocks": [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"*1000{i}*  Aalto Laaksonen Oy  ·  3230196-7"},
        }
        for i in range(10)
    ],
}


def certificate() -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made once under WORK."""
    cert, key = WORK / "replies-cert.pem", WORK / "replies-key.pem"
    if not cert.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30"),
                *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
                *("-addext", "subjectAltName=IP:127.0.0.1"),
            ],
            check=True,
            capture_output=True,
        )
    return cert, key


def measure(name: str, post: Any, posts: int) -> None:
    for _ in range(50):
        post()
    times: list[float] = []
    cpu = time.process_time()
    for _ in range(posts):
        began = time.perf_counter()
        response = post()
        times.append(time.perf_counter() - began)
        assert response.status_code == 200
    cpu_per_post = (time.process_time() - cpu) / posts
    print(
        f"  {name:28s} median {statistics.median(times) * 1e3:6.2f} ms"
        f"  p99 {percentile(times, 99) * 1e3:6.2f} ms  CPU {cpu_per_post * 1e3:5.2f} ms/post"
    )


def _bound(respond: Respond) -> Callable[[], Any]:
    return lambda: respond(**MESSAGE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=500)
    args = parser.parse_args()
    cert, key = certificate()
    for scheme in ("http", "https"):
        extra = [str(cert), str(key)] if scheme == "https" else []
        catcher = subprocess.Popen(
            [PYTHON, "-c", _CATCHER, *extra], stdout=subprocess.PIPE, text=True
        )
        try:
            assert catcher.stdout is not None
            port = int(catcher.stdout.readline())
            url = f"{scheme}://127.0.0.1:{port}/commands/T1/1/abc"
            context = ssl.create_default_context(cafile=str(cert))
            print(f"{scheme}:")
            bolt = Respond(response_url=url, ssl=context if scheme == "https" else None)
            poster = ReplyPoster(timeout=10, ssl_context=context)
            pooled = PooledRespond(poster, url)
            for _ in range(2):  # alternating, twice
                measure("Bolt's respond()", _bound(bolt), args.posts)
                measure("PooledRespond (kept)", _bound(pooled), args.posts)
            poster.close()
        finally:
            catcher.terminate()
            catcher.wait()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
