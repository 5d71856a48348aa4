"""Crash points for the crash-safety tests: `REGBOT_CRASH_AT=<name>` ends the process there.

A real crash (power loss, OOM kill) can happen between any two statements; these named points
sit where a crash is most telling (inside a transaction, between a claim and a send). With the
variable unset — always, in production — `crash_point` does nothing.
"""

from __future__ import annotations

import os

CRASH_ENV = "REGBOT_CRASH_AT"
CRASH_EXIT_CODE = 86


def crash_point(name: str) -> None:
    """Exit at once, without cleanup, when REGBOT_CRASH_AT names this point."""
    if os.environ.get(CRASH_ENV) == name:
        os._exit(CRASH_EXIT_CODE)
