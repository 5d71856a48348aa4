"""Text helpers: search folding and mrkdwn escaping (SPEC §4.4)."""

from __future__ import annotations

import itertools
import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Case- and accent-insensitive form for search: `Ääkkös  Oy` → `aakkos oy`."""
    if text.isascii():
        # ASCII is its own NFKD form, has no combining marks and casefolds as it lowercases.
        return _SPACES.sub(" ", text.lower()).strip()
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(itertools.filterfalse(unicodedata.combining, decomposed))
    return _SPACES.sub(" ", stripped.casefold()).strip()


def escape_mrkdwn(text: str) -> str:
    """Escape `&`, `<` and `>` so stored text cannot ping, link or format as a control sequence."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, ending in an ellipsis when cut."""
    if len(text) <= limit:
        return text
    if limit <= 0:
        return ""
    return text[: limit - 1] + "…"
