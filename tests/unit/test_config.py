"""Settings come from the environment; a bad one fails with one line naming it (SPEC §8.1)."""

from __future__ import annotations

import os
import zoneinfo
from pathlib import Path

import pytest

from bot.config import DEFAULT_SLACK_API_URL, ConfigError, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    """No REGBOT_/SLACK_ variable from the outside and no stray `.env` in the working directory."""
    for name in list(os.environ):
        if name.startswith(("REGBOT_", "SLACK_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def config_error(monkeypatch, name: str, value: str) -> str:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    return str(caught.value)


def test_the_defaults_follow_the_spec():
    settings = load_settings()
    assert settings.slack_bot_token is None
    assert settings.slack_signing_secret is None
    assert settings.slack_app_token is None
    assert settings.slack_api_url == DEFAULT_SLACK_API_URL
    assert settings.database_url == "sqlite:///regbot.db"
    assert settings.admins == ()
    assert settings.reminder_channel is None
    assert settings.language == "fi"
    assert settings.timezone == "Europe/Helsinki"
    assert settings.tz == zoneinfo.ZoneInfo("Europe/Helsinki")
    assert settings.digest_cron == "0 8 * * mon-fri"
    assert settings.export_dir == Path("exports")
    assert settings.export_to_slack is False
    assert settings.usage_retention_days == 365


def test_settings_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("REGBOT_DATABASE_URL", "sqlite:///other.db")
    monkeypatch.setenv("REGBOT_LANGUAGE", "en")
    monkeypatch.setenv("REGBOT_TIMEZONE", "Europe/Stockholm")
    monkeypatch.setenv("REGBOT_USAGE_RETENTION_DAYS", "30")
    monkeypatch.setenv("REGBOT_EXPORT_TO_SLACK", "true")
    monkeypatch.setenv("REGBOT_REMINDER_CHANNEL", "C0123")
    settings = load_settings()
    assert settings.slack_bot_token == "xoxb-test"
    assert settings.database_url == "sqlite:///other.db"
    assert settings.language == "en"
    assert settings.timezone == "Europe/Stockholm"
    assert settings.usage_retention_days == 30
    assert settings.export_to_slack is True
    assert settings.reminder_channel == "C0123"


def test_a_dot_env_file_in_the_working_directory_is_read(tmp_path):
    (tmp_path / ".env").write_text("REGBOT_LANGUAGE=en\n", encoding="utf-8")
    assert load_settings().language == "en"


def test_the_environment_wins_over_the_dot_env_file(monkeypatch, tmp_path):
    (tmp_path / ".env").write_text("REGBOT_LANGUAGE=en\n", encoding="utf-8")
    monkeypatch.setenv("REGBOT_LANGUAGE", "fi")
    assert load_settings().language == "fi"


def test_admins_are_split_on_commas_and_trimmed(monkeypatch):
    monkeypatch.setenv("REGBOT_ADMINS", "U1ABC, U2DEF")
    assert load_settings().admins == ("U1ABC", "U2DEF")


def test_empty_parts_of_the_admin_list_are_ignored(monkeypatch):
    monkeypatch.setenv("REGBOT_ADMINS", " ,W1ABC,, ")
    assert load_settings().admins == ("W1ABC",)


def test_the_slack_api_url_gets_a_trailing_slash(monkeypatch):
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:8900/api")
    assert load_settings().slack_api_url == "http://127.0.0.1:8900/api/"


def test_overrides_win_over_the_environment(monkeypatch):
    monkeypatch.setenv("REGBOT_LANGUAGE", "en")
    assert load_settings(language="fi").language == "fi"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("REGBOT_TIMEZONE", "Mars/Base"),
        ("REGBOT_TIMEZONE", ""),
        ("REGBOT_DIGEST_CRON", "nonsense"),
        ("REGBOT_DIGEST_CRON", "0 8 * *"),
        ("REGBOT_USAGE_RETENTION_DAYS", "abc"),
        ("REGBOT_USAGE_RETENTION_DAYS", "0"),
        ("REGBOT_LANGUAGE", "de"),
        ("REGBOT_ADMINS", "bob"),
        ("REGBOT_ADMINS", "U1ABC, bob"),
        ("REGBOT_EXPORT_TO_SLACK", "maybe"),
        ("SLACK_API_URL", "ftp://x"),
    ],
)
def test_a_bad_setting_fails_with_one_line_naming_it(monkeypatch, name, value):
    message = config_error(monkeypatch, name, value)
    assert name in message
    assert "\n" not in message
    assert "Traceback" not in message


def test_the_message_says_what_is_wrong(monkeypatch):
    assert "Mars/Base" in config_error(monkeypatch, "REGBOT_TIMEZONE", "Mars/Base")


def test_require_names_the_missing_variable():
    settings = load_settings()
    with pytest.raises(ConfigError) as caught:
        settings.require("slack_bot_token")
    assert "SLACK_BOT_TOKEN" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_require_names_the_first_missing_of_several(monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    settings = load_settings()
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        settings.require("slack_bot_token", "slack_signing_secret")


def test_require_passes_when_the_settings_are_present(monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    load_settings().require("slack_bot_token", "slack_signing_secret")
