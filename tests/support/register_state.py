"""What a test needs to check that a command changed nothing: a snapshot of every table, and a
helper that sends a slash command and returns whatever Slack would show (reply or modal)."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, MetaData, select

from bot.fake_slack.api import RESPONSE_URL_METHOD
from storage.models import Base
from tests.conftest import RunningApp, message_text

# Refusals append to the audit chain; everything else must stay exactly as it was.
AUDIT_TABLES = frozenset({"audit_event", "audit_head"})

Snapshot = dict[str, list[tuple[Any, ...]]]

# Case counts reported at the end of the run (see pytest_terminal_summary in tests/conftest.py).
CASES: Counter[str] = Counter()
_cases_lock = threading.Lock()


def count_case(kind: str, n: int = 1) -> None:
    """Add to the number of generated cases of one kind."""
    with _cases_lock:
        CASES[kind] += n


def snapshot(engine: Engine, *, skip: frozenset[str] = AUDIT_TABLES) -> Snapshot:
    """Every row of every table but the audit chain, in a stable order."""
    metadata: MetaData = Base.metadata
    state: Snapshot = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            if table.name in skip:
                continue
            rows = conn.execute(select(table)).all()
            state[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return state


def changed_tables(before: Snapshot, after: Snapshot) -> list[str]:
    """Names of the tables whose rows differ."""
    return [name for name in before if before[name] != after.get(name)]


@dataclass(frozen=True)
class Shown:
    """What Slack would show for one command: an ephemeral reply, or a modal that opened."""

    status: int
    reply: dict[str, Any] | None
    modal: dict[str, Any] | None

    @property
    def text(self) -> str:
        """The visible text of the reply (or of the modal's blocks)."""
        if self.reply is not None:
            return message_text(self.reply)
        return message_text(self.modal or {})

    @property
    def refused(self) -> bool:
        """Whether the reply is an error or refusal sentence."""
        return self.reply is not None and self.text.lstrip().startswith(":warning:")


def send(app: RunningApp, command: str, text: str, user: str, timeout: float = 5.0) -> Shown:
    """Send a signed slash command and wait for its reply or for the modal it opens."""
    trigger = app.fake.new_trigger_id()
    result = app.slack.command(command, text, user, trigger_id=trigger)
    if result.status != 200:
        return Shown(result.status, None, None)
    if result.body.strip():
        acked = result.json()
        return Shown(200, acked if isinstance(acked, dict) else {"text": result.text}, None)
    url = result.response_url

    def arrived(call: Any) -> bool:
        if call.method == RESPONSE_URL_METHOD:
            return bool(call.params.get("_url") == url)
        return bool(call.method == "views.open" and call.params.get("trigger_id") == trigger)

    call = app.fake.wait_for("*", timeout=timeout, predicate=arrived)[0]
    if call.method == "views.open":
        return Shown(200, None, call.params["view"])
    return Shown(200, {k: v for k, v in call.params.items() if k != "_url"}, None)
