"""Logs carry no personal data or secrets (STYLE 5, SPEC §6): a slice of every kind of traffic runs
with the production logging set-up (`bot.cli._logging`) and every record reaching the root logger
at DEBUG is checked for the synthetic names, e-mails, phone numbers, codes, tokens and hashes."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import QUIET_LOGGERS, _logging
from bot.config import Settings
from bot.fake_slack.api import FakeSlack
from bot.fake_slack.wire import picked_user
from storage.models import ServiceUser
from tests.conftest import ADMIN, BOT_TOKEN, SIGNING_SECRET, RunningApp

USAGE_TOKEN = "usage-token-hygiene-0123456789"
AGENT = "UHYGAGENT01"
NAME, EMAIL, PHONE = "Hygieeni Salaoja Oy", "salaoja@hygieeni.example", "040 765 4321"
PERSON, PERSON_EMAIL = "Pirkko Piilonen", "pirkko.piilonen@hygieeni.example"
PHONE_FORMS = ("0407654321", "+358407654321", "+358 40 7654321", "40 7654321", "765 4321")


@pytest.fixture
def settings(settings: Settings, tmp_path: Path, fake_slack: FakeSlack) -> Settings:
    fake_slack.join("C0HYGIENE")
    return settings.model_copy(
        update={
            "usage_token": USAGE_TOKEN,
            "reminder_channel": "C0HYGIENE",
            "export_to_slack": True,
            "erasure_journal": tmp_path / "erasure-journal.jsonl",
        }
    )


class Everything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.lines.append(f"{record.name}: {text}")


@pytest.fixture
def captured() -> Iterator[Everything]:
    """The production logging set-up, with the root logger open at DEBUG to catch everything."""
    root = logging.getLogger()
    names = ["", *QUIET_LOGGERS]
    levels = {name: logging.getLogger(name).level for name in names}
    _logging(verbose=True)
    root.setLevel(logging.DEBUG)
    handler = Everything()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def post_usage(app: RunningApp, events: dict[str, object]) -> int:
    request = urllib.request.Request(  # noqa: S310 - loopback test server
        f"{app.url}/usage",
        data=json.dumps(events).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {USAGE_TOKEN}"},
        method="POST",
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_a_day_of_traffic_logs_no_personal_data_codes_tokens_or_hashes(
    app: RunningApp, captured: Everything, tmp_path: Path
) -> None:
    say = app.reply_text
    created = say("/customer", f'new name="{NAME}" email={EMAIL} phone="{PHONE}"')
    assert "10001" in created, created
    say("/register", f"grant {picked_user(AGENT)} agent")
    say("/customer", f'contact add 10001 name="{PERSON}" email={PERSON_EMAIL} phone=0501234567')
    added = say("/customer", f"user add 10001 username=piilonen email={PERSON_EMAIL}")
    assert "piilonen" in added, added
    say("/customer", "find salaoja")
    say("/customer", "show 10001")
    say("/customer", f'set 10001 email=bad@ phone="{PHONE}x" name="{NAME} 2"')  # refused
    say("/customer", "show 10001", "UNOTSTAFF01")  # not staff
    say("/customer", "export 10001", AGENT)  # missing permission
    say("/comms", f"log 10001 phone Spoke with {PERSON} about {EMAIL}")
    say("/comms", "list 10001")
    say("/comms", "log 10001 phone at=2099-01-01 future")
    dsr = say("/dsr", f'new 10001 access requester="{PERSON}" by phone {PHONE}')
    assert "DSR-1" in dsr, dsr
    say("/dsr", f"assign DSR-1 {picked_user(AGENT)}")
    code_reply = say("/dsr", "verify DSR-1 send")
    code = re.search(r"\b(\d{6})\b", code_reply)
    assert code is not None, code_reply
    say("/dsr", "verify DSR-1 000000" if code.group(1) != "000000" else "verify DSR-1 111111")
    say("/dsr", f"verify DSR-1 {code.group(1)}")
    say("/register", "audit 10001")
    say("/register", "stats")
    app.services.reminders.sweep()
    # A service user's password arrives only through the import path; hash it via the service.
    csv = tmp_path / "customers.csv"
    csv.write_text(f"name,email,phone\nTuonti {NAME},tuonti.{EMAIL},0401112223\n", "utf-8")
    app.services.imports.import_customers(ADMIN, csv)
    at = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat()
    login = {"at": at, "username": "piilonen", "kind": "login", "ip": "192.0.2.77"}
    assert post_usage(app, {"events": [login]}) == 201
    assert post_usage(app, {"at": "yesterday", "username": EMAIL}) == 400
    shortcut = {
        "type": "message_action",
        "callback_id": "log_message",
        "trigger_id": app.fake.new_trigger_id(),
        "team": {"id": "T0DEMO", "domain": "demo"},
        "user": {"id": ADMIN, "name": "admin"},
        "channel": {"id": "C0SUPPORT", "name": "support"},
        "message": {"type": "message", "ts": "1700000000.000100", "text": f"Hi, {PERSON} here"},
        "message_ts": "1700000000.000100",
        "response_url": app.fake.response_url(),
        "api_app_id": "A0DEMO",
    }
    assert app.slack.interaction(shortcut).status == 200
    app.fake.wait_for("views.open")
    app.fake.fail("response_url", status=500, times=1)
    app.slack.command("/customer", "show 10001", ADMIN)
    say("/customer", "export 10001")
    app.fake.wait_for("files.completeUploadExternal")
    with app.services.context.sessions() as session:
        hashes = [u.password_hash for u in session.execute(select(ServiceUser)).scalars()]
    say("/customer", "erase 10001 confirm")

    log = "\n".join(captured.lines)
    assert captured.lines, "nothing was logged at all"
    secrets = [
        NAME,
        EMAIL,
        PERSON,
        PERSON_EMAIL,
        "Salaoja",
        "salaoja",
        "Piilonen",
        *PHONE_FORMS,
        "0501234567",
        code.group(1),
        BOT_TOKEN,
        SIGNING_SECRET,
        USAGE_TOKEN,
        "192.0.2.77",
        *[h for h in hashes if h],
    ]
    leaked = [secret for secret in secrets if secret in log]
    assert leaked == [], f"leaked {leaked} in:\n{log[:3000]}"
