"""Reminders: the digest and DMs are sent exactly once, survive Slack failures, and carry buttons
that re-check permissions (SPEC §5.4)."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.app import build_services, build_slack_client
from bot.cli import app as cli
from bot.config import Settings
from bot.domain.permissions import Role
from bot.fake_slack.api import FakeSlack, RecordedCall
from bot.services import Services
from storage.models import Notification
from tests.conftest import ADMIN, RunningApp, message_text
from tests.support.slack_client import button_press

CHANNEL = "C0REMIND"
AGENT = "UAGENT0001"
VIEWER = "UVIEWER001"
runner = CliRunner()


@pytest.fixture
def settings(settings: Settings, fake_slack: FakeSlack) -> Settings:
    # The operator has invited the bot to the reminder channel, as the README says to.
    fake_slack.join(CHANNEL)
    return settings.model_copy(update={"reminder_channel": CHANNEL})


def overdue_request(services: Services, assignee: str | None = AGENT) -> int:
    """A customer and an access request received 40 days ago, assigned to the agent."""
    with services.context.transaction("test") as tx:
        from bot.services.staff import grant_role

        grant_role(tx, AGENT, Role.AGENT)
        grant_role(tx, VIEWER, Role.VIEWER)
    number = services.customers.create(
        ADMIN, {"name": "Salainen Nimi Oy", "email": "salainen@example.fi"}
    ).number
    received = dt.date.today() - dt.timedelta(days=40)
    created = services.requests.create(ADMIN, str(number), "access", received=received)
    if assignee:
        services.requests.assign(ADMIN, created.summary.number, assignee)
    return created.summary.number


def posted(fake: FakeSlack, channel: str) -> list[RecordedCall]:
    return [
        c
        for c in fake.calls_to("chat.postMessage")
        if c.params.get("channel") == channel and not c.failed
    ]


def slack_services(settings: Settings, engine: Any, fake: FakeSlack) -> Services:
    """Services posting through the production client set-up (retry handlers included)."""
    return build_services(settings, engine=engine, slack=build_slack_client(settings, timeout=2))


def remind(settings: Settings, *args: str) -> tuple[int, str]:
    env = {
        "REGBOT_DATABASE_URL": settings.database_url,
        "REGBOT_ADMINS": ADMIN,
        "REGBOT_LANGUAGE": "en",
        "REGBOT_REMINDER_CHANNEL": CHANNEL,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_API_URL": settings.slack_api_url,
    }
    result = runner.invoke(cli, ["remind", *args], env=env)
    return result.exit_code, result.output


def test_regbot_remind_posts_the_digest_and_the_assignees_dm_once(
    settings: Settings, services: Services, fake_slack: FakeSlack
) -> None:
    number = overdue_request(services)
    code, output = remind(settings)
    assert code == 0, output
    digest = [c for c in posted(fake_slack, CHANNEL) if "Overdue" in message_text(c.params)]
    assert len(digest) == 1
    text = message_text(digest[0].params)
    assert f"DSR-{number}" in text and "customer 10001" in text
    assert "Salainen" not in str(digest[0].params) and "salainen@" not in str(digest[0].params)
    dms = posted(fake_slack, AGENT)
    assert len(dms) == 1 and f"DSR-{number}" in message_text(dms[0].params)
    code, output = remind(settings)
    assert code == 0
    assert "0 new notification(s) queued, 0 sent" in output
    assert len(posted(fake_slack, AGENT)) == 1
    assert len([c for c in posted(fake_slack, CHANNEL) if "Overdue" in message_text(c.params)]) == 1


def test_a_dry_run_shows_what_would_be_sent_and_sends_nothing(
    settings: Settings, services: Services, fake_slack: FakeSlack
) -> None:
    overdue_request(services)
    fake_slack.reset()
    code, output = remind(settings, "--dry-run")
    assert code == 0
    assert "digest → C0REMIND" in output and f"assignee_dm → {AGENT}" in output
    assert fake_slack.calls_to("chat.postMessage") == []
    with services.context.sessions() as session:
        assert (
            session.execute(select(Notification).where(Notification.kind != "new_request")).first()
            is None
        )


def test_slack_failing_leaves_reminders_queued_and_the_next_sweep_delivers_each_once(
    settings: Settings, services: Services, fake_slack: FakeSlack
) -> None:
    overdue_request(services)
    fake_slack.fail("chat.postMessage", status=500, times=100)
    code, output = remind(settings)
    assert code == 1
    assert "could not be delivered" in output and "next sweep" in output
    assert "Traceback" not in output
    assert posted(fake_slack, CHANNEL) == [] and posted(fake_slack, AGENT) == []
    fake_slack.reset()
    code, output = remind(settings)
    assert code == 0, output
    assert len(posted(fake_slack, AGENT)) == 1
    assert len([c for c in posted(fake_slack, CHANNEL) if "Overdue" in message_text(c.params)]) == 1
    remind(settings)
    assert len(posted(fake_slack, AGENT)) == 1


def test_a_rate_limited_reminder_waits_for_retry_after_and_is_not_lost(
    settings: Settings, engine: Any, services: Services, fake_slack: FakeSlack
) -> None:
    overdue_request(services)  # no sender: no announcement in flight to race the sweep
    services = slack_services(settings, engine, fake_slack)
    fake_slack.fail("chat.postMessage", status=429, retry_after=120, times=100)
    report = services.reminders.sweep()
    assert report.sent == 0 and report.failed >= 1
    with services.context.sessions() as session:
        rows = (
            session.execute(select(Notification).where(Notification.kind == "assignee_dm"))
            .scalars()
            .all()
        )
    assert len(rows) == 1 and rows[0].status == "pending"
    assert rows[0].next_attempt_at > dt.datetime.now(dt.UTC) + dt.timedelta(seconds=60)


def test_two_sweeps_started_at_the_same_moment_deliver_each_reminder_once(
    settings: Settings, engine: Any, services: Services, fake_slack: FakeSlack
) -> None:
    for _ in range(3):
        overdue_request(services)  # no sender: nothing is in flight when the sweeps start
    first = slack_services(settings, engine, fake_slack)
    second = slack_services(settings, engine, fake_slack)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(services: Services) -> None:
        try:
            barrier.wait()
            services.reminders.sweep()
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(s,)) for s in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(posted(fake_slack, AGENT)) == 1
    digests = [c for c in posted(fake_slack, CHANNEL) if "Overdue" in message_text(c.params)]
    assert len(digests) == 1


def test_a_new_request_is_announced_at_once_without_personal_data(app: RunningApp) -> None:
    app.reply_text("/customer", 'new name="Ilmoitus Oy" email=ilmoitus@example.fi')
    app.reply_text("/dsr", 'new 10001 erasure requester="Pekka P."')
    call = app.fake.wait_for(
        "chat.postMessage", predicate=lambda c: c.params.get("channel") == CHANNEL
    )[0]
    text = message_text(call.params)
    assert "New request DSR-1" in text and "customer 10001" in text
    assert "Ilmoitus" not in str(call.params) and "Pekka" not in str(call.params)


def _press(app: RunningApp, user: str, call: RecordedCall, action_id: str, number: int) -> Any:
    payload = button_press(app.fake, user, call, action_id)
    assert payload["actions"][0]["value"] == str(number)
    return app.slack.interaction(payload), payload["response_url"]


def test_assign_to_me_from_the_digest_assigns_and_updates_the_message(app: RunningApp) -> None:
    number = overdue_request(app.services, assignee=None)
    app.fake.wait_for("chat.postMessage", predicate=lambda c: c.params.get("channel") == CHANNEL)
    app.services.reminders.sweep()
    # The announcement's own delivery thread may be the one that sends the digest.
    digest = app.fake.wait_for(
        "chat.postMessage",
        predicate=lambda c: (
            c.params.get("channel") == CHANNEL and "Unassigned" in message_text(c.params)
        ),
    )[0]
    buttons = [
        e["action_id"]
        for b in digest.params["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]
    assert {"dsr_assign_me", "dsr_open", "dsr_fulfil", "dsr_extend"} <= set(buttons)
    result, _ = _press(app, AGENT, digest, "dsr_assign_me", number)
    assert result.status == 200
    update = app.fake.wait_for("chat.update")[0]
    assert f"assigned to <@{AGENT}>" in message_text(update.params)
    assert app.services.requests.show(ADMIN, number).summary.assignee == AGENT


def test_a_viewer_pressing_assign_to_me_is_refused_and_nothing_changes(app: RunningApp) -> None:
    number = overdue_request(app.services, assignee=None)
    announcement = app.fake.wait_for(
        "chat.postMessage", predicate=lambda c: c.params.get("channel") == CHANNEL
    )[0]
    result, response_url = _press(app, VIEWER, announcement, "dsr_assign_me", number)
    assert result.status == 200
    refusal = app.fake.wait_for(
        "response_url", predicate=lambda c: c.params["_url"] == response_url
    )[0]
    assert "missing permission: work_requests" in message_text(refusal.params)
    assert refusal.params.get("response_type") == "ephemeral"
    assert app.fake.calls_to("chat.update") == []
    assert app.services.requests.show(ADMIN, number).summary.assignee is None


def test_open_shows_the_request_only_to_the_presser(app: RunningApp) -> None:
    number = overdue_request(app.services)
    announcement = app.fake.wait_for(
        "chat.postMessage", predicate=lambda c: c.params.get("channel") == CHANNEL
    )[0]
    _, response_url = _press(app, AGENT, announcement, "dsr_open", number)
    shown = app.fake.wait_for("response_url", predicate=lambda c: c.params["_url"] == response_url)[
        0
    ]
    assert f"DSR-{number}" in message_text(shown.params)
    assert shown.params["response_type"] == "ephemeral"


def test_a_short_retry_after_is_waited_out_in_place(
    settings: Settings, engine: Any, services: Services, fake_slack: FakeSlack
) -> None:
    overdue_request(services)  # no sender: no announcement thread races the sweep below
    services = slack_services(settings, engine, fake_slack)
    fake_slack.reset()
    fake_slack.fail("chat.postMessage", status=429, retry_after=1, times=1)
    report = services.reminders.sweep()
    # The new-request announcement (queued, never sent: no sender above), the digest, the DM.
    assert report.failed == 0 and report.sent == 3
    assert len(posted(fake_slack, AGENT)) == 1


def _submit_reason(app: RunningApp, user: str, view: dict[str, Any], reason: str) -> Any:
    payload = {
        "type": "view_submission",
        "user": {"id": user},
        "view": {
            **view,
            "id": "V9",
            "state": {
                "values": {"reason": {"value": {"type": "plain_text_input", "value": reason}}}
            },
        },
    }
    return app.slack.interaction(payload).json()


def test_mark_fulfilled_asks_for_a_reason_and_closes_a_verified_request(app: RunningApp) -> None:
    number = overdue_request(app.services)
    app.services.requests.verify_by_method(ADMIN, number, "strong e-identification")
    announcement = app.fake.wait_for(
        "chat.postMessage", predicate=lambda c: c.params.get("channel") == CHANNEL
    )[0]
    _press(app, ADMIN, announcement, "dsr_fulfil", number)
    view = app.fake.wait_for("views.open")[0].params["view"]
    assert view["callback_id"] == "dsr_close_modal"
    body = _submit_reason(app, ADMIN, view, "")
    assert body["response_action"] == "errors" and "reason" in body["errors"]
    body = _submit_reason(app, ADMIN, view, "data sent by registered mail")
    assert body["response_action"] == "update"
    assert app.services.requests.show(ADMIN, number).summary.status == "completed"


def test_extend_from_a_button_is_refused_to_an_agent_before_any_form_opens(
    app: RunningApp,
) -> None:
    number = overdue_request(app.services)
    announcement = app.fake.wait_for(
        "chat.postMessage", predicate=lambda c: c.params.get("channel") == CHANNEL
    )[0]
    _, response_url = _press(app, AGENT, announcement, "dsr_extend", number)
    refusal = app.fake.wait_for(
        "response_url", predicate=lambda c: c.params["_url"] == response_url
    )[0]
    assert "missing permission: execute_requests" in message_text(refusal.params)
    assert app.fake.calls_to("views.open") == []


def test_the_assignee_is_reminded_to_tell_the_requester_about_an_extension(
    settings: Settings, engine: Any, fake_slack: FakeSlack
) -> None:
    services = slack_services(settings, engine, fake_slack)
    with services.context.transaction("test") as tx:
        from bot.services.staff import grant_role

        grant_role(tx, AGENT, Role.AGENT)
    services.customers.create(ADMIN, {"name": "Jatko Oy"})
    created = services.requests.create(ADMIN, "10001", "access")
    number = created.summary.number
    services.requests.assign(ADMIN, number, AGENT)
    services.requests.extend(ADMIN, number, "large amount of data")
    services.reminders.sweep()
    dm = fake_slack.wait_for(
        "chat.postMessage", predicate=lambda c: c.params.get("channel") == AGENT
    )
    assert len(dm) == 1
    assert "Tell the requester about the extension" in message_text(dm[0].params)
    told = [e for b in dm[0].params["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert any(e["action_id"] == "dsr_told" for e in told)


def test_a_digest_of_sixty_requests_overdue_and_unassigned_is_accepted_by_slack(
    settings: Settings, engine: Any, services: Services, fake_slack: FakeSlack
) -> None:
    overdue_request(services, assignee=None)
    received = dt.date.today() - dt.timedelta(days=40)
    for n in range(59):
        created = services.requests.create(ADMIN, "10001", "access", received=received)
        if n % 2:
            services.requests.assign(ADMIN, created.summary.number, AGENT)
    report = slack_services(settings, engine, fake_slack).reminders.sweep()
    assert report.failed == 0
    [digest] = [c for c in posted(fake_slack, CHANNEL) if "Overdue (60)" in message_text(c.params)]
    blocks = digest.params["blocks"]
    assert len(blocks) <= 50
    assert [b.get("block_id") for b in blocks].count("dsr-1") == 1
    drawn = sum(1 for b in blocks if str(b.get("block_id", "")).startswith("dsr-"))
    assert f"… and {60 - drawn} more" in message_text(digest.params)
    assert fake_slack.refusals == []


def test_a_reminder_channel_without_the_bot_stays_queued_with_what_to_do(
    settings: Settings, engine: Any, services: Services, fake_slack: FakeSlack
) -> None:
    overdue_request(services)
    fake_slack.leave(CHANNEL)
    fake_slack.allow_refusals()
    report = slack_services(settings, engine, fake_slack).reminders.sweep()
    assert any(
        "not_in_channel (invite the bot to the reminder channel)" in e for e in report.errors
    )
    fake_slack.join(CHANNEL)
    again = slack_services(settings, engine, fake_slack).reminders.deliver_pending()
    assert again.failed == 0 and len(posted(fake_slack, CHANNEL)) == 2
