"""Requests built and signed as Slack builds and signs them, and text as Slack sends it.

Slash commands, interactions, options requests and events, with every field Slack sends; the
`X-Slack-Signature` of a body; and `as_slack_sends`, which turns what a person typed into the
escaped command text Slack sends with `should_escape` (SPEC §4.1).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
JSON_CONTENT_TYPE = "application/json"
#: Slack's deprecated verification token field; Bolt ignores it, but Slack still sends it.
FAKE_VERIFICATION_TOKEN = "fake-verification-token"  # noqa: S105 - not a secret


def slack_signature(body: bytes | str, signing_secret: str, timestamp: int) -> str:
    """The ``X-Slack-Signature`` value: ``v0=`` + hex HMAC-SHA256 of ``v0:{timestamp}:{body}``."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    base = b"v0:" + str(timestamp).encode("ascii") + b":" + raw
    return "v0=" + hmac.new(signing_secret.encode("utf-8"), base, hashlib.sha256).hexdigest()


def signed_headers(
    body: bytes | str,
    signing_secret: str,
    timestamp: int,
    content_type: str = FORM_CONTENT_TYPE,
) -> dict[str, str]:
    """The headers Slack sends with ``body``: content type, request timestamp and signature."""
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": slack_signature(body, signing_secret, timestamp),
    }


# A mention or channel the person picked from Slack's lists, written into typed text by
# `picked_user` / `picked_channel` (private-use characters, which nobody types).
_PICKED = re.compile("\ue000([@#])([A-Z0-9]+)(?:\\|([^\ue001]*))?\ue001")
_TYPED_LINK = re.compile(
    r"(?P<url>https?://(?:(?!&gt;|&lt;)[^\s<>\"|])+(?<![.,;:!?)]))"
    r"|(?P<email>[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)"
    r"|(?<![\w@])@(?P<special>here|channel|everyone)\b"
)


def picked_user(user_id: str) -> str:
    """A user picked from Slack's mention list, for typed text given to `as_slack_sends`."""
    return f"\ue000@{user_id}\ue001"


def picked_channel(channel_id: str, name: str) -> str:
    """A channel picked from Slack's list, for typed text given to `as_slack_sends`."""
    return f"\ue000#{channel_id}|{name}\ue001"


def as_slack_sends(typed: str, user_names: Callable[[str], str] | None = None) -> str:
    """Command text as Slack sends it with ``should_escape``, from what the person typed.

    Every typed ``&``, ``<`` and ``>`` is escaped (``&amp;``, ``&lt;``, ``&gt;``), so a typed
    ``<!channel>`` stays text; a typed e-mail address or http(s) URL is linked as Slack links it
    (``<mailto:a@b.fi|a@b.fi>``, ``<https://x.fi>``), and ``@here``, ``@channel`` and
    ``@everyone`` become Slack's special mentions (``<!here>``). A user or channel picked from
    Slack's lists (`picked_user`, `picked_channel`) arrives as ``<@U1|name>``, ``<#C1|name>``.
    """
    parts: list[str] = []
    position = 0
    for match in _PICKED.finditer(typed):
        parts.append(_escape_and_link(typed[position : match.start()]))
        sigil, entity_id, name = match.group(1), match.group(2), match.group(3)
        if sigil == "@" and name is None:
            name = user_names(entity_id) if user_names is not None else None
        parts.append(f"<{sigil}{entity_id}|{name}>" if name else f"<{sigil}{entity_id}>")
        position = match.end()
    parts.append(_escape_and_link(typed[position:]))
    return "".join(parts)


def _escape_and_link(typed: str) -> str:
    escaped = typed.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    def link(match: re.Match[str]) -> str:
        if match.group("url"):
            return f"<{match.group('url')}>"
        if match.group("special"):
            return f"<!{match.group('special')}>"
        address = match.group("email")
        return f"<mailto:{address}|{address}>"

    return _TYPED_LINK.sub(link, escaped)


def new_trigger_id() -> str:
    """A fresh trigger ID shaped like Slack's."""
    return f"{time.time_ns() // 1000}.{uuid.uuid4().int % 10**10}.{uuid.uuid4().hex}"


def command_body(
    command: str,
    text: str,
    *,
    user_id: str,
    user_name: str = "demo",
    team_id: str = "T0DEMO",
    team_domain: str = "demo",
    channel_id: str = "C0DEMO",
    channel_name: str | None = None,
    response_url: str,
    trigger_id: str | None = None,
    api_app_id: str = "A0DEMO",
    token: str = FAKE_VERIFICATION_TOKEN,
) -> str:
    """A form-encoded slash-command body with every field Slack sends."""
    if channel_name is None:
        channel_name = "directmessage" if channel_id.startswith("D") else "general"
    return urlencode(
        {
            "token": token,
            "team_id": team_id,
            "team_domain": team_domain,
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_name,
            "command": command,
            "text": text,
            "api_app_id": api_app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id or new_trigger_id(),
        }
    )


def interaction_body(payload: dict[str, Any]) -> str:
    """A form-encoded ``payload=<json>`` body, as Slack sends actions, submissions, shortcuts."""
    return urlencode({"payload": json.dumps(payload, separators=(",", ":"))})


def options_body(payload: dict[str, Any]) -> str:
    """A form-encoded ``payload=<json>`` body for a ``block_suggestion`` options request."""
    return interaction_body(payload)


def event_body(
    event: dict[str, Any],
    team_id: str = "T0DEMO",
    api_app_id: str = "A0DEMO",
    *,
    bot_user_id: str = "U0REGBOT",
    event_id: str | None = None,
    event_time: int | None = None,
    token: str = FAKE_VERIFICATION_TOKEN,
) -> str:
    """A JSON ``event_callback`` envelope around ``event`` (send as ``application/json``)."""
    return json.dumps(
        {
            "token": token,
            "team_id": team_id,
            "api_app_id": api_app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": event_time if event_time is not None else int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": team_id,
                    "user_id": bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
    )


def url_verification_body(challenge: str, token: str = FAKE_VERIFICATION_TOKEN) -> str:
    """The JSON ``url_verification`` handshake Slack sends when the request URL is set."""
    return json.dumps({"token": token, "challenge": challenge, "type": "url_verification"})
