"""A local fake of the Slack Web API, as strict as Slack.

The fake serves real HTTP on loopback from a daemon thread, so the production code talks to it
through an unmodified ``slack_sdk.WebClient`` (``base_url=fake.api_url``) and Bolt's ``respond()``
(``response_url=fake.response_url()``). It records every call, can be told to fail or to answer
slowly, and lets a test block until a call arrives. The offline ``regbot demo`` uses it too.

It is as strict as Slack (SPEC §9, "a green suite means it works in a workspace"): every message,
view and response-URL post is checked by `bot.fake_slack.limits` and refused with Slack's own error
name; a trigger ID works once and for 3 seconds; a response URL takes 5 posts in 30 minutes;
`chat.update` needs a message the fake saw posted; `views.update` with a stale hash is a
`hash_conflict`; and the bot can post only to channels it was invited to (`join`). Every refusal
is recorded, so a test fixture can fail a test whose app sent what Slack would refuse.
"""

from __future__ import annotations

import contextlib
import email.policy
import itertools
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, TypeVar, cast
from urllib.parse import parse_qsl, urlsplit

from bot.fake_slack.limits import Refusal, message_refusal, view_refusal
from bot.fake_slack.wire import JSON_CONTENT_TYPE, new_trigger_id

logger = logging.getLogger(__name__)


#: The pseudo method under which POSTs to a :meth:`FakeSlack.response_url` are recorded.
RESPONSE_URL_METHOD = "response_url"
#: The pseudo method under which the file bytes POSTed to an upload URL are recorded.
FILE_UPLOAD_METHOD = "file_upload"
#: Matches any method in :meth:`FakeSlack.fail`, :meth:`FakeSlack.delay` and ``wait_for``.
ANY_METHOD = "*"

# Fields the SDK sends as JSON strings inside form bodies; decoded back for readable assertions.
_JSON_STRING_FIELDS = frozenset({"blocks", "view", "attachments", "files", "metadata"})
_FIRST_TS_MICROS = 1_700_000_000_000_000
_DEFAULT_TZ = "Europe/Helsinki"
#: How long a trigger ID can open a view, and how many posts and how long a response URL takes.
TRIGGER_SECONDS = 3.0
RESPONSE_URL_POSTS = 5
RESPONSE_URL_SECONDS = 30 * 60.0
# Methods whose message is checked, and those that open a view with a trigger ID.
_MESSAGE_METHODS = frozenset({"chat.postMessage", "chat.update", "chat.postEphemeral"})
_TRIGGERED_VIEWS = frozenset({"views.open", "views.push"})


