"""The fake Slack Web API and the signed request helpers behave as Slack and its SDK expect."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from slack_bolt import Ack, App, Respond
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import Clock, SignatureVerifier
from slack_sdk.webhook import WebhookClient

from bot.fake_slack.api import RESPONSE_URL_METHOD, FakeSlack
from bot.fake_slack.wire import (
    as_slack_sends,
    command_body,
    event_body,
    interaction_body,
    picked_channel,
    picked_user,
    signed_headers,
)
from tests.support.slack_client import SignedSlackClient, SlackWouldRefuse

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
NOW = 1_700_000_000
BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*DSR-12* due 2025-01-31"}}]


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as running:
        running.join("C1")  # the bot is in C1 (and in no other channel)
        yield running


def client_for(fake: FakeSlack, **kwargs: Any) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake.api_url, **kwargs)


def verifier_at(now: float) -> SignatureVerifier:
    class FixedClock(Clock):
        def now(self) -> float:
            return now

    return SignatureVerifier(SECRET, clock=FixedClock())


def test_a_web_client_can_post_a_message_and_the_call_is_recorded_with_decoded_blocks(
    fake: FakeSlack,
) -> None:
    response = client_for(fake).chat_postMessage(channel="C1", text="hello", blocks=BLOCKS)

    assert response["ok"] is True
    assert response["channel"] == "C1"
    [call] = fake.calls_to("chat.postMessage")
    assert call.params["blocks"] == BLOCKS
    assert call.params["text"] == "hello"
    assert call.headers["Authorization"] == "Bearer xoxb-test"
    assert call.failed is False


def test_form_encoded_json_fields_are_decoded_back_into_objects(fake: FakeSlack) -> None:
    ts = client_for(fake).chat_postMessage(channel="C1", text="first")["ts"]
    client_for(fake).api_call(
        "chat.update",
        params={"channel": "C1", "ts": ts, "text": "now", "blocks": json.dumps(BLOCKS)},
    )

    [call] = fake.calls_to("chat.update")
    assert call.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert call.params["blocks"] == BLOCKS


def test_message_timestamps_increase_and_permalinks_are_built_from_them(fake: FakeSlack) -> None:
    client = client_for(fake)
    first = client.chat_postMessage(channel="C1", text="one")["ts"]
    second = client.chat_postMessage(channel="C1", text="two")["ts"]

    permalink = client.chat_getPermalink(channel="C1", message_ts=first)["permalink"]

    assert float(second) > float(first)
    assert permalink == f"https://example.slack.com/archives/C1/p{first.replace('.', '')}"


def test_views_and_dms_and_users_get_plausible_answers(fake: FakeSlack) -> None:
    client = client_for(fake)
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "New customer"},
        "blocks": BLOCKS,
    }

    opened = client.views_open(trigger_id=fake.new_trigger_id(), view=view)["view"]
    dm = client.conversations_open(users="U123")["channel"]
    user = client.users_info(user="U123")["user"]

    assert opened["id"].startswith("V")
    assert opened["title"] == view["title"]
    assert dm["id"] == "DU123"
    assert user["id"] == "U123"
    assert user["tz"] == "Europe/Helsinki"


def test_an_injected_server_error_raises_slack_api_error_and_the_next_call_succeeds(
    fake: FakeSlack,
) -> None:
    fake.fail("chat.postMessage", status=500)
    client = client_for(fake)

    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C1", text="first")
    second = client.chat_postMessage(channel="C1", text="second")

    assert raised.value.response.status_code == 500
    assert second["ok"] is True
    assert [call.failed for call in fake.calls_to("chat.postMessage")] == [True, False]


def test_an_ok_false_answer_can_be_injected_with_status_200(fake: FakeSlack) -> None:
    fake.fail("chat.postMessage", status=200, body={"ok": False, "error": "channel_not_found"})

    with pytest.raises(SlackApiError) as raised:
        client_for(fake).chat_postMessage(channel="C404", text="hi")

    assert raised.value.response["error"] == "channel_not_found"


def test_a_wildcard_failure_applies_to_any_method_the_given_number_of_times(
    fake: FakeSlack,
) -> None:
    fake.fail("*", status=503, times=2)
    client = client_for(fake)

    for _ in range(2):
        with pytest.raises(SlackApiError):
            client.auth_test()

    assert client.auth_test()["user_id"] == fake.bot_user_id


def test_a_rate_limit_answer_carries_retry_after_to_the_client(fake: FakeSlack) -> None:
    fake.fail("chat.postMessage", status=429, retry_after=1)

    with pytest.raises(SlackApiError) as raised:
        client_for(fake, retry_handlers=[]).chat_postMessage(channel="C1", text="hi")

    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "1"
    assert raised.value.response["error"] == "ratelimited"


def test_a_rate_limited_call_is_retried_by_the_rate_limit_handler_and_succeeds(
    fake: FakeSlack,
) -> None:
    fake.fail("chat.postMessage", status=429, retry_after=0)
    client = client_for(fake, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])

    response = client.chat_postMessage(channel="C1", text="hi")

    assert response["ok"] is True
    assert [call.failed for call in fake.calls_to("chat.postMessage")] == [True, False]


def test_a_delayed_answer_makes_a_client_time_out(fake: FakeSlack) -> None:
    fake.delay("chat.postMessage", seconds=5.0)
    client = client_for(fake, timeout=1, retry_handlers=[])

    with pytest.raises(TimeoutError):
        client.chat_postMessage(channel="C1", text="slow")


def test_files_upload_v2_works_end_to_end(fake: FakeSlack) -> None:
    response = client_for(fake).files_upload_v2(
        channel="D1", filename="export.json", content='{"customer": 10042}', title="Export"
    )

    assert response["file"]["name"] == "export.json"
    assert response["file"]["channels"] == ["D1"]
    [upload] = fake.calls_to("file_upload")
    assert upload.params["content"] == b'{"customer": 10042}'
    [complete] = fake.calls_to("files.completeUploadExternal")
    assert complete.params["files"] == [{"id": upload.params["file_id"], "title": "Export"}]


def test_response_url_posts_are_recorded_and_found_by_wait_for(fake: FakeSlack) -> None:
    url = fake.response_url()
    other = fake.response_url()
    poster = threading.Thread(
        target=lambda: WebhookClient(url).send(text="done", response_type="ephemeral")
    )

    poster.start()
    [call] = fake.wait_for(RESPONSE_URL_METHOD, predicate=lambda c: c.params["_url"] == url)
    poster.join()

    assert url != other
    assert call.params["text"] == "done"
    assert call.params["response_type"] == "ephemeral"


def test_a_failed_response_url_post_is_answered_with_the_injected_status(fake: FakeSlack) -> None:
    fake.fail(RESPONSE_URL_METHOD, status=404)

    response = WebhookClient(fake.response_url()).send(text="late")

    assert response.status_code == 404
    assert fake.calls_to(RESPONSE_URL_METHOD)[0].failed is True


def test_wait_for_times_out_with_an_error_naming_the_method(fake: FakeSlack) -> None:
    client_for(fake).auth_test()

    with pytest.raises(TimeoutError, match=r"chat\.postMessage.*recorded: auth\.test"):
        fake.wait_for("chat.postMessage", timeout=0.05)


def test_a_query_string_get_is_recorded_like_a_post(fake: FakeSlack) -> None:
    url = f"{fake.api_url}users.info?user=U9&token=xoxb-test"
    with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 - loopback http only
        body = json.load(answer)

    assert body["user"]["id"] == "U9"
    assert fake.calls_to("users.info")[0].params == {"user": "U9", "token": "xoxb-test"}


def test_reset_forgets_calls_and_pending_failures(fake: FakeSlack) -> None:
    client = client_for(fake)
    client.auth_test()
    fake.fail("auth.test")

    fake.reset()

    assert client.auth_test()["ok"] is True
    assert [call.method for call in fake.calls] == ["auth.test"]


def test_signed_headers_are_accepted_by_the_sdk_signature_verifier() -> None:
    body = command_body("/customer", "find acme", user_id="U1", response_url="http://x/r/1")

    headers = signed_headers(body, SECRET, NOW)

    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert verifier_at(NOW + 10).is_valid_request(body, headers)
    assert headers["X-Slack-Signature"] == SignatureVerifier(SECRET).generate_signature(
        timestamp=str(NOW), body=body
    )


def test_a_body_altered_after_signing_is_rejected() -> None:
    body = command_body("/customer", "show 10042", user_id="U1", response_url="http://x/r/1")
    headers = signed_headers(body, SECRET, NOW)

    altered = body.replace("10042", "10043")

    assert not verifier_at(NOW).is_valid_request(altered, headers)


def test_command_bodies_carry_every_field_slack_sends() -> None:
    body = command_body("/dsr", "list open", user_id="U1", response_url="http://x/r/1")

    fields = {key: values[0] for key, values in parse_qs(body, keep_blank_values=True).items()}

    assert set(fields) == {
        "token",
        "team_id",
        "team_domain",
        "channel_id",
        "channel_name",
        "user_id",
        "user_name",
        "command",
        "text",
        "api_app_id",
        "is_enterprise_install",
        "response_url",
        "trigger_id",
    }
    assert fields["text"] == "list open"


def test_interaction_and_event_bodies_wrap_their_payloads_as_slack_does() -> None:
    payload = {"type": "block_actions", "actions": [{"action_id": "assign_to_me"}]}

    interaction = parse_qs(interaction_body(payload))
    envelope = json.loads(event_body({"type": "app_home_opened", "user": "U1"}))

    assert json.loads(interaction["payload"][0]) == payload
    assert envelope["type"] == "event_callback"
    assert envelope["event"]["type"] == "app_home_opened"


# -- as strict as Slack: each refusal, and the valid call beside it --------------------------


class HandClock:
    """A clock the test moves by hand (the fake's triggers and response URLs read it)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> HandClock:
    return HandClock()


@pytest.fixture
def timed(clock: HandClock) -> Iterator[FakeSlack]:
    with FakeSlack(clock=clock) as running:
        yield running


def slack_error(call: Callable[[], Any]) -> str:
    with pytest.raises(SlackApiError) as raised:
        call()
    assert raised.value.response.status_code == 200  # Slack answers ok: false with HTTP 200
    return str(raised.value.response["error"])


def test_a_message_with_repeated_block_ids_is_refused_as_invalid_blocks(fake: FakeSlack) -> None:
    client = client_for(fake)
    line = {**BLOCKS[0], "block_id": "dsr-12"}

    error = slack_error(
        lambda: client.chat_postMessage(channel="C1", text="t", blocks=[line, line])
    )
    other = {**line, "block_id": "actions-12"}
    posted = client.chat_postMessage(channel="C1", text="t", blocks=[line, other])

    assert error == "invalid_blocks"
    assert posted["ok"] is True
    [refused] = fake.refusals
    assert refused.refused == "invalid_blocks" and refused.failed is True


def test_a_message_without_fallback_text_is_refused(fake: FakeSlack) -> None:
    client = client_for(fake)

    with pytest.warns(UserWarning, match="top-level `text` argument is missing"):
        error = slack_error(lambda: client.chat_postMessage(channel="C1", blocks=BLOCKS))
    assert error == "invalid_arguments"
    assert client.chat_postMessage(channel="C1", blocks=BLOCKS, text="fallback")["ok"] is True


def test_the_bot_posts_only_where_it_was_invited(fake: FakeSlack) -> None:
    client = client_for(fake)

    assert slack_error(lambda: client.chat_postMessage(channel="C2", text="hi")) == "not_in_channel"
    assert slack_error(lambda: client.chat_postEphemeral(channel="C2", user="U1", text="hi")) == (
        "not_in_channel"
    )
    fake.join("C2")
    assert client.chat_postMessage(channel="C2", text="hi")["ok"] is True
    assert client.chat_postMessage(channel="U123", text="a DM")["channel"] == "DU123"
    fake.leave("C2")
    assert slack_error(lambda: client.chat_postMessage(channel="C2", text="hi")) == "not_in_channel"


def test_chat_update_needs_a_message_the_bot_posted(fake: FakeSlack) -> None:
    client = client_for(fake)
    ts = client.chat_postMessage(channel="C1", text="before")["ts"]

    assert slack_error(lambda: client.chat_update(channel="C1", ts="1.000001", text="x")) == (
        "message_not_found"
    )
    assert client.chat_update(channel="C1", ts=ts, text="after")["ok"] is True
    message = fake.message("C1", ts)
    assert message is not None and message["text"] == "after"


def test_a_trigger_id_opens_one_view_within_three_seconds(
    timed: FakeSlack, clock: HandClock
) -> None:
    client = client_for(timed)
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Form"}, "blocks": BLOCKS}
    trigger = timed.new_trigger_id()
    late = timed.new_trigger_id()

    assert client.views_open(trigger_id=trigger, view=view)["ok"] is True
    assert slack_error(lambda: client.views_open(trigger_id=trigger, view=view)) == (
        "exchanged_trigger_id"
    )
    assert slack_error(lambda: client.views_open(trigger_id="1.2.3", view=view)) == (
        "invalid_trigger_id"
    )
    clock.now += 3.5
    assert slack_error(lambda: client.views_open(trigger_id=late, view=view)) == (
        "expired_trigger_id"
    )


def test_a_view_slack_would_refuse_is_invalid_arguments_and_keeps_its_trigger(
    fake: FakeSlack,
) -> None:
    client = client_for(fake)
    trigger = fake.new_trigger_id()
    long_title = {"type": "plain_text", "text": "Uuden asiakkaan tiedot ja yhteyshenkilöt"}
    bad = {"type": "modal", "title": long_title, "blocks": BLOCKS}
    good = {**bad, "title": {"type": "plain_text", "text": "Uusi asiakas"}}

    assert slack_error(lambda: client.views_open(trigger_id=trigger, view=bad)) == (
        "invalid_arguments"
    )
    assert client.views_open(trigger_id=trigger, view=good)["ok"] is True


def test_views_update_with_a_stale_hash_is_a_hash_conflict(fake: FakeSlack) -> None:
    client = client_for(fake)
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Form"}, "blocks": BLOCKS}
    opened = client.views_open(trigger_id=fake.new_trigger_id(), view=view)["view"]

    updated = client.views_update(view_id=opened["id"], hash=opened["hash"], view=view)["view"]

    assert (
        slack_error(
            lambda: client.views_update(view_id=opened["id"], hash=opened["hash"], view=view)
        )
        == "hash_conflict"
    )
    assert client.views_update(view_id=opened["id"], hash=updated["hash"], view=view)["ok"]
    assert slack_error(lambda: client.views_update(view_id="V404", view=view)) == "not_found"


def test_the_home_tab_takes_a_home_view_only(fake: FakeSlack) -> None:
    client = client_for(fake)
    home = {"type": "home", "blocks": BLOCKS}
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Form"}, "blocks": BLOCKS}

    assert client.views_publish(user_id="U1", view=home)["ok"] is True
    assert slack_error(lambda: client.views_publish(user_id="U1", view=modal)) == (
        "invalid_arguments"
    )


def test_a_response_url_takes_five_posts_in_thirty_minutes(
    timed: FakeSlack, clock: HandClock
) -> None:
    url = timed.response_url()
    answers = [WebhookClient(url).send(text=f"reply {n}") for n in range(6)]
    later = timed.response_url()
    clock.now += 30 * 60 + 1

    expired = WebhookClient(later).send(text="too late")
    unknown = WebhookClient(f"{timed.base_url}/response/999999").send(text="never issued")

    assert [a.status_code for a in answers] == [200] * 5 + [404]
    assert answers[5].body == "expired_url"
    assert (expired.status_code, expired.body) == (404, "expired_url")
    assert (unknown.status_code, unknown.body) == (404, "no_service")


def test_a_response_url_post_slack_would_refuse_is_answered_as_a_webhook_answers(
    fake: FakeSlack,
) -> None:
    url = fake.response_url()
    line = {**BLOCKS[0], "block_id": "same"}

    refused = WebhookClient(url).send(text="t", blocks=[line, line])
    accepted = WebhookClient(url).send(text="t", blocks=[line])

    assert (refused.status_code, refused.body) == (400, "invalid_blocks")
    assert accepted.status_code == 200


def test_calls_need_a_token_and_socket_mode_needs_an_app_token(fake: FakeSlack) -> None:
    fake.socket_mode_url = "ws://127.0.0.1:9/"

    assert slack_error(lambda: WebClient(base_url=fake.api_url).auth_test()) == "not_authed"
    assert slack_error(lambda: client_for(fake).apps_connections_open(app_token="xoxb-bot")) == (
        "not_allowed_token_type"
    )
    opened = client_for(fake).apps_connections_open(app_token="xapp-1-app")
    assert opened["url"] == "ws://127.0.0.1:9/"
    app_client = WebClient(token="xapp-1-app", base_url=fake.api_url)
    assert slack_error(lambda: app_client.chat_postMessage(channel="C1", text="x")) == (
        "not_allowed_token_type"
    )


# -- the client sends what Slack sends and holds acknowledgements to Slack's limits -----------


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ('name="Smith & Sons <ok>"', 'name="Smith &amp; Sons &lt;ok&gt;"'),
        ("note=&lt;", "note=&amp;lt;"),
        ("<!channel> <@U999>", "&lt;!channel&gt; &lt;@U999&gt;"),
        ("ping @here now", "ping <!here> now"),
        ("email=anna@example.fi", "email=<mailto:anna@example.fi|anna@example.fi>"),
        ("see https://x.fi/a?b=1&c=2.", "see <https://x.fi/a?b=1&amp;c=2>."),
        (f"assign 5 {picked_user('U0AGENT')}", "assign 5 <@U0AGENT|anna>"),
        (f"in {picked_channel('C0SUP', 'support')}", "in <#C0SUP|support>"),
    ],
)
def test_typed_command_text_is_sent_as_slack_escapes_it(typed: str, sent: str) -> None:
    assert as_slack_sends(typed, lambda user_id: "anna") == sent


