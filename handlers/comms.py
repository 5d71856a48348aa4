"""`/comms`: log correspondence with a customer and list it (SPEC §4.1). Plain functions of a
`Call`; `handlers.routes` routes to them."""

from __future__ import annotations

from bot.services.comms import LogRequest
from handlers.blocks.common import Message
from handlers.blocks.comms import correspondence_message, logged_message
from handlers.listening import Call
from handlers.parsing import parse_list_command, parse_log_command


def log(call: Call) -> Message:
    """/comms log REF CHANNEL [dir=in|out] [at=…] [recording=URI] SUMMARY…"""
    command = parse_log_command(call.text)
    logged = call.services.comms.log(
        call.user,
        LogRequest(
            ref=command.ref,
            channel=command.channel,
            summary=command.summary,
            direction=command.options.get("dir", ""),
            at=command.options.get("at"),
            recording=command.options.get("recording"),
        ),
    )
    return logged_message(call.t, logged, call.tz)


def list_(call: Call) -> Message:
    """/comms list REF [N] [page=P]"""
    ref, count, page = parse_list_command(call.text)
    listing = call.services.comms.list(call.user, ref, count, page)
    return correspondence_message(call.t, listing, call.tz)
