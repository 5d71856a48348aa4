"""`/customer` end to end: signed HTTP into the real Bolt app, replies read from the fake Slack."""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import func, select

from bot.domain.permissions import Role
from bot.fake_slack.wire import picked_user
from storage.models import AuditEvent, Customer, FieldChange
from tests.conftest import ADMIN, RunningApp

AGENT = "UAGENT0001"
VIEWER = "UVIEWER001"
STRANGER = "USTRANGER1"


def grant(app: RunningApp, user: str, role: Role) -> None:
    reply = app.reply_text("/register", f"grant {picked_user(user)} {role.value}")
    assert role.value in reply


def create(app: RunningApp, fields: str, user: str = ADMIN) -> int:
    reply = app.reply_text("/customer", f"new {fields}", user)
    assert "Created customer" in reply, reply
    return int(reply.split("*")[1])


def count(app: RunningApp, model: Any) -> int:
    with app.services.context.sessions() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def test_staff_creates_a_customer_inline_and_gets_its_number(app: RunningApp) -> None:
    number = create(app, 'name="Työturva Testi Oy" business_id=28553547 phone="040 123 4567"')
    assert number == 10001
    assert create(app, "name=Toinen kind=person") == 10002


def test_replies_are_ephemeral(app: RunningApp) -> None:
    create(app, 'name="Ephemeral Oy"')
    assert app.reply("/customer", "find ephemeral")["response_type"] == "ephemeral"
    assert app.reply("/customer", "show 10001")["response_type"] == "ephemeral"


def test_a_customer_is_found_by_fragment_business_id_without_dash_and_other_phone_format(
    app: RunningApp,
) -> None:
    create(app, 'name="Äijälän Työturva Oy" business_id=2855354-7 phone="+358 40 123 4567"')
    create(app, 'name="Muu Firma Ab"')
    assert "Äijälän Työturva Oy" in app.reply_text("/customer", "find aijalan")
    assert "Äijälän Työturva Oy" in app.reply_text("/customer", "find TYÖTURVA")
    assert "Äijälän Työturva Oy" in app.reply_text("/customer", "find 28553547")
    assert "Äijälän Työturva Oy" in app.reply_text("/customer", "find 040-1234567")
    assert "Äijälän Työturva Oy" in app.reply_text("/customer", "find 10001")
    assert "Muu Firma" not in app.reply_text("/customer", "find aijalan")


def test_find_shows_ten_and_says_how_many_more(app: RunningApp) -> None:
    for i in range(13):
        create(app, f'name="Haku Yritys {i:02d} Oy"')
    reply = app.reply_text("/customer", "find haku yritys")
    assert reply.count("Haku Yritys") == 10
    assert "… and 3 more" in reply


def test_the_card_shows_the_canonical_business_id_and_e164_phone(app: RunningApp) -> None:
    create(app, 'name="Kortti Oy" business_id="2855354 7" phone="0401234567" email=Info@EXAMPLE.FI')
    card = app.reply_text("/customer", "show 2855354-7")
    assert "2855354-7" in card
    assert "+358 40 1234567" in card
    assert "info@example.fi" in card.lower()
    with app.services.context.sessions() as session:
        stored = session.execute(select(Customer)).scalar_one()
    assert stored.phone == "+358401234567"
    assert stored.business_id == "2855354-7"


def test_invalid_business_id_email_or_phone_is_refused_and_writes_nothing(app: RunningApp) -> None:
    before = count(app, Customer), count(app, FieldChange)
    for fields, needle in [
        ("name=X business_id=2855354-8", "not a valid Finnish business ID"),
        ("name=X email=not-an-address", "not a valid e-mail address"),
        ("name=X phone=12", "not a valid phone number"),
    ]:
        reply = app.reply_text("/customer", f"new {fields}")
        assert needle in reply
        assert "Usage:" in reply
    assert (count(app, Customer), count(app, FieldChange)) == before


def test_a_set_with_one_invalid_field_changes_nothing(app: RunningApp) -> None:
    create(app, "name=Ehjä city=Turku")
    changes = count(app, FieldChange)
    reply = app.reply_text("/customer", "set 10001 city=Tampere phone=abc")
    assert "not a valid phone number" in reply
    assert "Turku" in app.reply_text("/customer", "show 10001")
    assert count(app, FieldChange) == changes


def test_a_customer_named_like_a_broadcast_pings_no_one(app: RunningApp) -> None:
    create(app, 'name="<!channel> <@U999> <https://evil.example|click>"')
    for reply in (
        app.reply_text("/customer", "find channel"),
        app.reply_text("/customer", "show 10001"),
    ):
        assert "<!channel>" not in reply
        assert "<@U999>" not in reply
        assert "&lt;!channel&gt;" in reply


