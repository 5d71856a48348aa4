"""The fake Slack Web API and the signed request helpers behave as Slack and its SDK expect."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Iterator
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

from bot.fake_slack import (
    RESPONSE_URL_METHOD,
    FakeSlack,
    command_body,
    event_body,
    interaction_body,
    signed_headers,
)
from tests.support.slack_client import SignedSlackClient

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
NOW = 1_700_000_000
BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*DSR-12* due 2025-01-31"}}]


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as running:
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
    client_for(fake).api_call(
        "chat.update", params={"channel": "C1", "ts": "1.2", "blocks": json.dumps(BLOCKS)}
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
    view = {"type": "modal", "title": {"type": "plain_text", "text": "New customer"}, "blocks": []}

    opened = client.views_open(trigger_id="1.2.3", view=view)["view"]
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
    url = f"{fake.api_url}users.info?user=U9"
    with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 - loopback http only
        body = json.load(answer)

    assert body["user"]["id"] == "U9"
    assert fake.calls_to("users.info")[0].params == {"user": "U9"}


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
