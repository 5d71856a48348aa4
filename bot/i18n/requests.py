"""Messages for data-subject requests and reminders (issue #4): FI and EN have the same keys and placeholders."""

from __future__ import annotations

FI: dict[str, str] = {}

EN: dict[str, str] = {}
