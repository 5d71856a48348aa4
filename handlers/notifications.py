"""Posting outbox notifications to Slack: the adapter behind the reminder service."""

from __future__ import annotations

import logging
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.i18n import Translator
from bot.services.reminders import Delivery, OutgoingNotification
from handlers.blocks.requests import notification_message

logger = logging.getLogger("regbot.notifications")


class SlackNotificationSender:
    """Renders a notification and posts it; a Slack failure becomes a Delivery, never a raise."""

    def __init__(self, client: WebClient, t: Translator) -> None:
        self._client = client
        self._t = t

    def send(self, notification: OutgoingNotification) -> Delivery:
        """Post to a channel ID or, for a user ID, to the app's DM with that user."""
        msg = notification_message(self._t, notification)
        try:
            response = self._client.chat_postMessage(
                channel=notification.target, text=msg["text"], blocks=msg["blocks"]
            )
        except SlackApiError as exc:
            status = exc.response.status_code
            error = _error_code(exc)
            retry_after = None
            if status == 429:
                retry_after = float(exc.response.headers.get("Retry-After", "30") or 30)
            return Delivery(ok=False, error=error, retry_after=retry_after)
        except (URLError, TimeoutError, OSError) as exc:
            return Delivery(ok=False, error=f"network: {type(exc).__name__}")
        return Delivery(
            ok=True, channel=str(response.get("channel") or ""), ts=str(response.get("ts") or "")
        )


# What the operator can do about the errors Slack gives for a channel post.
_HINTS = {
    "not_in_channel": "invite the bot to the reminder channel",
    "channel_not_found": "check REGBOT_REMINDER_CHANNEL (a channel ID such as C0123ABCD)",
    "is_archived": "the reminder channel is archived; set REGBOT_REMINDER_CHANNEL to another",
}


def _error_code(exc: SlackApiError) -> str:
    data = exc.response.data
    if isinstance(data, dict) and data.get("error"):
        error = str(data["error"])
        hint = f" ({_HINTS[error]})" if error in _HINTS else ""
        return f"HTTP {exc.response.status_code}: {error}{hint}"
    return f"HTTP {exc.response.status_code}"
