"""Messages for correspondence, usage logs, the business register, App Home (issue #3): FI and EN have the same keys and placeholders."""

from __future__ import annotations

FI: dict[str, str] = {}

EN: dict[str, str] = {}
