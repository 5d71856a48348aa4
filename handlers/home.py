"""The App Home tab: a greeting and the staff member's role (request lists come with #4)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.blocks import context, header, section
from handlers.common import HandlerDeps

logger = logging.getLogger("regbot.handlers.home")


def register(app: App, deps: HandlerDeps) -> None:
    """Publish the home view when a user opens the tab."""
    t = deps.t

    @app.event("app_home_opened")
    def handle_home(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        user = event["user"]
        role = deps.services.staff.role_of(user)
        blocks = [header(t("home.title"))]
        if role is None:
            blocks.append(section(t("home.not_staff")))
        else:
            blocks.append(section(t("home.greeting", user=f"<@{user}>", role=role.value)))
            blocks.append(context(t("home.commands")))
        try:
            client.views_publish(user_id=user, view={"type": "home", "blocks": blocks})
        except SlackApiError as exc:
            logger.warning("could not publish the home view: %s", exc.response.get("error"))


def register_shortcut(app: App, deps: HandlerDeps) -> None:
    """The `log_message` shortcut answers until correspondence logging lands (#3)."""
    t = deps.t

    @app.shortcut("log_message")
    def handle_log_message(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        try:
            client.chat_postEphemeral(
                channel=body["channel"]["id"],
                user=body["user"]["id"],
                text=t("common.coming", command="Log to customer register"),
            )
        except SlackApiError as exc:
            logger.warning("could not answer a shortcut: %s", exc.response.get("error"))
