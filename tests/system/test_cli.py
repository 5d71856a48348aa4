"""The operator's `regbot` command line: schema, serve, staff, audit verify, manifest, demo."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from bot.cli import app as cli
from bot.fake_slack.api import FakeSlack
from bot.services import Services
from storage.db import make_engine
from tests.conftest import ADMIN, BOT_TOKEN, SIGNING_SECRET, message_text
from tests.support.slack_client import SignedSlackClient

runner = CliRunner()


def run(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    result = runner.invoke(cli, args, env=env)
    return result.exit_code, result.output


def test_db_upgrade_brings_an_empty_database_to_head_once(tmp_path: Path) -> None:
    env = {"REGBOT_DATABASE_URL": f"sqlite:///{tmp_path}/new.db"}
    code, output = run(["db", "upgrade"], env)
    assert code == 0
    assert "empty → 0005" in output
    code, output = run(["db", "upgrade"], env)
    assert "already up to date" in output


def test_serve_refuses_an_out_of_date_schema_with_one_line(tmp_path: Path) -> None:
    env = {
        "REGBOT_DATABASE_URL": f"sqlite:///{tmp_path}/old.db",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
    }
    code, output = run(["serve", "--port", "0"], env)
    assert code == 2
    assert "run `regbot db upgrade`" in output
    assert len(output.strip().splitlines()) == 1
    assert "Traceback" not in output


def test_a_missing_or_malformed_setting_is_one_line_naming_it(tmp_path: Path) -> None:
    code, output = run(["serve"], {"REGBOT_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    assert code == 2
    assert "SLACK_BOT_TOKEN" in output
    code, output = run(["db", "upgrade"], {"REGBOT_TIMEZONE": "Mars/Olympus"})
    assert code == 2
    assert output.strip().count("\n") == 0
    assert "REGBOT_TIMEZONE" in output


def _env(database_url: str) -> dict[str, str]:
    return {"REGBOT_DATABASE_URL": database_url, "REGBOT_ADMINS": ADMIN, "REGBOT_LANGUAGE": "en"}


def test_staff_grant_list_and_revoke(database_url: str) -> None:
    env = _env(database_url)
    assert run(["staff", "grant", "UAGENT0001", "agent"], env)[0] == 0
    code, output = run(["staff", "list"], env)
    assert "UAGENT0001" in output and "agent" in output and ADMIN in output
    code, output = run(["staff", "grant", "UAGENT0001", "wizard"], env)
    assert code == 2 and "not a role" in output
    code, output = run(["staff", "grant", "bob", "agent"], env)
    assert code == 2 and "not a Slack user ID" in output
    assert run(["staff", "revoke", "UAGENT0001"], env)[0] == 0
    code, output = run(["staff", "revoke", "UAGENT0001"], env)
    assert code == 1 and "no role" in output


def test_audit_verify_passes_untouched_and_names_the_first_tampered_row(
    database_url: str, services: Services
) -> None:
    for i in range(3):
        services.customers.create(ADMIN, {"name": f"Ketju {i} Oy"})
    services.customers.find(ADMIN, "ketju")
    env = _env(database_url)
    code, output = run(["audit", "verify"], env)
    assert code == 0, output
    assert "intact" in output
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET actor = 'UOTHER' WHERE seq = 2"))
    engine.dispose()
    code, output = run(["audit", "verify"], env)
    assert code == 1
    assert "#2" in output


def test_manifest_lists_every_command_the_shortcut_scopes_and_events() -> None:
    code, output = run(["manifest", "--url", "https://regbot.example.fi"], {})
    assert code == 0
    manifest = json.loads(output)
    commands = {c["command"]: c for c in manifest["features"]["slash_commands"]}
    assert set(commands) == {"/customer", "/comms", "/dsr", "/register"}
    assert all(c["should_escape"] for c in commands.values())
    assert commands["/customer"]["url"] == "https://regbot.example.fi/slack/events"
    assert manifest["features"]["shortcuts"][0]["callback_id"] == "log_message"
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert "commands" in manifest["oauth_config"]["scopes"]["bot"]
    assert "app_home_opened" in manifest["settings"]["event_subscriptions"]["bot_events"]
    socket_manifest = json.loads(run(["manifest", "--socket"], {})[1])
    assert socket_manifest["settings"]["socket_mode_enabled"] is True


def test_demo_finds_customers_with_no_slack_workspace(tmp_path: Path) -> None:
    code, output = run(
        [
            "demo",
            "--database",
            str(tmp_path / "demo.db"),
            "-c",
            "/customer find oy",
            "-c",
            "/customer show 10001",
        ],
        {},
    )
    assert code == 0, output
    assert "match(es) for “oy”" in output
    assert " Oy" in output
    assert "Customer number: 10001" in output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_regbot_serve_answers_signed_commands_over_http(database_url: str) -> None:
    port = _free_port()
    with FakeSlack() as fake:
        env = {
            **os.environ,
            **_env(database_url),
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake.api_url,
            "REGBOT_LANGUAGE": "en",
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                        break
                except OSError:
                    if time.monotonic() > deadline or process.poll() is not None:
                        pytest.fail("regbot serve did not come up")
                    time.sleep(0.1)
            client = SignedSlackClient(
                f"http://127.0.0.1:{port}/slack/events", SIGNING_SECRET, fake=fake
            )
            reply = client.command_reply("/customer", 'new name="Palvelin Oy"', ADMIN)
            assert "Created customer *10001*" in message_text(reply)
            forged = client.command("/customer", "find oy", ADMIN, secret="wrong")
            assert forged.status == 401
        finally:
            process.terminate()
            process.wait(timeout=10)


def test_import_customers_reports_bad_lines_and_imports_all_or_nothing(
    database_url: str, tmp_path: Path
) -> None:
    env = _env(database_url)
    good = tmp_path / "good.csv"
    good.write_text(
        "name,business_id,phone,city\n"
        "Tuonti Oy,2855354-7,040 123 4567,Turku\n"
        "Toinen Tuonti Oy,,050 765 4321,Oulu\n",
        encoding="utf-8",
    )
    code, output = run(["import", "customers", str(good)], env)
    assert code == 0, output
    assert "2 created" in output
    code, output = run(["import", "customers", str(good)], env)
    assert "0 created" in output and "2 unchanged" in output
    bad = tmp_path / "bad.csv"
    bad.write_text("name,email\nHyvä Oy,ok@example.fi\nHuono Oy,not-an-email\n", encoding="utf-8")
    code, output = run(["import", "customers", str(bad)], env)
    assert code == 1
    assert "line 3" in output and "not a valid e-mail address" in output
    assert "nothing was imported" in output
    code, output = run(["import", "customers", "--skip-invalid", str(bad)], env)
    assert code == 0 and "1 created" in output and "1 skipped" in output
    assert "would create them again" not in output
    nameless = tmp_path / "names.csv"
    nameless.write_text("name,city\nPelkkä Nimi Oy,Turku\n", encoding="utf-8")
    code, output = run(["import", "customers", str(nameless)], env)
    assert code == 0 and "1 created" in output
    assert "without a customer number, business ID, e-mail or phone" in output
    assert "them by: 1." in output


def test_socket_mode_needs_the_app_token_and_says_so(tmp_path: Path) -> None:
    env = {
        "REGBOT_DATABASE_URL": f"sqlite:///{tmp_path}/s.db",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
    }
    code, output = run(["socket"], env)
    assert code == 2
    assert "SLACK_APP_TOKEN" in output
