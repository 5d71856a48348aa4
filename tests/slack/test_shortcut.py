"""The "Log to customer register" message shortcut and the App Home, end to end on both engines."""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import select

from bot.domain.permissions import Role
from bot.fake_slack.api import RESPONSE_URL_METHOD
from bot.fake_slack.wire import picked_user
from storage.models import AuditEvent, Correspondence
from tests.conftest import ADMIN, RunningApp

VIEWER = "UVIEWER001"
STRANGER = "USTRANGER1"
CHANNEL = "C0SUPPORT"
MESSAGE_TS = "1700000000.000100"
PERMALINK = "https://example.slack.com/archives/C0SUPPORT/p1700000000000100"


def create(app: RunningApp, fields: str) -> int:
    reply = app.reply_text("/customer", f"new {fields}")
    assert "Created customer" in reply, reply
    return int(reply.split("*")[1])


def entries(app: RunningApp) -> list[Correspondence]:
    with app.services.context.sessions() as session:
        return list(session.execute(select(Correspondence)).scalars().all())


def shortcut(app: RunningApp, user: str = ADMIN, text: str = "Hi, our invoice is wrong") -> str:
    """Use the shortcut on a message in a channel the bot is not in; return its response URL."""
    payload = {
        "type": "message_action",
        "callback_id": "log_message",
        "trigger_id": app.fake.new_trigger_id(),
        "team": {"id": "T0DEMO", "domain": "example"},
        "user": {"id": user, "name": "someone"},
        "channel": {"id": CHANNEL, "name": "support"},
        "message": {"type": "message", "user": "UCUSTOMER1", "ts": MESSAGE_TS, "text": text},
        "message_ts": MESSAGE_TS,
        "response_url": app.fake.response_url(),
        "api_app_id": "A0DEMO",
    }
    assert app.slack.interaction(payload).status == 200
    return str(payload["response_url"])


def confirmation(app: RunningApp, response_url: str) -> dict[str, Any]:
    """What the shortcut's response URL was sent: the ephemeral confirmation in the channel."""
    call = app.fake.wait_for(
        RESPONSE_URL_METHOD, predicate=lambda c: c.params["_url"] == response_url
    )[0]
    return call.params


def opened_view(app: RunningApp, count: int = 1) -> dict[str, Any]:
    view: dict[str, Any] = app.fake.wait_for("views.open", count=count)[-1].params["view"]
    return view


def options(app: RunningApp, typed: str, user: str = ADMIN) -> list[dict[str, Any]]:
    payload = {
        "type": "block_suggestion",
        "user": {"id": user},
        "team": {"id": "T0DEMO"},
        "api_app_id": "A0DEMO",
        "action_id": "customer",
        "block_id": "customer",
        "value": typed,
        "container": {"type": "view", "view_id": "V1"},
    }
    result = app.slack.options(payload)
    assert result.status == 200
    found: list[dict[str, Any]] = result.json()["options"]
    return found


def submit(
    app: RunningApp,
    view: dict[str, Any],
    *,
    customer: str | None = "10001",
    channel: str = "slack",
    direction: str = "in",
    summary: str | None = None,
    user: str = ADMIN,
) -> dict[str, Any]:
    summary_block = next(b for b in view["blocks"] if b.get("block_id") == "summary")
    text = summary if summary is not None else summary_block["element"].get("initial_value", "")
    picked = {"text": {"type": "plain_text", "text": customer}, "value": customer}
    values = {
        "customer": {
            "customer": {"type": "external_select", "selected_option": picked if customer else None}
        },
        "channel": {"value": {"type": "static_select", "selected_option": {"value": channel}}},
        "direction": {"value": {"type": "radio_buttons", "selected_option": {"value": direction}}},
        "summary": {"value": {"type": "plain_text_input", "value": text}},
    }
    payload = {
        "type": "view_submission",
        "user": {"id": user},
        "team": {"id": "T0DEMO"},
        "api_app_id": "A0DEMO",
        "view": {**view, "id": "V1", "state": {"values": values}},
    }
    result = app.slack.interaction(payload)
    assert result.status == 200
    body: dict[str, Any] = result.json()
    return body


class Capture(logging.Handler):
    def __init__(self, needle: str) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []
        self.needle = needle
        self.seen = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        if self.needle in record.getMessage():
            self.seen.set()


def test_the_shortcut_opens_a_prefilled_modal_on_any_message(app: RunningApp) -> None:
    shortcut(app, text="Price &lt;b&gt;&amp; terms from <@U0CUST|anna>")
    view = opened_view(app)
    assert view["callback_id"] == "log_message_modal"
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["customer"]["element"]["type"] == "external_select"
    assert blocks["channel"]["element"]["initial_option"]["value"] == "slack"
    assert blocks["summary"]["element"]["initial_value"] == "Price <b>& terms from @anna"
    assert CHANNEL in view["private_metadata"] and MESSAGE_TS in view["private_metadata"]


def test_the_customer_picker_returns_matches_for_typed_text(app: RunningApp) -> None:
    create(app, 'name="Poimittava Oy" city=Turku')
    create(app, 'name="Toinen Poimittava Ab"')
    create(app, 'name="Muu Firma Oy"')
    found = options(app, "poimittava")
    assert [o["value"] for o in found] == ["10001", "10002"]
    assert found[0]["text"]["text"] == "10001 Poimittava Oy · Turku"
    assert [o["value"] for o in options(app, "10003")] == ["10003"]
    assert options(app, "p") == []  # too short: no options, no error
    assert options(app, "poimittava", STRANGER) == []
    with app.services.context.sessions() as session:
        refused = session.execute(
            select(AuditEvent.outcome).where(AuditEvent.actor == STRANGER)
        ).scalars()
        assert list(refused) == ["refused"]


