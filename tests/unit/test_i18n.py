"""Both message catalogs match (SPEC §4.3) and every key the code uses is in them."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from bot.domain.customer_fields import CUSTOMER_FIELDS, KINDS, LANGUAGES
from bot.i18n import CATALOGS, Translator, en, fi

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ("bot", "handlers")
# Calls whose first argument is a message key.
KEY_CALLS = {
    "DomainError",
    "ParseError",
    "NotFound",
    "FieldError",
    "_Invalid",
    "t",
    "super().__init__",
}
KEY_PATTERN = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z_]*)+$")


def placeholders(template: str) -> set[str]:
    """The names of the `{…}` fields of a format string."""
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


def _call_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        receiver = node.func.value
        is_super = (
            isinstance(receiver, ast.Call)
            and isinstance(receiver.func, ast.Name)
            and receiver.func.id == "super"
        )
        # `super().__init__("error.not_staff")` in DomainError subclasses passes a key too.
        if node.func.attr == "__init__" and is_super:
            return "super().__init__"
        return node.func.attr
    return None


def _literal_keys(node: ast.expr) -> list[str]:
    # A literal key, or both branches of `"a.b" if x else "a.c"`; keys built with `+` or
    # f-strings are dynamic and skipped.
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _literal_keys(node.body) + _literal_keys(node.orelse)
    return []


def keys_used_in_code() -> dict[str, list[str]]:
    """Each literal message key passed to a key-taking call, with where it is used."""
    used: dict[str, list[str]] = {}
    for directory in SOURCE_DIRS:
        for path in sorted((ROOT / directory).rglob("*.py")):
            if "i18n" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call) or _call_name(node) not in KEY_CALLS:
                    continue
                if not node.args:
                    continue
                for key in _literal_keys(node.args[0]):
                    if KEY_PATTERN.match(key):
                        where = f"{path.relative_to(ROOT)}:{node.lineno}"
                        used.setdefault(key, []).append(where)
    return used


def test_both_catalogs_have_exactly_the_same_keys():
    assert set(fi.MESSAGES) - set(en.MESSAGES) == set()
    assert set(en.MESSAGES) - set(fi.MESSAGES) == set()


@pytest.mark.parametrize("key", sorted(en.MESSAGES))
def test_each_message_has_the_same_placeholders_in_both_languages(key):
    assert placeholders(fi.MESSAGES[key]) == placeholders(en.MESSAGES[key])


@pytest.mark.parametrize("language", sorted(CATALOGS))
def test_every_message_formats_with_its_own_placeholders(language):
    for key, template in CATALOGS[language].items():
        assert template.strip(), key
        params = {name: "X" for name in placeholders(template)}
        assert "{" not in template.format(**params).replace("{{", ""), key


def test_the_scan_finds_the_keys_the_code_uses():
    used = keys_used_in_code()
    # Guards the scan itself: a broken regex or walk would make the next test vacuous.
    assert {"parse.unbalanced_quotes", "field.business_id", "error.not_staff"} <= set(used)
    assert len(used) > 40


def test_every_message_key_used_in_the_code_is_in_both_catalogs():
    used = keys_used_in_code()
    missing = {key: where for key, where in used.items() if key not in en.MESSAGES}
    assert missing == {}
    assert {key for key in used if key not in fi.MESSAGES} == set()


def test_the_dynamic_key_families_are_complete():
    families = (
        [f"kind.{kind}" for kind in KINDS]
        + [f"lang.{language}" for language in LANGUAGES]
        + [f"status.{status}" for status in ("active", "ended", "erased")]
        + [f"field.{name}.label" for name in CUSTOMER_FIELDS]
        + [f"help.{command}" for command in ("customer", "comms", "dsr", "register")]
        + [
            f"source.{source}"
            for source in (
                "customer",
                "service_user",
                "customer_admin",
                "staff",
                "population_register",
                "business_register",
                "import",
            )
        ]
    )
    assert [key for key in families if key not in en.MESSAGES] == []


def test_the_translator_formats_a_message():
    assert Translator("en")("common.usage", usage="x") == "Usage: x"


def test_an_unknown_language_falls_back_to_finnish():
    translator = Translator("de")
    assert translator.language == "fi"
    assert translator("common.usage", usage="x") == fi.MESSAGES["common.usage"].format(usage="x")


def test_a_missing_parameter_shows_the_template_rather_than_failing():
    assert Translator("en")("common.usage") == en.MESSAGES["common.usage"]


def test_an_unknown_key_is_shown_as_itself():
    assert Translator("fi")("no.such_key") == "no.such_key"
