"""Slack adapters: listeners as plain functions (one module per command family), Block Kit
builders (`blocks/`), command text parsing, replies, the manifest and Socket Mode.

`routes` is the table of what answers what; `listening` the one wrapper around every listener;
`register_handlers` attaches them to the Bolt app, explicitly.
"""

from __future__ import annotations

from slack_bolt import App

from handlers import home, routes, shortcuts
from handlers.blocks.comms import CUSTOMER_ACTION
from handlers.listening import (
    HandlerDeps,
    button_listener,
    form_listener,
    home_listener,
    options_listener,
    shortcut_listener,
)


def register_handlers(app: App, deps: HandlerDeps) -> None:
    """Attach every command, button, form, shortcut, options list and event listener."""
    for command in routes.COMMANDS:
        app.command(command)(routes.command_listener(deps, command))
    for button in routes.BUTTONS:
        app.action(button.action_id)(button_listener(deps, button.handler))
    for form in routes.FORMS:
        app.view(form.callback_id)(form_listener(deps, form.handler, form.refused, form.title))
    callback_id, _ = routes.SHORTCUT
    app.shortcut(callback_id)(
        shortcut_listener(deps, shortcuts.log_message_form, "comms.modal_title")
    )
    app.options(CUSTOMER_ACTION)(options_listener(deps, shortcuts.customer_picker))
    app.event("app_home_opened")(home_listener(deps, home.home_tab))
