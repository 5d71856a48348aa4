"""The App Home tab (SPEC §4.2): greeting, role, recently viewed customers, and room for the
data-subject-request lists (#4): the `extra_blocks` callback of `register`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from handlers.blocks import Block
from handlers.common import HandlerDeps
from handlers.comms_blocks import home_view

logger = logging.getLogger("regbot.handlers.home")

# Blocks to add below the customer part of the tab, for a user (e.g. their open requests, #4).
ExtraBlocks = Callable[[str], Sequence[Block]]


def register(app: App, deps: HandlerDeps, extra_blocks: ExtraBlocks | None = None) -> None:
    """Publish the home view when a user opens the tab."""
    t = deps.t

    @app.event("app_home_opened")
    def handle_home(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        user = event["user"]
        try:
            overview = deps.services.home.overview(user)
            extra = extra_blocks(user) if extra_blocks and overview.role is not None else ()
            view = home_view(t, user, overview, extra_blocks=extra)
        except Exception:
            logger.exception("building the home view failed unexpectedly")
            return
        try:
            client.views_publish(user_id=user, view=view)
        except SlackApiError as exc:
            logger.warning("could not publish the home view: %s", exc.response.get("error"))
        except (SlackClientError, OSError) as exc:
            logger.warning("could not publish the home view: %s", type(exc).__name__)
