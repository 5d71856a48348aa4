"""Messages for data-subject requests and their reminders (#4)."""

from __future__ import annotations

FI: dict[str, str] = {}

EN: dict[str, str] = {}
