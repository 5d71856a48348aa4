"""Three `regbot serve` processes on one PostgreSQL, under load, with sweeps at the same moment:
every reminder is delivered once, and no write is lost or duplicated (issue #6)."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.domain.permissions import Role
from bot.fake_slack.api import FakeSlack
from bot.services import Services
from bot.services.staff import grant_role
from storage.models import Customer, FieldChange, Notification
from tests.conftest import ADMIN, BOT_TOKEN, SIGNING_SECRET
from tests.support.slack_client import SignedSlackClient

pytestmark = pytest.mark.postgres

CHANNEL = "C0REMIND"
AGENTS = ("UAGENT0001", "UAGENT0002", "UAGENT0003")
INSTANCES = 3
CREATES_PER_CLIENT = 8
CLIENTS = 6


@pytest.fixture
def postgres_url(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("several instances share one PostgreSQL")
    return database_url


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(url: str, fake: FakeSlack) -> dict[str, str]:
    fake.join(CHANNEL)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REGBOT_", "SLACK_"))}
    env.update(
        REGBOT_DATABASE_URL=url,
        REGBOT_ADMINS=ADMIN,
        REGBOT_REMINDER_CHANNEL=CHANNEL,
        REGBOT_LANGUAGE="en",
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.api_url,
    )
    return env


def _wait_healthy(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    while time.monotonic() < deadline:
        assert process.poll() is None, "regbot serve exited early"
        try:
            with opener.open(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            threading.Event().wait(0.1)
    raise AssertionError("regbot serve did not become healthy")


@pytest.fixture
def instances(postgres_url: str, fake_slack: FakeSlack, tmp_path: Path) -> Iterator[list[int]]:
    """Three `python -m bot serve` processes (with their schedulers) on one database."""
    ports = [_free_port() for _ in range(INSTANCES)]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--port", str(port), "--threads", "4"],
            env=_env(postgres_url, fake_slack),
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        for port, process in zip(ports, processes, strict=True):
            _wait_healthy(port, process)
        yield ports
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def _due_requests(services: Services) -> list[int]:
    """One request per agent, due within the week, plus one unassigned."""
    with services.context.transaction("test") as tx:
        for agent in AGENTS:
            grant_role(tx, agent, Role.AGENT)
    numbers = []
    received = dt.date.today() - dt.timedelta(days=27)
    for index, assignee in enumerate((*AGENTS, None)):
        customer = services.customers.create(ADMIN, {"name": f"Muistutus {index} Oy"}).number
        created = services.requests.create(ADMIN, str(customer), "access", received=received)
        if assignee is not None:
            services.requests.assign(ADMIN, created.summary.number, assignee)
        numbers.append(created.summary.number)
    return numbers


def test_three_instances_under_load_send_each_reminder_once_and_lose_no_write(
    instances: list[int],
    services: Services,
    fake_slack: FakeSlack,
    postgres_url: str,
    tmp_path: Path,
) -> None:
    _due_requests(services)
    before = services.audit.verify().checked
    errors: list[BaseException] = []

    def client(index: int) -> None:
        port = instances[index % INSTANCES]
        slack = SignedSlackClient(
            f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET, fake=fake_slack
        )
        try:
            for j in range(CREATES_PER_CLIENT):
                reply = slack.command_reply("/customer", f'new name="Kuorma {index}-{j} Oy"', ADMIN)
                assert "Created customer" in str(reply), reply
                slack.command_reply("/customer", f"find kuorma {index}-{j}", ADMIN)
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    # Load on all three instances while three sweeps start at the same moment.
    load = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in load:
        thread.start()
    sweeps = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "remind"],
            env=_env(postgres_url, fake_slack),
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(3)
    ]
    for thread in load:
        thread.join()
    assert [sweep.wait(timeout=60) for sweep in sweeps] == [0, 0, 0]
    assert errors == []

    # Each reminder exactly once: one digest in the channel, one DM per assignee.
    posts = [c for c in fake_slack.calls_to("chat.postMessage") if not c.failed]
    targets = sorted(str(c.params.get("channel")) for c in posts)
    assert targets == sorted([CHANNEL, *AGENTS])
    with services.context.sessions() as session:
        statuses = session.execute(select(Notification.status)).scalars().all()
        assert sorted(statuses) == ["sent"] * (1 + len(AGENTS))
        # No lost or duplicated writes: every create landed once, with its own number.
        names = session.execute(
            select(Customer.name).where(Customer.name.like("Kuorma %"))
        ).scalars()
        assert sorted(names) == sorted(
            f"Kuorma {i}-{j} Oy" for i in range(CLIENTS) for j in range(CREATES_PER_CLIENT)
        )
        numbers = session.execute(select(Customer.number).order_by(Customer.number)).scalars()
        total = CLIENTS * CREATES_PER_CLIENT + len(AGENTS) + 1
        assert list(numbers) == list(range(10001, 10001 + total))
        history = session.execute(
            select(func.count()).where(FieldChange.field == "name")
        ).scalar_one()
        assert history == total
    report = services.audit.verify()
    assert report.ok
    # Every command wrote its audit links to the one chain: creates, finds (one per hit), sweeps.
    assert report.checked > before + CLIENTS * CREATES_PER_CLIENT * 2
