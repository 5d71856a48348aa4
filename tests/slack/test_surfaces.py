"""Every surface through the strict fake Slack, in Finnish and in English (SPEC §4.3).

One register per engine and language, full of what makes messages long: a customer with many
contacts, users, contracts, invoices, consents, usage and history; 60 requests in every state,
some overdue and unassigned at once; correspondence. Every command, the digest, the DMs, App
Home, every button and every modal is then driven over signed HTTP. The fake refuses whatever
Slack would refuse (a repeated block ID, a title over 24 characters, 51 blocks…), and the
client refuses acknowledgements Slack would refuse, so a Finnish text that is too long cannot
slip through."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.domain.permissions import Role
from bot.fake_slack.api import RESPONSE_URL_METHOD, RecordedCall
from bot.fake_slack.wire import picked_user
from bot.services.comms import LogRequest
from bot.services.staff import grant_role
from handlers.blocks.comms import CUSTOMER_ACTION, LOG_MODAL_CALLBACK
from handlers.blocks.requests import ASSIGN_ME, EXTEND, FULFIL, OPEN, TOLD
from handlers.blocks.rights import ERASE_CONFIRM
from storage.models import BillingProfile, Contract, Customer, Invoice
from tests.conftest import (
    ADMIN,
    RunningApp,
    _drop_postgres,
    _postgres_url,
    _sqlite_url,
    assert_slack_refused_nothing,
    isolated_app,
    message_text,
)
from tests.support.slack_client import button_press, ephemeral_button_press

CHANNEL = "C0SURFACES"
AGENT = "UAGENTSURF1"
REQUESTS = 60
HEAVY_NAME = "Pohjois-Pohjanmaan Työturvallisuus- ja Hyvinvointipalvelut Osuuskunta"


@pytest.fixture(
    scope="module",
    params=[
        ("sqlite", "fi"),
        ("sqlite", "en"),
        pytest.param(("postgresql", "fi"), marks=pytest.mark.postgres),
        pytest.param(("postgresql", "en"), marks=pytest.mark.postgres),
    ],
    ids=lambda param: "-".join(param),
)
def surfaces(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningApp]:
    """The real app in one language over a register of its own, full of long data."""
    engine_name, language = request.param
    work = tmp_path_factory.mktemp(f"surfaces-{engine_name}-{language}")
    url = _sqlite_url(work) if engine_name == "sqlite" else _postgres_url()
    try:
        with isolated_app(
            url, work, channels=(CHANNEL,), language=language, reminder_channel=CHANNEL
        ) as running:
            _fill(running)
            yield running
    finally:
        if engine_name == "postgresql":
            _drop_postgres(url)


def _fill(app: RunningApp) -> None:
    services = app.services
    with services.context.transaction("test") as tx:
        grant_role(tx, AGENT, Role.AGENT)
    heavy = services.customers.create(
        ADMIN,
        {
            "name": HEAVY_NAME,
            "business_id": "2855354-7",
            "email": "toimisto@tyoturva.example",
            "phone": "040 123 4567",
            "street": "Pitkäkatu 123 B 45",
            "postal_code": "90100",
            "city": "Oulu",
        },
    ).number
    for n in range(14):
        services.customers.add_contact(
            ADMIN,
            str(heavy),
            {
                "name": f"Yhteyshenkilö Ääkkönen-Öhman {n}",
                "title": "Työsuojelupäällikkö ja henkilöstöasioiden vastuuhenkilö",
                "email": f"yhteys{n}@tyoturva.example",
                "phone": f"040 555 {1000 + n}",
            },
        )
    for n in range(9):
        services.customers.add_service_user(
            ADMIN, str(heavy), {"username": f"kayttaja{n}", "name": f"Käyttäjä Numero {n}"}
        )
    for n in range(25):
        services.customers.update(ADMIN, str(heavy), {"city": "Oulu" if n % 2 else "Kempele"})
    with services.context.transaction("test") as tx:
        customer = tx.session.execute(select(Customer).where(Customer.number == heavy)).scalar_one()
        for n in range(8):
            tx.session.add(
                Contract(
                    customer_id=customer.id,
                    product="Pro Työturva Yritys Plus",
                    plan="Vuosisopimus, laajennettu tuki",
                    start_date=dt.date(2020 + n % 5, 1, 1),
                    reference=f"SOP-{n}",
                )
            )
        tx.session.add(
            BillingProfile(
                customer_id=customer.id,
                billing_email="laskut@tyoturva.example",
                einvoice_address="003728553547",
                einvoice_operator="003721291126",
            )
        )
        for n in range(40):
            tx.session.add(
                Invoice(
                    customer_id=customer.id,
                    number=f"LASKU-{n}",
                    invoice_date=dt.date(2026, 1, 1) + dt.timedelta(days=n),
                    amount_cents=12_345 * (n + 1),
                    status="open" if n % 3 else "paid",
                )
            )
    services.consents.give(ADMIN, str(heavy), "partner_disclosure", "Sähköposti 1.12.2026")
    services.customers.opt_out(ADMIN, str(heavy))
    services.usage.ingest(
        ADMIN,
        [
            {
                "at": "2026-12-01T08:00:00+00:00",
                "username": "kayttaja1",
                "kind": "login",
                "ip": "192.0.2.1",
            },
            {
                "at": "2026-12-01T08:05:00+00:00",
                "username": "kayttaja1",
                "kind": "technical_error",
                "detail": "Tallennus epäonnistui: yhteys katkesi " * 10,
            },
        ],
    )
    for n in range(30):
        services.comms.log(
            ADMIN,
            LogRequest(
                ref=str(heavy),
                channel="email",
                summary=f"Keskustelu sopimuksen jatkamisesta ja laskutuksesta, osa {n}. " * 8,
            ),
        )
    services.customers.create(ADMIN, {"name": "Smith & Sons <ok>"})
    today = dt.date.today()
    for n in range(REQUESTS):
        received = today - dt.timedelta(days=45 - n % 40)
        created = services.requests.create(
            ADMIN,
            str(heavy),
            ("access", "erasure", "rectification", "portability")[n % 4],
            received=received,
            requester="Pyytäjä Pitkänimi-Esimerkkinen",
            note="Pyytää kaikki tietonsa ja tiedon siitä, mihin niitä on luovutettu. " * 3,
        )
        number = created.summary.number
        if n % 3 == 1:
            services.requests.assign(ADMIN, number, AGENT)
        elif n % 3 == 2:
            services.requests.assign(ADMIN, number, ADMIN)
        if n % 10 == 5 and (today - received).days < 25:
            services.requests.extend(ADMIN, number, "Monimutkainen pyyntö, useita järjestelmiä")


def replies(app: RunningApp, commands: list[tuple[str, str]], user: str = ADMIN) -> list[str]:
    """Each command's visible reply; a modal a command opens counts as its reply."""
    shown = []
    for command, text in commands:
        result = app.slack.command(command, text, user)
        assert result.status == 200, (command, text)
        url = result.response_url

        def arrived(call: RecordedCall, url: str | None = url) -> bool:
            return call.method == RESPONSE_URL_METHOD and call.params.get("_url") == url

        if result.body.strip():
            shown.append(message_text(result.json()))
            continue
        try:
            call = app.fake.wait_for(RESPONSE_URL_METHOD, predicate=arrived, timeout=10)[0]
        except TimeoutError:
            opened = [c for c in app.fake.calls_to("views.open") if not c.failed]
            assert opened, f"no reply and no modal for {command} {text}"
            shown.append(message_text(opened[-1].params["view"]))
            continue
        shown.append(message_text(call.params))
    assert_slack_refused_nothing(app.fake)
    return shown


