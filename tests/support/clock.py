"""A clock a test can set: the app's notion of now, so no test depends on today's date."""

from __future__ import annotations

import datetime as dt


class SettableClock:
    """Now, as the register sees it: the real time until a test sets it (`set`), then that
    time until the test sets another."""

    def __init__(self) -> None:
        self._fixed: dt.datetime | None = None

    def __call__(self) -> dt.datetime:
        return self._fixed if self._fixed is not None else dt.datetime.now(dt.UTC)

    def set(self, at: dt.datetime) -> None:
        """From now on the register's time is `at` (an aware time)."""
        if at.tzinfo is None:
            raise ValueError("give an aware time")
        self._fixed = at.astimezone(dt.UTC)
