"""`regbot demo`: the real Bolt app on a local SQLite demo register, with no Slack workspace.

Each command line is sent through the real Bolt app as a request signed exactly as Slack signs
it, from a demo admin; replies posted to the response URL are caught by the local fake Slack and
printed as text.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from slack_bolt.request import BoltRequest

from bot.app import Application, build_application, build_services
from bot.config import load_settings
from bot.demo.data import seed_demo_register
from bot.demo.render_text import render_message, render_view
from bot.fake_slack.api import ANY_METHOD, RESPONSE_URL_METHOD, FakeSlack, RecordedCall
from bot.fake_slack.wire import as_slack_sends, command_body, picked_user, signed_headers
from storage.db import make_engine, upgrade

DEMO_ADMIN = "UDEMOADMIN"
DEMO_DATABASE = Path("regbot-demo.db")
COMMANDS = ("/customer", "/comms", "/dsr", "/register")
REPLY_TIMEOUT = 10.0
_TYPED_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


@dataclass
class DemoSession:
    """A running demo: the app, the fake Slack and the signing secret it shares with the app."""

    application: Application
    fake: FakeSlack
    signing_secret: str

    def run(self, line: str) -> str:
        """One slash-command line through the real Bolt app; the reply as text."""
        line = line.strip()
        command, _, text = line.partition(" ")
        if command not in COMMANDS:
            return f"Type a slash command: {', '.join(COMMANDS)} (each answers help)."
        response_url = self.fake.response_url()
        trigger_id = self.fake.new_trigger_id()
        # A console has no mention list: a typed <@U123> stands for the person picked in it.
        typed = _TYPED_MENTION.sub(lambda match: picked_user(match.group(1)), text.strip())
        body = command_body(
            command,
            as_slack_sends(typed, self.fake.user_name),
            user_id=DEMO_ADMIN,
            user_name="demo.admin",
            response_url=response_url,
            trigger_id=trigger_id,
        )
        headers = signed_headers(body, self.signing_secret, int(time.time()))
        response = self.application.bolt.dispatch(
            BoltRequest(body=body, headers={k: [v] for k, v in headers.items()})
        )
        if response.status != 200:
            return f"(Slack would show an error: HTTP {response.status})"
        if response.body:
            return render_message(json.loads(response.body))

        def answers(call: RecordedCall) -> bool:
            if call.method == RESPONSE_URL_METHOD:
                return bool(call.params.get("_url") == response_url)
            return call.method == "views.open" and call.params.get("trigger_id") == trigger_id

        try:
            answer = self.fake.wait_for(ANY_METHOD, timeout=REPLY_TIMEOUT, predicate=answers)[0]
        except TimeoutError:
            return "(no reply)"
        if answer.method == "views.open":
            return "(a form opens in Slack)\n" + render_view(answer.params["view"])
        return render_message({k: v for k, v in answer.params.items() if k != "_url"})

    def close(self) -> None:
        """Stop the fake Slack and release the database."""
        self.application.close()
        self.fake.close()


def start_demo(
    database: Path = DEMO_DATABASE, *, language: str = "en", customers: int = 40
) -> DemoSession:
    """Create (or reuse) the demo register and start the app against a local fake Slack."""
    fake = FakeSlack().start()
    signing_secret = secrets.token_hex(16)
    settings = load_settings(
        database_url=f"sqlite:///{database}",
        admins=DEMO_ADMIN,
        slack_bot_token="xoxb-demo",  # noqa: S106 - the local fake Slack accepts any token
        slack_signing_secret=signing_secret,
        slack_api_url=fake.api_url,
        language=language,
        export_dir=database.parent / "demo-exports",
    )
    engine = make_engine(settings.database_url)
    upgrade(engine)  # the demo owns its database, so it may bring it up to date itself
    seed_demo_register(build_services(settings, engine=engine).context, count=customers)
    application = build_application(settings, engine=engine)
    return DemoSession(application=application, fake=fake, signing_secret=signing_secret)


def run_lines(session: DemoSession, lines: Iterable[str], out: Callable[[str], None]) -> None:
    """Run each line and print the command and its reply."""
    for line in lines:
        if not line.strip() or line.strip().startswith("#"):
            continue
        out(f"> {line.strip()}")
        out(session.run(line))
        out("")
