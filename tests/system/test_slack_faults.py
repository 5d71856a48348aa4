"""Slack failing on every outbound call kind (SPEC §5.4, §9): a 429 with a long Retry-After, a 5xx
and a timeout on replies, DMs and digests, views, permalinks and file uploads. Nothing crashes,
nothing is lost, no reminder is sent twice, and the operator sees exactly one clear log line per
failure, with no personal data in it."""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, delete, func, select

from bot.config import Settings
from bot.fake_slack.api import FakeSlack
from storage.models import Correspondence, Customer, Notification
from tests.conftest import ADMIN, RunningApp, running_app

CHANNEL = "C0FAULTS"
SECRETS = ("Vikasieto Oy", "vika@salainen.example", "401234567", "Hello from the customer")
CLIENT_TIMEOUT = 1.0
FAULTS = ["429", "500", "timeout"]


@pytest.fixture
def settings(settings: Settings, fake_slack: FakeSlack) -> Settings:
    fake_slack.join(CHANNEL)
    return settings.model_copy(update={"export_to_slack": True, "reminder_channel": CHANNEL})


@pytest.fixture
def app(settings: Settings, engine: Engine, fake_slack: FakeSlack) -> Iterator[RunningApp]:
    """The real app whose Slack client gives up after one second."""
    with running_app(settings, engine, fake_slack, slack_timeout=CLIENT_TIMEOUT) as running:
        yield running


