"""`/comms log` and `/comms list` end to end: signed HTTP into the real Bolt app, both engines."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.domain.permissions import Role
from bot.fake_slack.wire import picked_user
from bot.services.comms import LogRequest
from storage.models import AuditEvent, Correspondence, Customer
from tests.conftest import ADMIN, RunningApp

AGENT = "UAGENT0001"
BILLING = "UBILLING01"
VIEWER = "UVIEWER001"
STRANGER = "USTRANGER1"
CHANNELS = ("email", "phone", "meeting", "chat", "letter", "slack", "web", "other")


def grant(app: RunningApp, user: str, role: Role) -> None:
    assert role.value in app.reply_text("/register", f"grant {picked_user(user)} {role.value}")


def create(app: RunningApp, fields: str) -> int:
    reply = app.reply_text("/customer", f"new {fields}")
    assert "Created customer" in reply, reply
    return int(reply.split("*")[1])


def entries(app: RunningApp) -> list[Correspondence]:
    with app.services.context.sessions() as session:
        return list(
            session.execute(select(Correspondence).order_by(Correspondence.id)).scalars().all()
        )


def audit_actions(app: RunningApp, actor: str) -> list[tuple[str, str]]:
    with app.services.context.sessions() as session:
        rows = session.execute(
            select(AuditEvent.action, AuditEvent.outcome)
            .where(AuditEvent.actor == actor)
            .order_by(AuditEvent.seq)
        ).all()
    return [(r.action, r.outcome) for r in rows]


def test_every_channel_and_direction_is_logged_and_listed_newest_first(app: RunningApp) -> None:
    grant(app, AGENT, Role.AGENT)
    create(app, 'name="Viestintä Oy"')
    for day, channel in enumerate(CHANNELS, start=1):
        direction = "out" if day % 2 else "in"
        reply = app.reply_text(
            "/comms",
            f"log 10001 {channel} dir={direction} at=2024-03-{day:02d}T10:00 Note via {channel}",
            AGENT,
        )
        assert f"Logged #{day} for customer 10001" in reply
        assert f"2024-03-{day:02d} 10:00" in reply
    stored = entries(app)
    assert [(e.channel, e.direction) for e in stored] == [
        (c, "out" if i % 2 else "in") for i, c in enumerate(CHANNELS, start=1)
    ]
    assert all(e.logged_by == AGENT for e in stored)
    assert stored[0].occurred_at == dt.datetime(2024, 3, 1, 8, 0, tzinfo=dt.UTC)  # Helsinki +2
    listing = app.reply("/comms", "list 10001 20", AGENT)
    assert listing["response_type"] == "ephemeral"
    text = "\n".join(b["text"]["text"] for b in listing["blocks"] if "text" in b)
    assert "(8 entries)" in text
    positions = [text.index(f"Note via {c}") for c in reversed(CHANNELS)]
    assert positions == sorted(positions), "newest first"
    for label in ("e-mail", "phone", "meeting", "chat", "letter", "Slack", "web", "other"):
        assert label in text
    assert "incoming" in text and "outgoing" in text
    assert f"logged by <@{AGENT}>" in text
    assert audit_actions(app, AGENT).count(("comms.log", "ok")) == 8
    assert ("comms.list", "ok") in audit_actions(app, AGENT)


def test_stored_text_is_escaped_in_the_list(app: RunningApp) -> None:
    create(app, 'name="Turva Oy"')
    # Slack sends the typed `<!channel> & co` escaped, @here as `<!here>`, the URL as a link.
    app.reply_text(
        "/comms", "log 10001 chat recording=https://rec.example/a.mp3 <!channel> & co @here"
    )
    assert entries(app)[0].body == "<!channel> & co @here"
    assert entries(app)[0].recording_uri == "https://rec.example/a.mp3"
    text = app.reply_text("/comms", "list 10001")
    assert "<!channel>" not in text
    assert "&lt;!channel&gt; &amp; co @here" in text
    assert "recording: https://rec.example/a.mp3" in text


@pytest.mark.parametrize(
    ("command", "needle"),
    [
        ("log 10001 fax Hello", "not a channel"),
        ("log 10001 email dir=up Hello", "not a direction"),
        ("log 10001 email at=2999-01-01 Hello", "in the future"),
        ("log 10001 email at=1.5.2024 Hello", "is not a time"),
        ("log 10001 email", "Write a summary"),
        ("log 10001 phone recording=call.mp3 Hello", "not a recording location"),
        ("log 10001 email " + "x" * 3500, "too long"),
        ("log 99999 email Hello", "No customer matches 99999"),
        ("log 10001 email direction=out Hello", "not an option"),
    ],
)
def test_a_refused_entry_leaves_nothing_behind(app: RunningApp, command: str, needle: str) -> None:
    create(app, 'name="Tyhjä Oy"')
    reply = app.reply_text("/comms", command)
    assert needle in reply
    assert "Usage:" in reply
    assert entries(app) == []
    assert ("comms.log", "ok") not in audit_actions(app, ADMIN)


def test_echoed_values_in_errors_are_escaped(app: RunningApp) -> None:
    create(app, 'name="Kaiku Oy"')
    reply = app.reply_text("/comms", "log 10001 <!channel> Hello")
    assert "<!channel>" not in reply
    assert "&lt;!channel&gt;" in reply


def test_roles_without_the_right_to_read_correspondence_see_none_of_it(app: RunningApp) -> None:
    grant(app, VIEWER, Role.VIEWER)
    create(app, 'name="Salainen Oy"')
    app.reply_text("/comms", "log 10001 phone Secret negotiation notes")
    for user, needle in (
        (VIEWER, "missing permission: read_correspondence"),
        (STRANGER, "only registered staff"),
    ):
        reply = app.reply_text("/comms", "list 10001", user)
        assert needle in reply
        assert "Secret" not in reply and "Salainen" not in reply
        assert ("comms.list", "refused") in audit_actions(app, user)
    refused = app.reply_text("/comms", "log 10001 phone Sneaky", VIEWER)
    assert "missing permission: log_correspondence" in refused
    assert len(entries(app)) == 1
    card = app.reply_text("/customer", "show 10001", VIEWER)
    assert "Service usage" not in card
    assert "correspondence and usage logs" in card


def test_billing_staff_may_log_and_read(app: RunningApp) -> None:
    grant(app, BILLING, Role.BILLING)
    create(app, 'name="Laskutus Oy"')
    assert "Logged #" in app.reply_text("/comms", "log 10001 letter dir=out Reminder sent", BILLING)
    assert "Reminder sent" in app.reply_text("/comms", "list 10001", BILLING)


def test_a_long_list_is_paged_and_a_big_count_is_clipped_with_a_note(app: RunningApp) -> None:
    create(app, 'name="Sivutus Oy"')
    for i in range(55):
        request = LogRequest(
            ref="10001", channel="email", summary=f"Entry {i:02d}", at=f"2024-01-01T10:{i:02d}"
        )
        app.services.comms.log(ADMIN, request)
    first = app.reply_text("/comms", "list 10001 500")
    assert "You asked for 500; a page shows at most 50." in first
    assert "Entry 54" in first and "Entry 05" in first and "Entry 04" not in first
    assert "page=2" in first
    second = app.reply_text("/comms", "list 10001 50 page=2")
    assert "Entry 04" in second and "Entry 00" in second and "Entry 05" not in second
    assert "Page 3 has no entries" in app.reply_text("/comms", "list 10001 50 page=3")
    assert "Entry 54" in app.reply_text("/comms", "list 10001 1")


def test_an_erased_customer_cannot_get_new_entries(app: RunningApp) -> None:
    create(app, 'name="Poistettu Oy"')
    with app.services.context.sessions() as session, session.begin():
        customer = session.execute(select(Customer)).scalar_one()
        customer.status = "erased"
    assert "has been erased" in app.reply_text("/comms", "log 10001 email Hello")
    assert entries(app) == []


def test_help_and_unknown_subcommands(app: RunningApp) -> None:
    assert "/comms list REF [N]" in app.reply_text("/comms", "help")
    assert "no subcommand" in app.reply_text("/comms", "delete 10001")
