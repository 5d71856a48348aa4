"""Messages for correspondence, usage logs, business register and App Home (#3)."""

from __future__ import annotations

FI: dict[str, str] = {}

EN: dict[str, str] = {}
