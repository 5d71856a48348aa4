"""Slack adapters: each module registers its listeners on the Bolt app explicitly."""

from __future__ import annotations

from slack_bolt import App

from handlers import admin, comms, customers, home, requests, rights, shortcuts
from handlers.common import HandlerDeps
from handlers.request_blocks import home_request_blocks


def register_handlers(app: App, deps: HandlerDeps) -> None:
    """Attach every command, modal, shortcut and event listener."""
    customers.register(app, deps)
    admin.register(app, deps)
    requests.register(app, deps)
    comms.register(app, deps)
    rights.register(app, deps)
    shortcuts.register(app, deps)
    home.register(
        app,
        deps,
        extra_blocks=lambda user: home_request_blocks(deps.t, deps.services.requests.home(user)),
    )