@dataclass(frozen=True)
class RecordedCall:
    """One request the fake received: the API method, its parameters and the request headers."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    failed: bool = False
    delayed: float = 0.0
    #: Slack's error name when the fake refused the call as Slack would (not an injected fault).
    refused: str | None = None
    #: The JSON the fake answered (e.g. a posted message's ``channel`` and ``ts``), if any.
    answer: dict[str, Any] | None = None


@dataclass
class _Rule:
    method: str
    remaining: int


@dataclass
class _Failure(_Rule):
    status: int
    retry_after: int | None
    body: dict[str, Any] | str | bytes | None


@dataclass
class _Delay(_Rule):
    seconds: float


_R = TypeVar("_R", bound=_Rule)


@dataclass
class _Reply:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


def _json_reply(payload: dict[str, Any], status: int = 200) -> _Reply:
    body = json.dumps(payload).encode("utf-8")
    return _Reply(status, body, "application/json; charset=utf-8")


def _text_reply(text: str, status: int = 200) -> _Reply:
    return _Reply(status, text.encode("utf-8"), "text/plain; charset=utf-8")


class FakeSlack:
    """A recording, failure-injecting fake of the Slack Web API served on 127.0.0.1."""

    def __init__(
        self,
        *,
        team_id: str = "T0DEMO",
        team_name: str = "Example",
        team_domain: str = "example",
        bot_user_id: str = "U0REGBOT",
        bot_id: str = "B0REGBOT",
        bot_name: str = "regbot",
        app_id: str = "A0DEMO",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.team_id = team_id
        self.team_name = team_name
        self.team_domain = team_domain
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.bot_name = bot_name
        self.app_id = app_id
        self._changed = threading.Condition()
        self._calls: list[RecordedCall] = []
        self._failures: list[_Failure] = []
        self._delays: list[_Delay] = []
        self._uploads: dict[str, dict[str, Any]] = {}
        self._clock = clock
        self._triggers: dict[str, float] = {}
        self._response_urls: dict[str, list[float]] = {}
        self._messages: dict[tuple[str, str], dict[str, Any]] = {}
        self._view_hashes: dict[str, str] = {}
        self._home_hashes: dict[str, str] = {}
        self._channels: set[str] = set()
        self._refusals_allowed = False
        #: The ``ws://`` URL that ``apps.connections.open`` answers (a Socket Mode server's).
        self.socket_mode_url: str | None = None
        self._ts_counter = itertools.count(1)
        self._id_counter = itertools.count(1)
        self._closing = threading.Event()
        self._server: _FakeSlackServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        """Start serving on a free loopback port in a daemon thread; returns self."""
        if self._server is not None:
            return self
        self._closing.clear()
        server = _FakeSlackServer(("127.0.0.1", 0), _Handler, self)
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-slack",
            daemon=True,
        )
        self._server, self._thread = server, thread
        thread.start()
        return self

    def close(self) -> None:
        """Stop the server, waking any request that is being delayed; safe to call twice."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._closing.set()
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5.0)
        self._server = self._thread = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def base_url(self) -> str:
        """The server root, e.g. ``http://127.0.0.1:PORT``."""
        if self._server is None:
            raise RuntimeError("FakeSlack is not running; call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        """The Web API base URL to give to ``WebClient(base_url=...)``, ending in ``/api/``."""
        return f"{self.base_url}/api/"

    def response_url(self) -> str:
        """A fresh, unique response URL on this server, as Slack puts in commands and actions."""
        with self._changed:
            number = str(next(self._id_counter))
            self._response_urls[number] = [self._clock()]
        return f"{self.base_url}/response/{number}"

    def new_trigger_id(self) -> str:
        """A fresh trigger ID, as Slack puts in commands, actions and shortcuts: it opens one
        view (``views.open`` or ``views.push``) within 3 seconds."""
        trigger = new_trigger_id()
        with self._changed:
            self._triggers[trigger] = self._clock()
        return trigger

    def join(self, *channel_ids: str) -> None:
        """Invite the bot to these channels: it may post there (else ``not_in_channel``)."""
        with self._changed:
            self._channels.update(channel_ids)

    def leave(self, *channel_ids: str) -> None:
        """Remove the bot from these channels."""
        with self._changed:
            self._channels.difference_update(channel_ids)

    def allow_refusals(self) -> None:
        """Say that this test expects the app to send something Slack refuses (see `refusals`)."""
        self._refusals_allowed = True

    @property
    def refusals_allowed(self) -> bool:
        """Whether the test said it expects refusals; fixtures check `refusals` otherwise."""
        return self._refusals_allowed

    @property
    def refusals(self) -> list[RecordedCall]:
        """Every call refused as Slack would refuse it, oldest first."""
        with self._changed:
            return [call for call in self._calls if call.refused is not None]

    def user_name(self, user_id: str) -> str:
        """The user's name as Slack puts it in a mention (``<@U1|name>``) and `users.info`."""
        return f"user_{user_id.lower()}"

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        """The message the bot posted at (channel, ts), as last updated; None if never posted."""
        with self._changed:
            found = self._messages.get((channel, ts))
            return dict(found) if found is not None else None

    # -- configuration ---------------------------------------------------------------------

    def fail(
        self,
        method: str,
        status: int = 500,
        times: int = 1,
        retry_after: int | None = None,
        body: dict[str, Any] | str | bytes | None = None,
    ) -> None:
        """Make the next ``times`` calls to ``method`` (or ``"*"``) answer ``status`` instead."""
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._changed:
            self._failures.append(_Failure(method, times, status, retry_after, body))

    def delay(self, method: str, seconds: float, times: int = 1) -> None:
        """Make the next ``times`` calls to ``method`` (or ``"*"``) wait ``seconds`` first."""
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._changed:
            self._delays.append(_Delay(method, times, seconds))

    def reset(self) -> None:
        """Forget recorded calls and pending failures and delays."""
        with self._changed:
            self._calls.clear()
            self._failures.clear()
            self._delays.clear()

    # -- inspection ------------------------------------------------------------------------

    @property
    def calls(self) -> list[RecordedCall]:
        """A copy of every call recorded so far, oldest first."""
        with self._changed:
            return list(self._calls)

    def calls_to(self, method: str) -> list[RecordedCall]:
        """Every recorded call (failed ones included) to ``method``, oldest first."""
        with self._changed:
            return [call for call in self._calls if _matches(method, call.method)]

    def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,
        predicate: Callable[[RecordedCall], bool] | None = None,
    ) -> list[RecordedCall]:
        """Block until ``count`` successful calls to ``method`` match, and return all that do."""

        def matching() -> list[RecordedCall]:
            return [
                call
                for call in self._calls
                if not call.failed
                and _matches(method, call.method)
                and (predicate is None or predicate(call))
            ]

        with self._changed:
            if self._changed.wait_for(lambda: len(matching()) >= count, timeout=timeout):
                return matching()
            seen = ", ".join(
                f"{call.method}{' (failed)' if call.failed else ''}" for call in self._calls
            )
            found = len(matching())
        raise TimeoutError(
            f"timed out after {timeout}s waiting for {count} successful call(s) to {method!r}"
            f" (found {found}); recorded: {seen or 'nothing'}"
        )

    # -- request handling (runs on server threads) -------------------------------------------

    def _handle(self, method: str, params: dict[str, Any], headers: dict[str, str]) -> _Reply:
        with self._changed:
            pending_delay = _take(self._delays, method)
        delayed = 0.0
        if pending_delay is not None:
            delayed = pending_delay.seconds
            # An Event wait rather than a sleep, so close() does not hang on a delayed request.
            self._closing.wait(delayed)
        with self._changed:
            failure = _take(self._failures, method)
            refusal = None
            if failure is not None:
                reply = _failure_reply(method, failure)
            else:
                refusal = self._refusal(method, params, headers)
                if refusal is None:
                    reply = self._success_reply(method, params)
                else:
                    reply = _refusal_reply(method, refusal)
            self._calls.append(
                RecordedCall(
                    method,
                    params,
                    headers,
                    failed=failure is not None or refusal is not None,
                    delayed=delayed,
                    refused=refusal.error if refusal is not None else None,
                    answer=_answer(reply),
                )
            )
            self._changed.notify_all()
        return reply

    def _refusal(
        self, method: str, params: dict[str, Any], headers: dict[str, str]
    ) -> Refusal | None:
        """What Slack would refuse in this call, checked under the lock, before it takes effect."""
        if method == RESPONSE_URL_METHOD:
            return self._response_url_refusal(params)
        if method == FILE_UPLOAD_METHOD:
            return None
        token = headers.get("Authorization", "").removeprefix("Bearer ").strip()
        token = token or str(params.get("token") or "")
        if not token:
            return _refusal("not_authed", "no token was given")
        if method == "apps.connections.open":
            if not token.startswith("xapp-"):
                return _refusal("not_allowed_token_type", "needs an app-level token (xapp-)")
            return None
        if token.startswith("xapp-"):
            return _refusal("not_allowed_token_type", "an app-level token cannot call this")
        if method in _MESSAGE_METHODS:
            return self._message_refusal(method, params)
        if method in _TRIGGERED_VIEWS:
            return self._trigger_refusal(params) or view_refusal(params.get("view"))
        if method == "views.update":
            return self._view_update_refusal(params)
        if method == "views.publish":
            if not params.get("user_id"):
                return _refusal("invalid_arguments", "user_id is required")
            given = params.get("hash")
            if given and given != self._home_hashes.get(str(params["user_id"])):
                return _refusal("hash_conflict", "the home view changed since this hash")
            return view_refusal(params.get("view"), types=frozenset({"home"}))
        return None

    def _message_refusal(self, method: str, params: dict[str, Any]) -> Refusal | None:
        channel = str(params.get("channel", ""))
        if not channel:
            return _refusal("channel_not_found", "channel is required")
        if method == "chat.update":
            if (channel, str(params.get("ts", ""))) not in self._messages:
                return _refusal("message_not_found", "no message of the bot's at that ts")
        elif channel[:1] in ("C", "G") and channel not in self._channels:
            return _refusal("not_in_channel", f"the bot is not in {channel}")
        if method == "chat.postEphemeral" and not params.get("user"):
            return _refusal("user_not_in_channel", "user is required")
        return message_refusal(params)

    def _trigger_refusal(self, params: dict[str, Any]) -> Refusal | None:
        trigger = str(params.get("trigger_id", ""))
        issued = self._triggers.get(trigger)
        if issued is None:
            error = "exchanged_trigger_id" if trigger in self._used_triggers() else None
            return _refusal(error or "invalid_trigger_id", "this trigger ID was never issued")
        if self._clock() - issued > TRIGGER_SECONDS:
            return _refusal("expired_trigger_id", "a trigger ID works for 3 seconds")
        return None

    def _used_triggers(self) -> set[str]:
        return {
            str(call.params.get("trigger_id"))
            for call in self._calls
            if call.method in _TRIGGERED_VIEWS and call.refused is None and not call.failed
        }

    def _view_update_refusal(self, params: dict[str, Any]) -> Refusal | None:
        view_id = str(params.get("view_id", ""))
        if view_id not in self._view_hashes:
            return _refusal("not_found", "no open view has that view_id")
        given = params.get("hash")
        if given and given != self._view_hashes[view_id]:
            return _refusal("hash_conflict", "the view changed since this hash")
        return view_refusal(params.get("view"))

    def _response_url_refusal(self, params: dict[str, Any]) -> Refusal | None:
        number = str(params.get("_url", "")).rsplit("/", 1)[-1]
        uses = self._response_urls.get(number)
        if uses is None:
            return _refusal("no_service", "this response URL was never issued")
        issued, posts = uses[0], len(uses) - 1
        if posts >= RESPONSE_URL_POSTS or self._clock() - issued > RESPONSE_URL_SECONDS:
            return _refusal("expired_url", "a response URL takes 5 posts in 30 minutes")
        if params.get("delete_original") in (True, "true"):
            return None
        return message_refusal(params)

    def _success_reply(self, method: str, params: dict[str, Any]) -> _Reply:
        if method == RESPONSE_URL_METHOD:
            number = str(params.get("_url", "")).rsplit("/", 1)[-1]
            self._response_urls[number].append(self._clock())
            return _text_reply("ok")
        if method == FILE_UPLOAD_METHOD:
            return _text_reply(f"OK - {len(params.get('content', b''))}")
        builder = self._builders().get(method)
        payload: dict[str, Any] = {"ok": True}
        if builder is not None:
            payload.update(builder(params))
        return _json_reply(payload)

    def _builders(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        return {
            "auth.test": self._auth_test,
            "apps.connections.open": self._connections_open,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": lambda _p: {"message_ts": self._next_ts()},
            "chat.update": self._chat_update,
            "chat.delete": lambda p: {"channel": p.get("channel"), "ts": p.get("ts")},
            "chat.getPermalink": self._chat_get_permalink,
            "views.open": self._views_answer,
            "views.push": self._views_answer,
            "views.update": self._views_answer,
            "views.publish": self._views_answer,
            "conversations.open": self._conversations_open,
            "users.info": self._users_info,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
        }

    def _next_ts(self) -> str:
        micros = _FIRST_TS_MICROS + 100 * next(self._ts_counter)
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._id_counter):09d}"

    def _auth_test(self, _params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": f"https://{self.team_domain}.slack.com/",
            "team": self.team_name,
            "user": self.bot_name,
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _connections_open(self, _params: dict[str, Any]) -> dict[str, Any]:
        if self.socket_mode_url is None:
            return {"ok": False, "error": "internal_error"}
        return {"url": self.socket_mode_url}

    def _chat_post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel", ""))
        if channel[:1] in ("U", "W"):
            # Posting to a user ID lands in the app's DM with that user, as on Slack.
            channel = "D" + channel
        ts = self._next_ts()
        message: dict[str, Any] = {
            "type": "message",
            "text": params.get("text", ""),
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
            "ts": ts,
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if key in params:
                message[key] = params[key]
        self._messages[(channel, ts)] = message
        if channel != str(params.get("channel", "")):
            # The DM's channel ID and the user ID it was posted to both find the message.
            self._messages[(str(params.get("channel", "")), ts)] = message
        return {"channel": channel, "ts": ts, "message": message}

    def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        message: dict[str, Any] = {"text": params.get("text", ""), "user": self.bot_user_id}
        if "blocks" in params:
            message["blocks"] = params["blocks"]
        stored = self._messages[(str(params.get("channel", "")), str(params.get("ts", "")))]
        stored.update(message)
        return {
            "channel": params.get("channel"),
            "ts": params.get("ts"),
            "text": params.get("text", ""),
            "message": message,
        }

    def _chat_get_permalink(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel", ""))
        message_ts = str(params.get("message_ts", ""))
        return {
            "channel": channel,
            "permalink": (
                f"https://{self.team_domain}.slack.com/archives/{channel}"
                f"/p{message_ts.replace('.', '')}"
            ),
        }

    def _views_answer(self, params: dict[str, Any]) -> dict[str, Any]:
        given = params.get("view")
        view: dict[str, Any] = dict(given) if isinstance(given, dict) else {}
        view_id = str(params.get("view_id") or self._next_id("V"))
        view_hash = uuid.uuid4().hex[:20]
        if "trigger_id" in params:
            # A trigger opens one view; Slack answers a second use with exchanged_trigger_id.
            self._triggers.pop(str(params["trigger_id"]), None)
        if "user_id" in params:
            self._home_hashes[str(params["user_id"])] = view_hash
        else:
            self._view_hashes[view_id] = view_hash
        view.update(
            {
                "id": view_id,
                "team_id": self.team_id,
                "app_id": self.app_id,
                "bot_id": self.bot_id,
                "root_view_id": view_id,
                "previous_view_id": None,
                "hash": view_hash,
                "state": {"values": {}},
            }
        )
        return {"view": view}

    def _conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("channel"):
            channel_id = str(params["channel"])
        else:
            users = str(params.get("users", "")).split(",")
            channel_id = "D" + users[0].strip()
        return {"channel": {"id": channel_id, "is_im": True}}

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user_id = str(params.get("user", ""))
        user = self._user_record(
            user_id,
            name=self.user_name(user_id),
            real_name=None,
            tz=_DEFAULT_TZ,
            is_bot=False,
            deleted=False,
        )
        return {"user": user}

    def _user_record(
        self,
        user_id: str,
        *,
        name: str,
        real_name: str | None,
        tz: str,
        is_bot: bool,
        deleted: bool,
    ) -> dict[str, Any]:
        shown = real_name or name
        return {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "real_name": shown,
            "deleted": deleted,
            "is_bot": is_bot,
            "tz": tz,
            "tz_label": "Eastern European Time",
            "tz_offset": 7200,
            "profile": {"real_name": shown, "display_name": name},
        }

    def _files_get_upload_url(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = self._next_id("F")
        self._uploads[file_id] = {
            "filename": str(params.get("filename", "")),
            "length": int(params.get("length", 0) or 0),
        }
        return {"upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload(self, params: dict[str, Any]) -> dict[str, Any]:
        given = params.get("files")
        entries: list[Any] = given if isinstance(given, list) else []
        channel_id = params.get("channel_id")
        files = []
        for entry in entries:
            file_id = str(entry.get("id", "")) if isinstance(entry, dict) else ""
            upload = self._uploads.get(file_id, {"filename": "", "length": 0})
            title = entry.get("title") if isinstance(entry, dict) else None
            filename = upload["filename"]
            files.append(
                {
                    "id": file_id,
                    "name": filename,
                    "title": title or filename,
                    "size": upload["length"],
                    "user": self.bot_user_id,
                    "channels": [channel_id] if channel_id else [],
                    "permalink": (
                        f"https://{self.team_domain}.slack.com/files/"
                        f"{self.bot_user_id}/{file_id}/{filename}"
                    ),
                }
            )
        return {"files": files}


def _matches(wanted: str, method: str) -> bool:
    return wanted in (ANY_METHOD, method)


def _take(rules: list[_R], method: str) -> _R | None:
    for rule in rules:
        if _matches(rule.method, method):
            rule.remaining -= 1
            if rule.remaining <= 0:
                rules.remove(rule)
            return rule
    return None


def _answer(reply: _Reply) -> dict[str, Any] | None:
    if not reply.content_type.startswith("application/json"):
        return None
    loaded = json.loads(reply.body)
    return loaded if isinstance(loaded, dict) else None


def _refusal(error: str, text: str) -> Refusal:
    return Refusal(error, (f"[ERROR] {text}",))


def _refusal_reply(method: str, refusal: Refusal) -> _Reply:
    """Slack's answer: the Web API says ``ok: false`` with HTTP 200; a response URL answers as
    an incoming webhook does, with the error's name as text (HTTP 404 for a dead URL, else 400)."""
    if method == RESPONSE_URL_METHOD:
        status = 404 if refusal.error in ("no_service", "expired_url") else 400
        return _text_reply(refusal.error, status)
    return _json_reply(refusal.as_response())


def _failure_reply(method: str, failure: _Failure) -> _Reply:
    body = failure.body
    if body is None:
        error = {429: "ratelimited", 200: "fake_failure"}.get(failure.status, "internal_error")
        body = error if method == RESPONSE_URL_METHOD else {"ok": False, "error": error}
    if isinstance(body, dict):
        reply = _json_reply(body, failure.status)
    elif isinstance(body, str):
        reply = _text_reply(body, failure.status)
    else:
        reply = _Reply(failure.status, body, "application/octet-stream")
    if failure.retry_after is not None:
        reply.headers["Retry-After"] = str(failure.retry_after)
    return reply


def _decode_json_strings(params: dict[str, Any]) -> dict[str, Any]:
    decoded = dict(params)
    for key in _JSON_STRING_FIELDS & decoded.keys():
        value = decoded[key]
        if isinstance(value, str) and value[:1] in ("[", "{"):
            # Not JSON after all: keep the string the caller sent.
            with contextlib.suppress(ValueError):
                decoded[key] = json.loads(value)
    return decoded


def _parse_multipart(content_type: str, body: bytes) -> dict[str, Any]:
    head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    params: dict[str, Any] = {}
    for part in message.walk():
        if part.is_multipart():
            continue
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        raw = payload if isinstance(payload, bytes) else b""
        params[name] = raw if part.get_filename() else raw.decode("utf-8", errors="replace")
    return params


def _parse_params(content_type: str, query: str, body: bytes) -> dict[str, Any]:
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    media_type = content_type.split(";", 1)[0].strip().lower()
    if body and media_type == JSON_CONTENT_TYPE:
        loaded = json.loads(body.decode("utf-8"))
        if isinstance(loaded, dict):
            params.update(loaded)
    elif body and media_type == "multipart/form-data":
        params.update(_parse_multipart(content_type, body))
    elif body:
        params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    return _decode_json_strings(params)


class _FakeSlackServer(ThreadingHTTPServer):
    daemon_threads = True
    # close() wakes delayed requests itself; never block shutdown on a slow handler.
    block_on_close = False
    # Many clients at once (concurrent sweeps, load tests): the default backlog of 5 makes the
    # kernel reset connections, which would look like a Slack outage.
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], handler: type[_Handler], fake: FakeSlack) -> None:
        self.fake = fake
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.exception("fake Slack failed to answer a request")


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakeSlack/1.0"

    def do_GET(self) -> None:
        self._dispatch(b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._dispatch(self.rfile.read(length) if length else b"")

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: tests and the demo do not want access logs on stderr."""

    def _dispatch(self, body: bytes) -> None:
        fake = cast(_FakeSlackServer, self.server).fake
        url = urlsplit(self.path)
        headers = {name: value for name, value in self.headers.items()}
        content_type = self.headers.get("Content-Type", "")
        kind, _, rest = url.path.lstrip("/").partition("/")
        try:
            if kind == "api" and rest:
                params = _parse_params(content_type, url.query, body)
                reply = fake._handle(rest, params, headers)
            elif kind == "response" and rest:
                params = _parse_params(content_type, url.query, body)
                params["_url"] = f"{fake.base_url}{url.path}"
                reply = fake._handle(RESPONSE_URL_METHOD, params, headers)
            elif kind == "upload" and rest:
                with fake._changed:
                    filename = fake._uploads.get(rest, {}).get("filename", "")
                params = {"file_id": rest, "filename": filename, "content": body}
                reply = fake._handle(FILE_UPLOAD_METHOD, params, headers)
            else:
                reply = _text_reply("not found", HTTPStatus.NOT_FOUND)
        except ValueError:
            reply = _json_reply({"ok": False, "error": "invalid_request_body"}, 400)
        self._write(reply)

    def _write(self, reply: _Reply) -> None:
        # A client that gave up (e.g. timed out against a delayed answer) just stops listening.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)
