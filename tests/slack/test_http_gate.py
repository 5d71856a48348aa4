"""Requests that Slack did not sign are turned away before any listener runs."""

from __future__ import annotations

import time
import urllib.request

from tests.conftest import ADMIN, RunningApp


def test_a_correctly_signed_command_is_answered(app: RunningApp) -> None:
    reply = app.reply_text("/customer", "help")
    assert "/customer find TEXT" in reply


def test_a_forged_signature_is_rejected_with_401(app: RunningApp) -> None:
    result = app.slack.command("/customer", "find oy", ADMIN, signature="v0=" + "0" * 64)
    assert result.status == 401


def test_a_request_signed_with_the_wrong_secret_is_rejected_with_401(app: RunningApp) -> None:
    result = app.slack.command("/customer", "find oy", ADMIN, secret="not-the-secret")
    assert result.status == 401


def test_a_stale_request_older_than_five_minutes_is_rejected_with_401(app: RunningApp) -> None:
    result = app.slack.command("/customer", "find oy", ADMIN, timestamp=int(time.time()) - 301)
    assert result.status == 401


def test_rejected_requests_reach_no_listener(app: RunningApp) -> None:
    app.slack.command("/customer", "new name=Forged", ADMIN, secret="wrong")
    assert app.services.stats.stats(ADMIN).customers_by_status == {}


def test_healthz_answers_ok(app: RunningApp) -> None:
    with urllib.request.urlopen(f"{app.url}/healthz", timeout=5) as response:  # noqa: S310
        assert response.status == 200


def test_slacks_url_verification_handshake_is_answered_with_its_challenge(app: RunningApp) -> None:
    answered = app.slack.url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
    assert answered.status == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in answered.text