def test_history_shows_old_and_new_with_who_and_when(app: RunningApp) -> None:
    create(app, "name=Muuttuva city=Turku")
    app.reply_text("/customer", "set 10001 city=Tampere")
    history = app.reply_text("/customer", "history 10001")
    assert "Turku → Tampere" in history
    assert f"<@{ADMIN}>" in history
    assert "staff" in history
    assert "20" in history  # a date


def test_a_non_staff_user_sees_no_customer_data_and_is_audited(app: RunningApp) -> None:
    create(app, 'name="Salainen Oy"')
    for text in ("find salainen", "show 10001", "history 10001"):
        reply = app.reply_text("/customer", text, STRANGER)
        assert "only registered staff" in reply
        assert "Salainen" not in reply
    with app.services.context.sessions() as session:
        refusals = (
            session.execute(select(AuditEvent).where(AuditEvent.actor == STRANGER)).scalars().all()
        )
    assert [r.outcome for r in refusals] == ["refused"] * 3
    assert {r.action for r in refusals} == {"customer.find", "customer.show", "customer.history"}


def test_a_viewer_cannot_read_what_the_permission_table_withholds(app: RunningApp) -> None:
    grant(app, VIEWER, Role.VIEWER)
    create(app, 'name="Näkyvä Oy" city=Oulu')
    app.reply_text("/customer", "set 10001 city=Kuopio")
    card = app.reply_text("/customer", "show 10001", VIEWER)
    assert "Näkyvä Oy" in card
    assert "Not shown to your role: billing" in card
    history = app.reply_text("/customer", "history 10001", VIEWER)
    assert "missing permission: read_correspondence" in history
    assert "Oulu" not in history
    refused = app.reply_text("/customer", "set 10001 city=Vaasa", VIEWER)
    assert "missing permission: edit_customers" in refused


def test_nobody_can_grant_themselves_a_role_they_may_not_grant(app: RunningApp) -> None:
    grant(app, AGENT, Role.AGENT)
    reply = app.reply_text("/register", f"grant {picked_user(AGENT)} admin", AGENT)
    assert "missing permission: manage_roles" in reply
    assert "cannot change your own role" in app.reply_text(
        "/register", f"grant {picked_user(ADMIN)} viewer", ADMIN
    )
    grant(app, "UADMIN0002", Role.ADMIN)
    assert "REGBOT_ADMINS" in app.reply_text(
        "/register", f"revoke {picked_user(ADMIN)}", "UADMIN0002"
    )
    assert app.services.staff.role_of(AGENT) is Role.AGENT
    assert app.services.staff.role_of(ADMIN) is Role.ADMIN


def test_an_agent_can_create_and_a_plain_mention_gets_a_clear_message(app: RunningApp) -> None:
    grant(app, AGENT, Role.AGENT)
    assert create(app, "name=Agentin", AGENT) == 10001
    reply = app.reply_text("/register", "grant @matti agent")
    assert "mention list" in reply


def test_contacts_users_and_optout(app: RunningApp) -> None:
    create(app, 'name="Yhteys Oy"')
    assert "Added contact" in app.reply_text(
        "/customer", 'contact add 10001 name="Maija Meikäläinen" email=maija@example.fi'
    )
    assert "Added service user" in app.reply_text(
        "/customer", "user add 10001 username=maija.m name=Maija"
    )
    assert "Passwords are never typed" in app.reply_text(
        "/customer", "user add 10001 username=x password=secret"
    )
    assert "now forbids direct marketing" in app.reply_text("/customer", "optout 10001")
    assert "already" in app.reply_text("/customer", "optout 10001")
    card = app.reply_text("/customer", "show 10001")
    assert "Maija Meikäläinen" in card
    assert "maija.m" in card
    assert "Direct marketing forbidden" in card
    assert "Yhteys Oy" in app.reply_text("/customer", "find meikalainen")


def test_new_without_arguments_opens_a_modal_whose_errors_land_on_fields(app: RunningApp) -> None:
    app.slack.command("/customer", "new", ADMIN)
    opened = app.fake.wait_for("views.open")[0]
    view = opened.params["view"]
    assert view["callback_id"] == "customer_new"
    submission: dict[str, Any] = {
        "type": "view_submission",
        "user": {"id": ADMIN},
        "team": {"id": "T0DEMO"},
        "api_app_id": "A0DEMO",
        "view": {
            **view,
            "id": "V1",
            "state": {
                "values": {
                    "name": {"value": {"type": "plain_text_input", "value": "Lomake Oy"}},
                    "business_id": {"value": {"type": "plain_text_input", "value": "1234567-8"}},
                    "phone": {"value": {"type": "plain_text_input", "value": "nope"}},
                }
            },
        },
    }
    result = app.slack.interaction(submission)
    assert result.status == 200
    body = result.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"business_id", "phone"}
    assert count(app, Customer) == 0
    submission["view"]["state"]["values"]["business_id"]["value"]["value"] = "2855354-7"
    submission["view"]["state"]["values"]["phone"]["value"]["value"] = "050 555 1234"
    body = app.slack.interaction(submission).json()
    assert body["response_action"] == "update"
    assert "10001" in body["view"]["blocks"][0]["text"]["text"]


