"""`/dsr`: registered so Slack never sees an error; it answers `help` and says which
subcommands are still being built (issue #4). `/comms` lives in handlers/comms.py."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from handlers.blocks import help_message, text_message
from handlers.common import HandlerDeps, Respond, reply
from handlers.parsing import head_and_rest


def register(app: App, deps: HandlerDeps) -> None:
    """Attach /dsr."""
    t = deps.t

    def answer(command_name: str, text: str, respond: Respond) -> None:
        sub, _ = head_and_rest(text)
        if sub in ("", "help"):
            reply(respond, help_message(t, command_name))
        else:
            reply(respond, text_message(t("common.coming", command=f"{command_name} {sub}")))

    @app.command("/dsr")
    def handle_dsr(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        ack()
        answer("/dsr", command.get("text") or "", respond)