def test_submitting_stores_the_entry_with_the_permalink_and_confirms(app: RunningApp) -> None:
    create(app, 'name="Linkki Oy"')
    response_url = shortcut(app)
    body = submit(app, opened_view(app), direction="in")
    assert body["response_action"] == "update"
    assert "Logged #1 for customer 10001" in body["view"]["blocks"][0]["text"]["text"]
    [entry] = entries(app)
    assert entry.slack_permalink == PERMALINK
    assert (entry.channel, entry.direction, entry.body) == (
        "slack",
        "in",
        "Hi, our invoice is wrong",
    )
    assert entry.logged_by == ADMIN
    asked = app.fake.wait_for("chat.getPermalink")[0].params
    assert (asked["channel"], asked["message_ts"]) == (CHANNEL, MESSAGE_TS)
    confirmed = confirmation(app, response_url)
    assert confirmed["response_type"] == "ephemeral" and confirmed["replace_original"] is False
    assert "Logged #1" in confirmed["text"]
    assert app.fake.calls_to("chat.postEphemeral") == []
    listed = app.reply_text("/comms", "list 10001")
    assert f"<{PERMALINK}|Slack message>" in listed


def test_a_permalink_failure_still_stores_the_entry_once_and_says_so(app: RunningApp) -> None:
    create(app, 'name="Katkos Oy"')
    response_url = shortcut(app)
    app.fake.fail("chat.getPermalink", status=500)
    body = submit(app, opened_view(app), channel="chat", direction="out")
    assert "without it" in body["view"]["blocks"][0]["text"]["text"]
    [entry] = entries(app)
    assert entry.slack_permalink is None
    assert (entry.channel, entry.direction) == ("chat", "out")
    assert "without it" in confirmation(app, response_url)["text"]


def test_a_failed_confirmation_keeps_the_entry_and_logs_one_line(app: RunningApp) -> None:
    create(app, 'name="Hiljainen Oy"')
    shortcut(app)
    capture = Capture("could not deliver a reply")
    logging.getLogger("regbot").addHandler(capture)
    try:
        app.fake.fail(RESPONSE_URL_METHOD, status=500)
        body = submit(app, opened_view(app))
        assert body["response_action"] == "update"
        assert capture.seen.wait(timeout=10)
    finally:
        logging.getLogger("regbot").removeHandler(capture)
    [entry] = entries(app)
    assert entry.slack_permalink == PERMALINK
    lines = [r.getMessage() for r in capture.records if "reply" in r.getMessage()]
    assert len(lines) == 1
    assert "Hiljainen" not in lines[0] and "invoice" not in lines[0]


def test_form_errors_land_on_their_blocks_and_store_nothing(app: RunningApp) -> None:
    create(app, 'name="Lomake Oy"')
    response_url = shortcut(app)
    view = opened_view(app)
    body = submit(app, view, customer=None, summary="   ")
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"customer", "summary"}
    body = submit(app, view, customer="99999")
    assert body == {"response_action": "errors", "errors": {"customer": body["errors"]["customer"]}}
    assert "No customer matches 99999" in body["errors"]["customer"]
    assert entries(app) == []
    assert [
        c for c in app.fake.calls_to(RESPONSE_URL_METHOD) if c.params["_url"] == response_url
    ] == []


def test_a_viewer_gets_a_polite_refusal_instead_of_the_form(app: RunningApp) -> None:
    app.reply_text("/register", f"grant {picked_user(VIEWER)} {Role.VIEWER.value}")
    shortcut(app, user=VIEWER)
    view = opened_view(app)
    assert view.get("callback_id") != "log_message_modal"
    assert "missing permission: log_correspondence" in view["blocks"][0]["text"]["text"]
    with app.services.context.sessions() as session:
        outcome = session.execute(
            select(AuditEvent.outcome).where(
                AuditEvent.actor == VIEWER, AuditEvent.action == "comms.log"
            )
        ).scalar_one()
    assert outcome == "refused"


def test_the_edit_modal_of_customer_set_still_opens(app: RunningApp) -> None:
    create(app, 'name="Muokattava Oy"')
    app.slack.command("/customer", "set 10001", ADMIN)
    assert opened_view(app)["callback_id"] == "customer_set"


def test_the_app_home_lists_the_customers_i_viewed_most_recently(app: RunningApp) -> None:
    for name in ("Ensimmäinen Oy", "Toinen Oy", "Kolmas Oy"):
        create(app, f'name="{name}"')
    for number in ("10001", "10003", "10001"):
        app.reply_text("/customer", f"show {number}")
    app.reply_text("/customer", "show 10002", "UOTHER0001")  # not staff: refused, not listed
    app.slack.event({"type": "app_home_opened", "user": ADMIN, "tab": "home"})
    view = app.fake.wait_for("views.publish")[0].params["view"]
    text = "\n".join(b["text"]["text"] for b in view["blocks"] if isinstance(b.get("text"), dict))
    assert "admin" in text
    assert text.index("Ensimmäinen Oy") < text.index("Kolmas Oy")
    assert "Toinen Oy" not in text
    app.slack.event({"type": "app_home_opened", "user": STRANGER, "tab": "home"})
    stranger = app.fake.wait_for("views.publish", count=2)[1].params["view"]
    assert "not registered as staff" in str(stranger)
    assert "Oy" not in str(stranger)