def test_every_command_answers_in_blocks_slack_accepts(surfaces: RunningApp) -> None:
    app = surfaces
    commands = [
        ("/customer", ""),
        ("/customer", "find oy"),
        ("/customer", "find Pohjois"),
        ("/customer", "show 10001"),
        ("/customer", "history 10001"),
        ("/customer", "show 10002"),
        ("/customer", 'contact add 10002 name="Åsa Öberg" title="Toimitusjohtaja"'),
        ("/customer", "user add 10002 username=smith.user"),
        ("/customer", "optout 10002"),
        ("/customer", "consent 10002 additional_data give lomake 3.12."),
        ("/customer", "disclose 10001 recipient=Kumppani basis=consent"),
        ("/customer", "export 10002"),
        ("/customer", "erase 10002"),
        ("/comms", ""),
        ("/comms", "log 10001 phone dir=in Soitti laskusta & <kysyi> alennusta"),
        ("/comms", "list 10001"),
        ("/comms", "list 10001 40 page=2"),
        ("/dsr", ""),
        ("/dsr", "list"),
        ("/dsr", "list all"),
        ("/dsr", "list overdue"),
        ("/dsr", "list mine"),
        ("/dsr", "show DSR-6"),
        ("/dsr", f"assign DSR-1 {picked_user(AGENT)}"),
        ("/dsr", "verify DSR-1 send"),
        ("/dsr", 'verify DSR-2 method="Vahva sähköinen tunnistus"'),
        ("/dsr", "extend DSR-40 Pyyntö koskee useita järjestelmiä"),
        ("/dsr", "told DSR-40"),
        ("/dsr", "new 10001 objection marketing"),
        ("/dsr", "close DSR-4 withdrawn Pyytäjä perui pyynnön"),
        ("/register", ""),
        ("/register", "roles"),
        ("/register", "audit 10001"),
        ("/register", "stats"),
        ("/register", "notice fi"),
        ("/register", "notice en"),
        ("/register", f"grant {picked_user('UNEWVIEWER1')} viewer"),
        ("/register", f"revoke {picked_user('UNEWVIEWER1')}"),
    ]
    shown = replies(app, commands)
    failed = [(c, s) for c, s in zip(commands, shown, strict=True) if s.startswith(":warning:")]
    assert failed == []
    assert "Smith & Sons <ok>" not in shown[5] and "Smith &amp; Sons &lt;ok&gt;" in shown[5]