def test_unknown_subcommands_and_bad_quotes_get_one_clear_sentence(app: RunningApp) -> None:
    assert "no subcommand" in app.reply_text("/customer", "frobnicate")
    assert "not closed" in app.reply_text("/customer", 'new name="Open')
    assert "No customer matches 99999" in app.reply_text("/customer", "show 99999")


def test_comms_and_dsr_answer_help(app: RunningApp) -> None:
    assert "/comms log REF CHANNEL" in app.reply_text("/comms", "help")
    assert "/dsr new" in app.reply_text("/dsr", "")


def test_a_missing_name_is_one_clear_sentence(app: RunningApp) -> None:
    reply = app.reply_text("/customer", "new city=Turku")
    assert "name is required" in reply
    assert count(app, Customer) == 0


def test_set_without_fields_opens_a_prefilled_edit_modal_that_saves(app: RunningApp) -> None:
    create(app, 'name="Muokattava Oy" city=Turku')
    app.slack.command("/customer", "set 10001", ADMIN)
    view = app.fake.wait_for("views.open")[0].params["view"]
    assert view["callback_id"] == "customer_set"
    assert view["private_metadata"] == "10001"
    city = next(b for b in view["blocks"] if b["block_id"] == "city")
    assert city["element"]["initial_value"] == "Turku"
    values = {
        b["block_id"]: {
            "value": {"type": "plain_text_input", "value": b["element"].get("initial_value")}
        }
        for b in view["blocks"]
        if b["element"]["type"] == "plain_text_input"
    }
    values["city"]["value"]["value"] = "Tampere"
    values["kind"] = {"value": {"type": "static_select", "selected_option": {"value": "company"}}}
    submission = {
        "type": "view_submission",
        "user": {"id": ADMIN},
        "view": {**view, "id": "V2", "state": {"values": values}},
    }
    body = app.slack.interaction(submission).json()
    assert body["response_action"] == "update"
    assert "Tampere" in app.reply_text("/customer", "show 10001")
    assert "Turku → Tampere" in app.reply_text("/customer", "history 10001")


def test_the_app_home_greets_staff_with_their_role_and_tells_others_politely(
    app: RunningApp,
) -> None:
    app.slack.event({"type": "app_home_opened", "user": ADMIN, "tab": "home"})
    view = app.fake.wait_for("views.publish")[0].params
    assert view["user_id"] == ADMIN
    assert "admin" in str(view["view"])
    app.slack.event({"type": "app_home_opened", "user": STRANGER, "tab": "home"})
    calls = app.fake.wait_for("views.publish", count=2)
    assert "not registered as staff" in str(calls[1].params["view"])


def test_a_slack_outage_on_reply_is_logged_in_one_line_without_data(app: RunningApp) -> None:
    create(app, 'name="Katkos Oy"')
    delivered = threading.Event()
    records: list[logging.LogRecord] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)
            if "could not deliver a reply" in record.getMessage():
                delivered.set()

    handler = Capture()
    logging.getLogger("regbot").addHandler(handler)
    try:
        app.fake.fail("response_url", status=500, times=5)
        assert app.slack.command("/customer", "show 10001", ADMIN).status == 200
        assert delivered.wait(timeout=10)
    finally:
        logging.getLogger("regbot").removeHandler(handler)
    messages = [r.getMessage() for r in records]
    assert len([m for m in messages if "could not deliver" in m]) == 1
    assert not any("Katkos" in m for m in messages)
    assert all(r.exc_info is None for r in records)


def test_even_help_is_for_staff_only_and_a_refusal_is_audited(app: RunningApp) -> None:
    for command in ("/customer", "/comms", "/dsr", "/register"):
        reply = app.reply_text(command, "help", STRANGER)
        assert "only registered staff" in reply and "Usage" not in reply
    with app.services.context.sessions() as session:
        actions = (
            session.execute(select(AuditEvent.action).where(AuditEvent.actor == STRANGER))
            .scalars()
            .all()
        )
    assert sorted(actions) == ["comms.help", "customer.help", "dsr.help", "register.help"]
