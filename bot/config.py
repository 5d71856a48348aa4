"""Settings from the environment (and `.env`), read once at start (SPEC §8.1)."""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from apscheduler.triggers.cron import CronTrigger
from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
_SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")


class ConfigError(Exception):
    """A missing or malformed setting; the message is one line naming it."""


class Settings(BaseSettings):
    """Every setting regbot reads; Slack's own names for Slack's values."""

    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", frozen=True, populate_by_name=True
    )

    slack_bot_token: str | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = Field(default=None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: str | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default=DEFAULT_SLACK_API_URL, validation_alias="SLACK_API_URL")

    database_url: str = Field(default="sqlite:///regbot.db", validation_alias="REGBOT_DATABASE_URL")
    admins: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(), validation_alias="REGBOT_ADMINS"
    )
    reminder_channel: str | None = Field(default=None, validation_alias="REGBOT_REMINDER_CHANNEL")
    language: Literal["fi", "en"] = Field(default="fi", validation_alias="REGBOT_LANGUAGE")
    timezone: str = Field(default="Europe/Helsinki", validation_alias="REGBOT_TIMEZONE")
    digest_cron: str = Field(default="0 8 * * mon-fri", validation_alias="REGBOT_DIGEST_CRON")
    export_dir: Path = Field(default=Path("exports"), validation_alias="REGBOT_EXPORT_DIR")
    export_to_slack: bool = Field(default=False, validation_alias="REGBOT_EXPORT_TO_SLACK")
    usage_retention_days: int = Field(
        default=365, ge=1, le=3650, validation_alias="REGBOT_USAGE_RETENTION_DAYS"
    )
    consent_purposes: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(), validation_alias="REGBOT_CONSENT_PURPOSES"
    )
    erasure_journal: Path = Field(
        default=Path("erasure-journal.jsonl"), validation_alias="REGBOT_ERASURE_JOURNAL"
    )
    usage_token: str | None = Field(default=None, validation_alias="REGBOT_USAGE_TOKEN")

    controller_name: str = Field(default="Esimerkki Oy", validation_alias="REGBOT_CONTROLLER_NAME")
    controller_business_id: str | None = Field(
        default=None, validation_alias="REGBOT_CONTROLLER_BUSINESS_ID"
    )
    controller_address: str | None = Field(
        default=None, validation_alias="REGBOT_CONTROLLER_ADDRESS"
    )
    controller_contact: str | None = Field(
        default=None, validation_alias="REGBOT_CONTROLLER_CONTACT"
    )
    register_name: str = Field(default="Asiakasrekisteri", validation_alias="REGBOT_REGISTER_NAME")

    @field_validator("admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            ids = tuple(part.strip() for part in value.split(",") if part.strip())
            for user_id in ids:
                if not _SLACK_USER_ID.match(user_id):
                    raise ValueError(f"{user_id!r} is not a Slack user ID like U012ABC")
            return ids
        return value

    @field_validator("consent_purposes", mode="before")
    @classmethod
    def _split_purposes(cls, value: object) -> object:
        if isinstance(value, str):
            purposes = tuple(p.strip().lower() for p in value.split(",") if p.strip())
            for purpose in purposes:
                if not re.fullmatch(r"[a-z][a-z0-9_]{1,59}", purpose):
                    raise ValueError(f"{purpose!r} is not a purpose name like newsletter_partner")
            return purposes
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("digest_cron")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        try:
            CronTrigger.from_crontab(value)
        except ValueError as exc:
            raise ValueError(f"not a crontab expression: {exc}") from exc
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value if value.endswith("/") else value + "/"

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def require(self, *names: str) -> None:
        """Fail with one line when a setting a command needs is missing."""
        for name in names:
            field = type(self).model_fields[name]
            if not getattr(self, name):
                raise ConfigError(f"{field.validation_alias} is not set; this command needs it")


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment; one clear line on the first bad one."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]) if error["loc"] else "settings"
        message = str(error["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"setting {name} is invalid: {message}") from None


@dataclass(frozen=True)
class ServerOptions:
    """How `regbot serve` runs; docs/BENCHMARKS.md ("Sustained load") says how the defaults
    hold up, docs/benchmarks-log/load.md the runs that chose them."""

    host: str = "127.0.0.1"
    port: int = 3000
    # Processes (gunicorn workers); each is a whole regbot with its own scheduler.
    workers: int = 2
    # HTTP threads per worker.
    threads: int = 8
    # Threads per worker that run commands after their ack (Bolt's listener executor).
    listener_threads: int = 4
    # PostgreSQL connections per worker (as many again may overflow).
    db_pool: int = 8
