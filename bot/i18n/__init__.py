"""Message catalogs (fi, en): one dictionary per language with the same keys and placeholders."""

from __future__ import annotations

from collections.abc import Mapping

from bot.i18n import en as en
from bot.i18n import fi as fi

CATALOGS: dict[str, Mapping[str, str]] = {"fi": fi.MESSAGES, "en": en.MESSAGES}


class Translator:
    """Formats catalog messages in one language."""

    def __init__(self, language: str) -> None:
        self.language = language if language in CATALOGS else "fi"
        self._messages = CATALOGS[self.language]

    def __call__(self, key: str, **params: object) -> str:
        template = self._messages.get(key)
        if template is None:
            template = CATALOGS["en"].get(key, key)
        try:
            return template.format(**params)
        except (KeyError, IndexError, ValueError):
            return template
