"""Rights carried out over signed HTTP: export, erasure, consent, disclosures, the notice."""

from __future__ import annotations

import datetime as dt
import json
import stat
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from typer.testing import CliRunner

from bot.cli import app as cli
from bot.fake_slack.wire import picked_user
from storage.models import Customer, Disclosure, Invoice, UsageEvent
from tests.conftest import ADMIN, RunningApp, message_text

AGENT = "UAGENT0001"
runner = CliRunner()


def make_customer(app: RunningApp) -> int:
    reply = app.reply_text(
        "/customer",
        'new name="Vienti Oy" email=vienti@example.fi phone="040 987 6543" business_id=2855354-7',
    )
    number = int(reply.split("*")[1])
    app.reply_text("/customer", f"user add {number} username=vienti.user name=Ville")
    app.services.customers.add_service_user(
        ADMIN, str(number), {"username": "vienti.pw"}, password="kissa-koira-1"
    )
    return number


def test_an_export_holds_everything_logged_no_hash_and_only_its_owner_reads_it(
    app: RunningApp,
) -> None:
    number = make_customer(app)
    logged = app.reply_text(
        "/comms", f"log {number} phone dir=in Asiakas kysyi tietojensa viennistä juuri äsken"
    )
    assert "Logged" in logged or "logged" in logged.lower(), logged
    reply = app.reply_text("/customer", f"export {number}")
    assert "exported to" in reply
    path = Path(reply.split("`")[1])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text(encoding="utf-8")
    assert "$argon2" not in text
    document = json.loads(text)
    assert document["correspondence"][-1]["body"].startswith("Asiakas kysyi tietojensa")
    assert {u["username"] for u in document["service_users"]} == {"vienti.user", "vienti.pw"}
    assert document["customer"]["email"] == "vienti@example.fi"
    assert len(document["field_history"]) > 5


def test_an_agent_may_not_export_or_erase(app: RunningApp) -> None:
    app.reply_text("/register", f"grant {picked_user(AGENT)} agent")
    number = make_customer(app)
    assert "missing permission: execute_requests" in app.reply_text(
        "/customer", f"export {number}", AGENT
    )
    assert "missing permission: execute_requests" in app.reply_text(
        "/customer", f"erase {number} confirm", AGENT
    )


def test_after_erasure_nothing_old_is_shown_invoices_remain_and_the_chain_verifies(
    app: RunningApp,
) -> None:
    number = make_customer(app)
    app.reply_text("/comms", f"log {number} email Lähetimme tarjouksen numeroon 0409876543")
    with app.services.context.transaction("test") as tx:
        customer_id = tx.session.execute(
            select(Customer.id).where(Customer.number == number)
        ).scalar_one()
        tx.session.add(
            Invoice(customer_id=customer_id, number="2026-0042", invoice_date=dt.date(2026, 2, 1),
                    amount_cents=4990, status="paid")
        )  # fmt: skip
    report = app.reply_text("/customer", f"erase {number} confirm")
    assert "has been erased" in report
    assert "Items retained" in report and "invoices" in report
    card = app.reply_text("/customer", f"show {number}")
    for old in ("Vienti", "vienti@example.fi", "987 6543", "2855354-7"):
        assert old not in card
        assert "No customers match" in app.reply_text("/customer", f'find "{old}"')
    listing = app.reply_text("/comms", f"list {number}")
    assert "tarjouksen" not in listing and "0409876543" not in listing
    with app.services.context.sessions() as session:
        invoice = session.execute(select(Invoice)).scalar_one()
    assert invoice.retained_until == dt.date(2032, 12, 31)
    assert app.services.audit.verify().ok


def test_erase_without_confirm_asks_with_a_button_that_rechecks_the_role(app: RunningApp) -> None:
    app.reply_text("/register", f"grant {picked_user(AGENT)} agent")
    number = make_customer(app)
    reply = app.reply("/customer", f"erase {number}")
    button = next(
        e for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"]
        if e["action_id"] == "erase_confirm"
    )  # fmt: skip
    assert app.services.customers.show(ADMIN, str(number)).status == "active"

    def press(user: str) -> dict[str, Any]:
        url = app.fake.response_url()
        app.slack.interaction(
            {
                "type": "block_actions",
                "user": {"id": user},
                "response_url": url,
                "actions": [{"action_id": "erase_confirm", "value": button["value"]}],
            }
        )
        return app.fake.wait_for("response_url", predicate=lambda c: c.params["_url"] == url)[
            0
        ].params

    refused = press(AGENT)
    assert "missing permission" in message_text(refused)
    assert app.services.customers.show(ADMIN, str(number)).status == "active"
    done = press(ADMIN)
    assert "has been erased" in message_text(done) and done["replace_original"] is True
    assert app.services.customers.show(ADMIN, str(number)).status == "erased"


