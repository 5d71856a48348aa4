"""The App Home tab (SPEC §4.2): greeting, role, recently viewed customers, and for those who
work requests their open requests, the unassigned ones and the overdue count."""

from __future__ import annotations

from typing import Any

from handlers.blocks.comms import home_view
from handlers.blocks.requests import home_request_blocks
from handlers.listening import Call


def home_tab(call: Call) -> dict[str, Any]:
    """The home view of the user who opened the tab."""
    overview = call.services.home.overview(call.user)
    extra = (
        home_request_blocks(call.t, call.services.requests.home(call.user))
        if overview.role is not None
        else ()
    )
    return home_view(call.t, call.user, overview, extra_blocks=extra)