class Capture(logging.Handler):
    """Every regbot log record at WARNING or above."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []
        self.changed = threading.Condition()

    def emit(self, record: logging.LogRecord) -> None:
        with self.changed:
            self.records.append(record)
            self.changed.notify_all()

    def wait(self, count: int, timeout: float = 10) -> list[logging.LogRecord]:
        with self.changed:
            self.changed.wait_for(lambda: len(self.records) >= count, timeout=timeout)
            return list(self.records)


@pytest.fixture
def logs() -> Iterator[Capture]:
    capture = Capture()
    logger = logging.getLogger("regbot")
    logger.addHandler(capture)
    unhandled: list[BaseException | None] = []
    previous = threading.excepthook
    threading.excepthook = lambda args: unhandled.append(args.exc_value)
    try:
        yield capture
    finally:
        threading.excepthook = previous
        logger.removeHandler(capture)
    assert unhandled == []


def inject(fake: FakeSlack, method: str, fault: str, times: int = 10) -> None:
    if fault == "429":
        fake.fail(method, status=429, retry_after=120, times=times)
    elif fault == "500":
        fake.fail(method, status=500, times=times)
    else:
        fake.delay(method, CLIENT_TIMEOUT + 1.5, times=times)


def seed(app: RunningApp) -> int:
    """A customer with personal data and an overdue request assigned to the admin."""
    services = app.services
    number = services.customers.create(
        ADMIN, {"name": SECRETS[0], "email": SECRETS[1], "phone": "0" + SECRETS[2]}
    ).number
    received = dt.date.today() - dt.timedelta(days=40)
    created = services.requests.create(ADMIN, str(number), "access", received=received)
    services.requests.assign(ADMIN, created.summary.number, ADMIN)
    # The announcement of the new request goes out at once; let it land before faults start.
    deadline = time.monotonic() + 10
    while pending(app) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not pending(app)
    app.fake.reset()
    with app.services.context.sessions() as session, session.begin():
        session.execute(delete(Notification))
    return number


def pending(app: RunningApp) -> int:
    with app.services.context.sessions() as session:
        return int(
            session.execute(
                select(func.count())
                .select_from(Notification)
                .where(Notification.status == "pending")
            ).scalar_one()
        )


def one_clean_line(logs: Capture, needle: str) -> None:
    """Exactly one warning about the failure, without a traceback or personal data."""
    records = logs.wait(1)
    time.sleep(0.2)  # let a second (unwanted) line arrive if there is one
    lines = [r.getMessage() for r in logs.records]
    assert len([line for line in lines if needle in line]) == 1, lines
    assert len(lines) == 1, lines
    assert all(r.exc_info is None for r in records), lines
    assert not any(secret in line for secret in SECRETS for line in lines), lines


def count(app: RunningApp, model: Any) -> int:
    with app.services.context.sessions() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


@pytest.mark.parametrize("fault", FAULTS)
def test_a_failed_reply_is_one_log_line_and_the_command_still_took_effect(
    app: RunningApp, logs: Capture, fault: str
) -> None:
    seed(app)
    inject(app.fake, "response_url", fault)
    result = app.slack.command("/customer", 'new name="Tallessa Oy"', ADMIN)
    assert result.status == 200
    one_clean_line(logs, "could not deliver a reply")
    assert count(app, Customer) == 2


@pytest.mark.parametrize("fault", FAULTS)
def test_failed_dms_and_digests_stay_queued_and_are_sent_once_later(
    app: RunningApp, logs: Capture, fault: str
) -> None:
    seed(app)
    inject(app.fake, "chat.postMessage", fault, times=4)
    report = app.services.reminders.sweep()
    assert report.sent == 0 and report.failed == 2
    lines = [r.getMessage() for r in logs.wait(2)]
    assert len(lines) == 2 and all("stays queued" in line for line in lines), lines
    assert not any(s in line for s in SECRETS for line in lines)
    with app.services.context.sessions() as session:
        rows = list(session.execute(select(Notification)).scalars())
        assert [r.status for r in rows] == ["pending", "pending"]
        for row in rows:  # the Retry-After has passed
            row.next_attempt_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        session.commit()
    app.fake.reset()
    assert app.services.reminders.sweep().sent == 2
    assert app.services.reminders.sweep().sent == 0
    posted = [c for c in app.fake.calls_to("chat.postMessage") if not c.failed]
    assert sorted(c.params["channel"] for c in posted) == sorted([CHANNEL, ADMIN])


def _views_open_for(app: RunningApp, kind: str) -> Callable[[], Any]:
    if kind == "/customer new":
        return lambda: app.slack.command("/customer", "new", ADMIN)
    payload = {
        "type": "message_action",
        "callback_id": "log_message",
        "trigger_id": app.fake.new_trigger_id(),
        "team": {"id": "T0DEMO", "domain": "demo"},
        "user": {"id": ADMIN, "name": "admin"},
        "channel": {"id": "C0SUPPORT", "name": "support"},
        "message": {"type": "message", "ts": "1700000000.000100", "text": SECRETS[3]},
        "message_ts": "1700000000.000100",
        "response_url": app.fake.response_url(),
        "api_app_id": "A0DEMO",
    }
    return lambda: app.slack.interaction(payload)


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("kind", ["/customer new", "shortcut"])
def test_a_modal_that_cannot_open_is_one_log_line(
    app: RunningApp, logs: Capture, fault: str, kind: str
) -> None:
    seed(app)
    inject(app.fake, "views.open", fault)
    assert _views_open_for(app, kind)().status == 200
    one_clean_line(logs, "could not open")


@pytest.mark.parametrize("fault", FAULTS)
def test_an_app_home_that_cannot_be_published_is_one_log_line(
    app: RunningApp, logs: Capture, fault: str
) -> None:
    seed(app)
    app.services.customers.show(ADMIN, "10001")
    inject(app.fake, "views.publish", fault)
    assert app.slack.event({"type": "app_home_opened", "user": ADMIN, "tab": "home"}).status == 200
    one_clean_line(logs, "could not publish the home view")


@pytest.mark.parametrize("fault", FAULTS)
def test_a_missing_permalink_still_stores_the_entry_once(
    app: RunningApp, logs: Capture, fault: str
) -> None:
    number = seed(app)
    inject(app.fake, "chat.getPermalink", fault)
    values = {
        "customer": {
            "customer": {"type": "external_select", "selected_option": {"value": str(number)}}
        },
        "channel": {"value": {"type": "static_select", "selected_option": {"value": "slack"}}},
        "direction": {"value": {"type": "radio_buttons", "selected_option": {"value": "in"}}},
        "summary": {"value": {"type": "plain_text_input", "value": SECRETS[3]}},
    }
    payload = {
        "type": "view_submission",
        "user": {"id": ADMIN},
        "team": {"id": "T0DEMO"},
        "api_app_id": "A0DEMO",
        "view": {
            "id": "V1",
            "type": "modal",
            "callback_id": "log_message_modal",
            "private_metadata": json.dumps(
                {
                    "channel": "C0SUPPORT",
                    "ts": "1700000000.000100",
                    "response_url": app.fake.response_url(),
                }
            ),
            "state": {"values": values},
        },
    }
    result = app.slack.interaction(payload)
    assert result.status == 200 and result.json()["response_action"] == "update"
    one_clean_line(logs, "could not get a message permalink")
    assert count(app, Correspondence) == 1


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("method", ["files.getUploadURLExternal", "files.completeUploadExternal"])
def test_a_failed_export_upload_keeps_the_export_and_is_one_log_line(
    app: RunningApp, logs: Capture, fault: str, method: str
) -> None:
    number = seed(app)
    inject(app.fake, method, fault)
    reply = app.reply_text("/customer", f"export {number}")
    assert "Exported" in reply or "export" in reply.lower(), reply
    assert "sent to your direct messages" not in reply
    one_clean_line(logs, "could not upload an export")
    assert list(app.application.settings.export_dir.glob("*.json"))