def test_refusals_and_errors_answer_in_blocks_slack_accepts(surfaces: RunningApp) -> None:
    app = surfaces
    commands = [
        ("/customer", "fnd oy"),
        ("/customer", "show 99999"),
        ("/customer", 'set 10001 email=ei-osoite phone=123 name=""'),
        ("/comms", "log 10001 fax " + "pitkä " * 600),
        ("/dsr", "close DSR-1 exploded nope"),
        ("/dsr", "assign DSR-1 @someone"),
        ("/register", "grant <@U1> emperor"),
    ]
    shown = replies(app, commands)
    assert all(s.startswith(":warning:") for s in shown), shown
    assert replies(app, [("/customer", "show 10001")], user="USTRANGER01")[0].startswith(
        ":warning:"
    )


def test_the_digest_dms_and_announcements_are_accepted(surfaces: RunningApp) -> None:
    app = surfaces
    app.services.reminders.sweep()
    day = dt.date.today().isoformat()
    sent = [c for c in app.fake.calls_to("chat.postMessage") if not c.failed]
    digests = [c for c in sent if c.params["channel"] == CHANNEL and day in c.params["text"]]
    assert digests, "no digest was posted"
    blocks = digests[-1].params["blocks"]
    ids = [b["block_id"] for b in blocks if "block_id" in b]
    assert len(ids) == len(set(ids)) and len(blocks) <= 50
    # DSR-1's receipt day makes it overdue; unassigned ones appear under both headings, once.
    assert sum(1 for b in blocks if b.get("block_id") == "dsr-1") <= 1
    assert any(c.params["channel"] == AGENT for c in sent), "no DM to the agent"
    assert_slack_refused_nothing(app.fake)


def _digest(app: RunningApp) -> RecordedCall:
    app.services.reminders.sweep()
    sent = [c for c in app.fake.calls_to("chat.postMessage") if not c.failed]
    return [c for c in sent if c.params["channel"] == CHANNEL and "blocks" in c.params][-1]


def _pressed(app: RunningApp, payload: dict[str, Any]) -> dict[str, Any]:
    url = payload["response_url"]
    assert app.slack.interaction(payload).status == 200
    return app.fake.wait_for(RESPONSE_URL_METHOD, predicate=lambda c: c.params["_url"] == url)[
        0
    ].params


def test_every_button_on_the_digest_answers_as_slack_accepts(surfaces: RunningApp) -> None:
    app = surfaces
    digest = _digest(app)
    for action in (OPEN, ASSIGN_ME):
        shown = _pressed(app, button_press(app.fake, ADMIN, digest, action))
        assert not message_text(shown).startswith(":warning:"), message_text(shown)
    assert app.fake.wait_for("chat.update")
    for action in (FULFIL, EXTEND):
        payload = button_press(app.fake, ADMIN, digest, action)
        assert app.slack.interaction(payload).status == 200
        trigger = str(payload["trigger_id"])

        def opened(call: RecordedCall, trigger: str = trigger) -> bool:
            return bool(call.params["trigger_id"] == trigger)

        view = app.fake.wait_for("views.open", predicate=opened)[0].params["view"]
        submitted = {
            "type": "view_submission",
            "user": {"id": ADMIN},
            "view": {
                **view,
                "id": "V1",
                "state": {
                    "values": {"reason": {"value": {"type": "plain_text_input", "value": ""}}}
                },
            },
        }
        assert app.slack.interaction(submitted).json()["response_action"] == "errors"
    dm = [
        c
        for c in app.fake.calls_to("chat.postMessage")
        if not c.failed and c.params["channel"] == ADMIN and "blocks" in c.params
    ]
    with_told = [
        c for c in dm if any(b.get("block_id", "").startswith("told-") for b in c.params["blocks"])
    ]
    if with_told:
        shown = _pressed(app, button_press(app.fake, ADMIN, with_told[-1], TOLD))
        assert not message_text(shown).startswith(":warning:")
    assert_slack_refused_nothing(app.fake)


