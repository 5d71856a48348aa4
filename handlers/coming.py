"""`/comms` and `/dsr`: registered so Slack never sees an error; they answer `help` and say
which subcommands are still being built (issues #3 and #4)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from handlers.blocks import help_message, text_message
from handlers.common import HandlerDeps, Respond, reply
from handlers.parsing import head_and_rest


def register(app: App, deps: HandlerDeps) -> None:
    """Attach /comms and /dsr."""
    t = deps.t

    def answer(command_name: str, text: str, respond: Respond) -> None:
        sub, _ = head_and_rest(text)
        if sub in ("", "help"):
            reply(respond, help_message(t, command_name))
        else:
            reply(respond, text_message(t("common.coming", command=f"{command_name} {sub}")))

    @app.command("/comms")
    def handle_comms(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        ack()
        answer("/comms", command.get("text") or "", respond)

    @app.command("/dsr")
    def handle_dsr(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        ack()
        answer("/dsr", command.get("text") or "", respond)