# -- the signed client against a minimal Bolt app served over real HTTP ---------------------


class QuietWSGIRequestHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def bolt_url(fake: FakeSlack) -> Iterator[str]:
    app = App(signing_secret=SECRET, client=WebClient(token="xoxb-test", base_url=fake.api_url))

    @app.command("/echo")
    def echo(ack: Ack, command: dict[str, Any]) -> None:
        ack(text=f"echo: {command['text']}")

    @app.command("/repeat")
    def repeat(ack: Ack) -> None:
        line = {**BLOCKS[0], "block_id": "same"}
        ack(text="twice", blocks=[line, line])

    @app.view("form")
    def form(ack: Ack) -> None:
        ack(response_action="errors", errors={"no_such_block": "Wrong"})

    @app.options("pick")
    def pick(ack: Ack) -> None:
        ack(
            options=[
                {"text": {"type": "plain_text", "text": f"{n}"}, "value": f"{n}"}
                for n in range(101)
            ]
        )

    @app.command("/later")
    def later(ack: Ack, respond: Respond, command: dict[str, Any]) -> None:
        ack()
        respond(text=f"later: {command['text']}", response_type="ephemeral")

    handler = SlackRequestHandler(app)
    server: WSGIServer = make_server("127.0.0.1", 0, handler, handler_class=QuietWSGIRequestHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/slack/events"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_the_signed_client_returns_a_commands_json_ack(fake: FakeSlack, bolt_url: str) -> None:
    client = SignedSlackClient(bolt_url, SECRET, fake=fake)

    assert client.command_reply("/echo", "hi", "U1")["text"] == "echo: hi"


def test_the_signed_client_returns_what_was_posted_to_the_response_url(
    fake: FakeSlack, bolt_url: str
) -> None:
    client = SignedSlackClient(bolt_url, SECRET, fake=fake)

    reply = client.command_reply("/later", "report", "U1")

    assert reply == {"text": "later: report", "response_type": "ephemeral"}


def test_the_signed_client_returns_rejections_instead_of_raising(
    fake: FakeSlack, bolt_url: str
) -> None:
    client = SignedSlackClient(bolt_url, SECRET, fake=fake)

    genuine = client.command("/echo", "hi", "U1")
    stale = client.command("/echo", "hi", "U1", timestamp=NOW)
    wrong_secret = client.command("/echo", "hi", "U1", secret="not-the-secret")
    forged = client.command("/echo", "hi", "U1", signature="v0=" + "0" * 64)

    assert genuine.status == 200
    assert [stale.status, wrong_secret.status, forged.status] == [401, 401, 401]


def test_the_signed_client_signs_with_its_injected_clock(fake: FakeSlack, bolt_url: str) -> None:
    an_hour_ago = time.time() - 3600
    client = SignedSlackClient(bolt_url, SECRET, clock=lambda: an_hour_ago, fake=fake)

    assert client.command("/echo", "hi", "U1").status == 401
    assert client.command("/echo", "hi", "U1", timestamp=int(time.time())).status == 200


def test_the_signed_client_refuses_acknowledgements_slack_would_refuse(
    fake: FakeSlack, bolt_url: str
) -> None:
    client = SignedSlackClient(bolt_url, SECRET, fake=fake)
    submission = {
        "type": "view_submission",
        "user": {"id": "U1"},
        "view": {
            "type": "modal",
            "callback_id": "form",
            "title": {"type": "plain_text", "text": "Form"},
            "blocks": BLOCKS,
            "state": {"values": {}},
        },
    }
    suggestion = {
        "type": "block_suggestion",
        "user": {"id": "U1"},
        "action_id": "pick",
        "value": "x",
    }

    with pytest.raises(SlackWouldRefuse, match="invalid_blocks"):
        client.command("/repeat", "", "U1")
    with pytest.raises(SlackWouldRefuse, match="no input block 'no_such_block'"):
        client.interaction(submission)
    with pytest.raises(SlackWouldRefuse, match="no more than 100 items"):
        client.options(suggestion)