def test_disclosures_need_consent_and_transfers_need_transfer_consent(app: RunningApp) -> None:
    number = make_customer(app)

    def disclosures() -> int:
        with app.services.context.sessions() as session:
            return int(session.execute(select(func.count(Disclosure.id))).scalar_one())

    refused = app.reply_text(
        "/customer", f'disclose {number} recipient="Kumppani Oy" basis=consent'
    )
    assert "Disclosure refused" in refused and disclosures() == 0
    assert "legal provision" in app.reply_text(
        "/customer", f"disclose {number} recipient=Verottaja basis=law"
    )
    assert "Recorded customer" in app.reply_text(
        "/customer", f"consent {number} partner_disclosure give signed form 2026-11-20"
    )
    assert "Disclosure recorded" in app.reply_text(
        "/customer", f'disclose {number} recipient="Kumppani Oy" basis=consent country=SE'
    )
    assert disclosures() == 1
    assert "Transfer refused" in app.reply_text(
        "/customer", f'disclose {number} recipient="Partner Inc" basis=consent country=US'
    )
    assert disclosures() == 1
    app.reply_text("/customer", f"consent {number} partner_disclosure withdraw by phone")
    assert "Disclosure refused" in app.reply_text(
        "/customer", f'disclose {number} recipient="Kumppani Oy" basis=consent'
    )
    card = app.reply_text("/customer", f"show {number}")
    assert "partner_disclosure" in card and "withdrawn" in card


def test_the_notice_is_rendered_in_both_languages(app: RunningApp) -> None:
    fi = app.reply_text("/register", "notice fi")
    en = app.reply_text("/register", "notice en")
    assert "Rekisterinpitäjä" in fi and "Controller" in en
    assert "correspondence" in en and "password hash (argon2id)" in en


def test_retention_dry_run_reports_what_a_real_run_then_removes(
    database_url: str, app: RunningApp
) -> None:
    with app.services.context.transaction("test") as tx:
        for days in (10, 400, 500):
            tx.session.add(
                UsageEvent(at=tx.now - dt.timedelta(days=days), kind="login", username="x")
            )
    env = {"REGBOT_DATABASE_URL": database_url, "REGBOT_LANGUAGE": "en"}
    dry = runner.invoke(cli, ["retention", "--dry-run"], env=env)
    assert (
        dry.exit_code == 0 and "2 usage event(s)" in dry.output and "would be purged" in dry.output
    )
    real = runner.invoke(cli, ["retention"], env=env)
    assert real.exit_code == 0 and "2 usage event(s)" in real.output and "purged" in real.output
    again = runner.invoke(cli, ["retention", "--dry-run"], env=env)
    assert "0 usage event(s)" in again.output


def test_regbot_export_customer_and_regbot_notice(
    database_url: str, app: RunningApp, tmp_path: Path
) -> None:
    number = make_customer(app)
    env = {
        "REGBOT_DATABASE_URL": database_url,
        "REGBOT_EXPORT_DIR": str(tmp_path / "cli-exports"),
    }
    result = runner.invoke(cli, ["export", "customer", str(number)], env=env)
    assert result.exit_code == 0, result.output
    files = sorted((tmp_path / "cli-exports").iterdir())
    assert [f.suffix for f in files] == [".json", ".txt"]
    notice = runner.invoke(cli, ["notice", "--language", "en"], env=env)
    assert "Privacy notice" in notice.output and "Transfers outside the EU/EEA" in notice.output


def test_the_export_is_uploaded_to_the_dm_only_when_enabled(app: RunningApp) -> None:
    number = make_customer(app)
    app.reply_text("/customer", f"export {number}")
    assert app.fake.calls_to("files.completeUploadExternal") == []


def test_app_home_lists_my_requests_unassigned_ones_and_the_overdue_count(app: RunningApp) -> None:
    app.reply_text("/register", f"grant {picked_user(AGENT)} agent")
    number = make_customer(app)
    old = (dt.date.today() - dt.timedelta(days=45)).isoformat()
    app.reply_text("/dsr", f"new {number} access received={old}")
    app.reply_text("/dsr", f"new {number} rectification")
    app.reply_text("/dsr", f"assign DSR-1 {picked_user(AGENT)}")
    app.slack.event({"type": "app_home_opened", "user": AGENT, "tab": "home"})
    view = app.fake.wait_for("views.publish")[0].params["view"]
    text = message_text(view)
    assert "Your open requests (1)" in text and "Unassigned (1)" in text
    assert "1 overdue" in text
    assert "DSR-1" in text and "overdue by" in text and "DSR-2" in text


def test_text_typed_in_slack_is_stored_and_exported_as_typed(app: RunningApp) -> None:
    typed = "Smith & Sons <ok>"
    app.reply_text("/customer", 'new name="Smith" email=anna@example.fi city="A&B"')
    app.reply_text("/customer", f'set 10001 name="{typed}"')
    app.reply_text("/customer", f'contact add 10001 name="{typed}" title="R&D <lead>"')
    app.reply_text("/comms", f"log 10001 email dir=in {typed} asked &lt; and https://x.fi/?a=1&b=2")
    app.reply_text("/dsr", f'new 10001 access requester="{typed}" note &amp; more')
    with app.services.context.sessions() as session:
        customer = session.execute(select(Customer)).scalar_one()
        assert (customer.name, customer.email, customer.city) == (typed, "anna@example.fi", "A&B")
    reply = app.reply_text("/customer", "export 10001")
    document = json.loads(Path(reply.split("`")[1]).read_text(encoding="utf-8"))
    assert document["customer"]["name"] == typed
    assert typed in [change["new_value"] for change in document["field_history"]]
    assert document["contacts"][0]["name"] == typed
    assert document["contacts"][0]["title"] == "R&D <lead>"
    assert document["correspondence"][0]["body"] == f"{typed} asked &lt; and https://x.fi/?a=1&b=2"
    assert document["requests"][0]["requester"] == typed
    assert document["requests"][0]["note"] == "note &amp; more"
