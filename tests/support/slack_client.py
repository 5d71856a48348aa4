"""A client that sends regbot's HTTP endpoint requests signed exactly as Slack signs them.

It sends what Slack sends: command text escaped as with `should_escape` (`as_slack_sends`: typed
`&`, `<`, `>` as entities, mentions as `<@U1|name>`, e-mail addresses and URLs linked), trigger
IDs issued by the fake (one view each, for 3 seconds). And it holds every acknowledgement to what
Slack accepts: a command's message, a view submission's `response_action`, an options list —
whatever Slack would refuse raises `SlackWouldRefuse`, as the person would see an error.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.fake_slack.api import RESPONSE_URL_METHOD, FakeSlack, RecordedCall
from bot.fake_slack.limits import Refusal, message_refusal, options_refusal, view_ack_refusal
from bot.fake_slack.wire import (
    FORM_CONTENT_TYPE,
    JSON_CONTENT_TYPE,
    as_slack_sends,
    command_body,
    event_body,
    interaction_body,
    options_body,
    signed_headers,
    url_verification_body,
)

# Without a FakeSlack, commands still need a response_url; nothing listens on the discard port.
_UNREACHABLE_RESPONSE_URL = "http://127.0.0.1:9/response/unused"


class SlackWouldRefuse(AssertionError):
    """The app acknowledged with something Slack refuses (the person would see an error)."""

    def __init__(self, what: str, refusal: Refusal) -> None:
        super().__init__(f"Slack would refuse {what}: {refusal.error} {list(refusal.messages)}")
        self.refusal = refusal


@dataclass(frozen=True)
class HttpResult:
    """What the server answered: status, raw body and headers (names lower-cased)."""

    status: int
    body: bytes
    headers: dict[str, str]
    response_url: str | None = None

    @property
    def text(self) -> str:
        """The body decoded as UTF-8."""
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


class SignedSlackClient:
    """POSTs slash commands, interactions, options requests and events to a running regbot."""

    def __init__(
        self,
        base_url: str,
        signing_secret: str,
        clock: Callable[[], float] = time.time,
        fake: FakeSlack | None = None,
        *,
        timeout: float = 10.0,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must be an http(s) URL, got {base_url!r}")
        self.base_url = base_url
        self.signing_secret = signing_secret
        self.clock = clock
        self.fake = fake
        self.timeout = timeout
        # Loopback only: never route test traffic through a proxy from the environment.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def command(
        self,
        command: str,
        text: str,
        user_id: str,
        *,
        response_url: str | None = None,
        timestamp: int | None = None,
        secret: str | None = None,
        signature: str | None = None,
        wire: bool = False,
        **fields: Any,
    ) -> HttpResult:
        """Send a slash command as typed (escaped as Slack escapes it; ``wire=True`` sends the
        text exactly as given); ``fields`` (user_name, channel_id…) go to ``command_body``."""
        if response_url is None:
            response_url = (
                self.fake.response_url() if self.fake is not None else _UNREACHABLE_RESPONSE_URL
            )
        if not wire:
            text = as_slack_sends(text, self.fake.user_name if self.fake is not None else None)
        if self.fake is not None and "trigger_id" not in fields:
            fields["trigger_id"] = self.fake.new_trigger_id()
        body = command_body(command, text, user_id=user_id, response_url=response_url, **fields)
        result = self._send_signed(body, FORM_CONTENT_TYPE, timestamp, secret, signature)
        if result.status == 200 and result.body.strip():
            _check_command_ack(command, result)
        return HttpResult(result.status, result.body, result.headers, response_url)

    def command_reply(
        self, command: str, text: str, user_id: str, timeout: float = 5.0, **fields: Any
    ) -> dict[str, Any]:
        """Send a command and return its JSON ack, or else the first reply to its response_url."""
        result = self.command(command, text, user_id, **fields)
        if result.status != 200:
            raise AssertionError(f"{command} {text!r} answered HTTP {result.status}: {result.text}")
        if result.body.strip():
            try:
                acked = result.json()
            except ValueError:
                return {"text": result.text}
            if isinstance(acked, dict):
                return acked
            raise AssertionError(f"{command} {text!r} acked with non-object JSON: {result.text}")
        if self.fake is None:
            raise RuntimeError("the ack was empty and there is no FakeSlack to catch respond()")
        url = result.response_url
        call = self.fake.wait_for(
            RESPONSE_URL_METHOD, timeout=timeout, predicate=lambda c: c.params.get("_url") == url
        )[0]
        return {key: value for key, value in call.params.items() if key != "_url"}

    def interaction(
        self,
        payload: dict[str, Any],
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        signature: str | None = None,
    ) -> HttpResult:
        """Send a block_actions / view_submission / shortcut / message_action payload; one
        without a trigger ID gets a fresh one from the fake, as Slack sends one with each."""
        if self.fake is not None and "trigger_id" not in payload and "type" in payload:
            payload = {**payload, "trigger_id": self.fake.new_trigger_id()}
        body = interaction_body(payload)
        result = self._send_signed(body, FORM_CONTENT_TYPE, timestamp, secret, signature)
        if payload.get("type") == "view_submission" and result.status == 200:
            submitted = payload.get("view")
            refusal = view_ack_refusal(
                _json_or_none(result), submitted if isinstance(submitted, dict) else {}
            )
            if refusal is not None:
                raise SlackWouldRefuse("the view submission's acknowledgement", refusal)
        return result

    def options(
        self,
        payload: dict[str, Any],
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        signature: str | None = None,
    ) -> HttpResult:
        """Send a block_suggestion (external select options) payload."""
        body = options_body(payload)
        result = self._send_signed(body, FORM_CONTENT_TYPE, timestamp, secret, signature)
        if result.status == 200:
            refusal = options_refusal(_json_or_none(result))
            if refusal is not None:
                raise SlackWouldRefuse("the options list", refusal)
        return result

    def event(
        self,
        event: dict[str, Any],
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        signature: str | None = None,
        **envelope: Any,
    ) -> HttpResult:
        """Send an Events API ``event_callback``; ``envelope`` goes to ``event_body``."""
        body = event_body(event, **envelope)
        return self._send_signed(body, JSON_CONTENT_TYPE, timestamp, secret, signature)

    def url_verification(self, challenge: str) -> HttpResult:
        """Send the ``url_verification`` handshake."""
        body = url_verification_body(challenge)
        return self._send_signed(body, JSON_CONTENT_TYPE, None, None, None)

    def post_raw(self, body: bytes | str, headers: Mapping[str, str]) -> HttpResult:
        """POST ``body`` with exactly ``headers`` (no signing), returning error statuses too."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        # The scheme was checked in __init__, so this cannot open a file: URL.
        request = urllib.request.Request(  # noqa: S310
            self.base_url, data=data, headers=dict(headers), method="POST"
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return HttpResult(
                    response.status, response.read(), _lower(response.headers.items())
                )
        except urllib.error.HTTPError as error:
            with error:
                return HttpResult(error.code, error.read(), _lower(error.headers.items()))

    def _send_signed(
        self,
        body: str,
        content_type: str,
        timestamp: int | None,
        secret: str | None,
        signature: str | None,
    ) -> HttpResult:
        when = int(self.clock()) if timestamp is None else timestamp
        headers = signed_headers(body, secret or self.signing_secret, when, content_type)
        if signature is not None:
            headers["X-Slack-Signature"] = signature
        return self.post_raw(body, headers)


def button_press(
    fake: FakeSlack, user_id: str, posted: RecordedCall, action_id: str
) -> dict[str, Any]:
    """The `block_actions` payload Slack sends when `user_id` presses the button `action_id`
    on a message the bot posted (`posted`, a successful chat.postMessage): the message as the
    fake holds it, its channel and ts, the button's own block ID and value, a fresh trigger ID
    and response URL. A button that is not on the message is an AssertionError."""
    assert posted.answer is not None and posted.answer.get("ok"), "the message was not posted"
    channel, ts = str(posted.answer["channel"]), str(posted.answer["ts"])
    message = fake.message(channel, ts)
    assert message is not None, "the fake never saw that message"
    action = _pressed(list(message.get("blocks") or []), action_id)
    return {
        "type": "block_actions",
        "user": {"id": user_id, "username": fake.user_name(user_id), "team_id": fake.team_id},
        "api_app_id": fake.app_id,
        "team": {"id": fake.team_id, "domain": fake.team_domain},
        "container": {
            "type": "message",
            "message_ts": ts,
            "channel_id": channel,
            "is_ephemeral": False,
        },
        "trigger_id": fake.new_trigger_id(),
        "channel": {"id": channel, "name": "directmessage" if channel[:1] == "D" else "reminders"},
        "message": message,
        "response_url": fake.response_url(),
        "actions": [action],
    }


def find_button(blocks: list[dict[str, Any]], action_id: str) -> tuple[dict[str, Any], str | None]:
    """The button `action_id` among the blocks, with its block's ID; AssertionError if none."""
    for block in blocks:
        for element in [*(block.get("elements") or []), block.get("accessory") or {}]:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return element, block.get("block_id")
    raise AssertionError(f"no button {action_id!r} in the blocks")


def ephemeral_button_press(
    fake: FakeSlack, user_id: str, reply: dict[str, Any], action_id: str
) -> dict[str, Any]:
    """The `block_actions` payload Slack sends when the person presses a button on an
    ephemeral reply they were shown (no `message` in it, as Slack keeps none)."""
    action = _pressed(list(reply.get("blocks") or []), action_id)
    return {
        "type": "block_actions",
        "user": {"id": user_id, "username": fake.user_name(user_id), "team_id": fake.team_id},
        "api_app_id": fake.app_id,
        "team": {"id": fake.team_id, "domain": fake.team_domain},
        "container": {"type": "message", "message_ts": "1700000000.000001", "is_ephemeral": True},
        "trigger_id": fake.new_trigger_id(),
        "channel": {"id": "D0EPHEMERAL", "name": "directmessage"},
        "response_url": fake.response_url(),
        "actions": [action],
    }


def _pressed(blocks: list[dict[str, Any]], action_id: str) -> dict[str, Any]:
    """The `actions` entry Slack sends for a press of the button `action_id` in the blocks."""
    element, block_id = find_button(blocks, action_id)
    return {
        "type": element["type"],
        "action_id": action_id,
        "block_id": block_id,
        "text": element.get("text"),
        "value": element.get("value"),
        "action_ts": f"{time.time():.6f}",
    }


def _json_or_none(result: HttpResult) -> Any:
    if not result.body.strip():
        return None
    try:
        return result.json()
    except ValueError:
        return result.text


def _check_command_ack(command: str, result: HttpResult) -> None:
    """A command's acknowledgement is plain text or a JSON message Slack can show."""
    try:
        acked = result.json()
    except ValueError:
        return
    refusal = message_refusal(acked) if isinstance(acked, dict) else None
    if refusal is not None:
        raise SlackWouldRefuse(f"the acknowledgement of {command}", refusal)


def _lower(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers}