def test_app_home_is_accepted_for_staff_and_strangers(surfaces: RunningApp) -> None:
    app = surfaces
    app.services.customers.show(ADMIN, "10001")
    for user in (ADMIN, AGENT, "USTRANGER02"):
        before = len(app.fake.calls_to("views.publish"))
        assert (
            app.slack.event({"type": "app_home_opened", "user": user, "tab": "home"}).status == 200
        )
        app.fake.wait_for("views.publish", count=before + 1)
    assert_slack_refused_nothing(app.fake)


def test_every_modal_opens_and_answers_its_submission_as_slack_accepts(
    surfaces: RunningApp,
) -> None:
    app = surfaces
    for text in ("new", "set 10001"):
        result = app.slack.command("/customer", text, ADMIN)
        trigger = result.response_url  # the command's own fields are in the fake's calls
        assert result.status == 200, trigger
        view = app.fake.wait_for("views.open")[-1].params["view"]
        values = {
            "name": {"value": {"type": "plain_text_input", "value": "Uusi Ääkkös Oy"}},
            "email": {"value": {"type": "plain_text_input", "value": "ei-osoite"}},
            "kind": {"value": {"type": "static_select", "selected_option": {"value": "company"}}},
        }
        submitted = {
            "type": "view_submission",
            "user": {"id": ADMIN},
            "view": {**view, "id": "V2", "state": {"values": values}},
        }
        assert app.slack.interaction(submitted).json()["response_action"] == "errors"
        values["email"] = {"value": {"type": "plain_text_input", "value": "uusi@example.fi"}}
        assert app.slack.interaction(submitted).json()["response_action"] == "update"
    shortcut = {
        "type": "message_action",
        "callback_id": "log_message",
        "team": {"id": "T0DEMO", "domain": "example"},
        "user": {"id": ADMIN, "name": "admin"},
        "channel": {"id": "C0ELSEWHERE", "name": "asiakkaat"},
        "message": {
            "type": "message",
            "user": "UCUST",
            "ts": "1700000000.000300",
            "text": "Hei " * 900,
        },
        "message_ts": "1700000000.000300",
        "response_url": app.fake.response_url(),
    }
    assert app.slack.interaction(shortcut).status == 200
    view = app.fake.wait_for(
        "views.open", predicate=lambda c: c.params["view"].get("callback_id") == LOG_MODAL_CALLBACK
    )[-1].params["view"]
    found = app.slack.options(
        {
            "type": "block_suggestion",
            "user": {"id": ADMIN},
            "action_id": CUSTOMER_ACTION,
            "block_id": "customer",
            "value": "oy",
        }
    ).json()["options"]
    assert found
    values = {
        "customer": {"customer": {"type": "external_select", "selected_option": found[0]}},
        "channel": {"value": {"type": "static_select", "selected_option": {"value": "slack"}}},
        "direction": {"value": {"type": "radio_buttons", "selected_option": {"value": "in"}}},
        "summary": {"value": {"type": "plain_text_input", "value": "Kysyi laskusta"}},
    }
    submitted = {
        "type": "view_submission",
        "user": {"id": ADMIN},
        "view": {**view, "id": "V3", "state": {"values": values}},
    }
    assert app.slack.interaction(submitted).json()["response_action"] == "update"
    assert_slack_refused_nothing(app.fake)


def test_the_erase_button_answers_as_slack_accepts(surfaces: RunningApp) -> None:
    app = surfaces
    number = app.services.customers.create(ADMIN, {"name": "Poistettava Pitkänimi Oy"}).number
    prompt = app.slack.command_reply("/customer", f"erase {number}", ADMIN)
    done = _pressed(app, ephemeral_button_press(app.fake, ADMIN, prompt, ERASE_CONFIRM))
    assert not message_text(done).startswith(":warning:")
    assert json.dumps(done)  # the whole answer was accepted by the strict fake
    assert_slack_refused_nothing(app.fake)
