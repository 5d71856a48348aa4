"""Slack adapters: each module registers its listeners on the Bolt app explicitly."""

from __future__ import annotations

from slack_bolt import App

from handlers import admin, coming, comms, customers, home, requests, shortcuts
from handlers.common import HandlerDeps


def register_handlers(app: App, deps: HandlerDeps) -> None:
    """Attach every command, modal, shortcut and event listener."""
    customers.register(app, deps)
    admin.register(app, deps)
    requests.register(app, deps)
    comms.register(app, deps)
    coming.register(app, deps)
    shortcuts.register(app, deps)
    home.register(app, deps)
