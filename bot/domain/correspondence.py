"""Correspondence rules (SPEC §2.6): channels, directions, times, recording URIs, text limits.

Pure: every entry path (`/comms log`, the message shortcut) validates through `clean_entry`, so
a value accepted in one place is accepted everywhere.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bot.domain.customer_fields import FieldError
from bot.domain.enums import Channel, Direction

CHANNELS: tuple[str, ...] = tuple(c.value for c in Channel)
DIRECTIONS: tuple[str, ...] = tuple(d.value for d in Direction)

# A summary fits one Slack plain_text_input (3000 characters), so the modal and the command
# accept the same text.
MAX_SUMMARY = 3000
# The subject is the summary's first line, clipped: a one-line headline for lists.
MAX_SUBJECT = 120
# The database column holds 1000 characters; a longer location is surely not a reference.
MAX_RECORDING_URI = 1000
MAX_PERMALINK = 1000
# Recording references point at a file store or a phone system, never at inline data.
RECORDING_SCHEMES = frozenset({"http", "https", "sip", "sips", "s3", "gs", "file", "smb", "sftp"})
_NEEDS_HOST = frozenset({"http", "https", "s3", "gs", "smb", "sftp"})
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*$")
_PERMALINK = re.compile(r"^https://[A-Za-z0-9.-]+\.slack\.com/[^\s|<>]*$")
# Entries before this are surely typos (and keep time-zone arithmetic in range).
EARLIEST = dt.datetime(1990, 1, 1, tzinfo=dt.UTC)
_AT_FORMATS = ("%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class EntryValues:
    """A validated correspondence entry, ready to be stored."""

    channel: str
    direction: str
    occurred_at: dt.datetime
    subject: str
    body: str
    recording_uri: str | None
    slack_permalink: str | None


@dataclass
class CleanedEntry:
    values: EntryValues | None = None
    errors: dict[str, FieldError] = field(default_factory=dict)


class _Invalid(Exception):
    def __init__(self, key: str, **params: str) -> None:
        super().__init__(key)
        self.error = FieldError(key, params)


def clean_entry(
    *,
    channel: str,
    direction: str,
    summary: str,
    at: str | None,
    recording: str | None,
    permalink: str | None,
    tz: zoneinfo.ZoneInfo,
    now: dt.datetime,
) -> CleanedEntry:
    """Validate raw values; every problem is reported under its field name."""
    result = CleanedEntry()
    checks: dict[str, Callable[[], object]] = {
        "channel": lambda: clean_channel(channel),
        "direction": lambda: clean_direction(direction),
        "at": lambda: parse_occurred_at(at, tz, now),
        "summary": lambda: clean_summary(summary),
        "recording": lambda: clean_recording_uri(recording),
        "permalink": lambda: clean_permalink(permalink),
    }
    cleaned: dict[str, object] = {}
    for name, check in checks.items():
        try:
            cleaned[name] = check()
        except _Invalid as exc:
            result.errors[name] = exc.error
    if result.errors:
        return result
    body = str(cleaned["summary"])
    occurred_at = cleaned["at"]
    assert isinstance(occurred_at, dt.datetime)
    result.values = EntryValues(
        channel=str(cleaned["channel"]),
        direction=str(cleaned["direction"]),
        occurred_at=occurred_at,
        subject=subject_of(body),
        body=body,
        recording_uri=_optional(cleaned["recording"]),
        slack_permalink=_optional(cleaned["permalink"]),
    )
    return result


def check_form(*, channel: str, direction: str, summary: str) -> dict[str, FieldError]:
    """The problems of a logging form's own fields (no clock or database needed)."""
    errors: dict[str, FieldError] = {}
    checks: dict[str, Callable[[], object]] = {
        "channel": lambda: clean_channel(channel),
        "direction": lambda: clean_direction(direction),
        "summary": lambda: clean_summary(summary),
    }
    for name, check in checks.items():
        try:
            check()
        except _Invalid as exc:
            errors[name] = exc.error
    return errors


def clean_channel(value: str) -> str:
    """One of the channels of SPEC §2.6 (case-insensitive)."""
    channel = value.strip().lower()
    if channel not in CHANNELS:
        raise _Invalid("comms.bad_channel", value=_shown(value), choices=", ".join(CHANNELS))
    return channel


def clean_direction(value: str) -> str:
    """`in` (from the customer) or `out` (to the customer); empty means `in`."""
    direction = value.strip().lower() or Direction.IN.value
    if direction not in DIRECTIONS:
        raise _Invalid("comms.bad_direction", value=_shown(value))
    return direction


def parse_occurred_at(value: str | None, tz: zoneinfo.ZoneInfo, now: dt.datetime) -> dt.datetime:
    """`YYYY-MM-DD[THH:MM]` in the register's time zone, as UTC; empty means now.

    A date alone means the start of that day. Times in the future, before 1990, or that do not
    exist locally (the hour skipped when clocks go forward) are refused.
    """
    text = (value or "").strip()
    if not text:
        return now
    local: dt.datetime | None = None
    for pattern in _AT_FORMATS:
        try:
            local = dt.datetime.strptime(text, pattern)
            break
        except ValueError:
            continue
    if local is None:
        raise _Invalid("comms.bad_time", value=_shown(text))
    if local.replace(tzinfo=dt.UTC) < EARLIEST:
        raise _Invalid("comms.time_too_old", value=_shown(text))
    aware = local.replace(tzinfo=tz)
    utc = aware.astimezone(dt.UTC)
    if utc.astimezone(tz).replace(tzinfo=None) != local:
        raise _Invalid("comms.time_nonexistent", value=_shown(text), zone=str(tz))
    if utc > now:
        raise _Invalid("comms.time_future", value=_shown(text))
    return utc


def clean_summary(value: str) -> str:
    """The summary as given, trimmed; required, at most MAX_SUMMARY characters."""
    text = value.strip()
    if not text:
        raise _Invalid("comms.summary_empty")
    if len(text) > MAX_SUMMARY:
        raise _Invalid("comms.summary_too_long", limit=str(MAX_SUMMARY), length=str(len(text)))
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in text):
        raise _Invalid("comms.control_chars")
    return text


def clean_recording_uri(value: str | None) -> str | None:
    """A reference to a call recording: an absolute URI with a known scheme, or nothing."""
    text = (value or "").strip()
    if not text:
        return None
    if len(text) > MAX_RECORDING_URI:
        raise _Invalid("comms.recording_too_long", limit=str(MAX_RECORDING_URI))
    if any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in text):
        raise _Invalid("comms.recording_not_uri", value=_shown(text))
    scheme, _, rest = text.partition(":")
    scheme = scheme.lower()
    if not rest or not _SCHEME.match(scheme) or scheme not in RECORDING_SCHEMES:
        raise _Invalid(
            "comms.recording_not_uri",
            value=_shown(text),
        )
    try:
        parts = urlsplit(text)
    except ValueError:
        raise _Invalid("comms.recording_not_uri", value=_shown(text)) from None
    if scheme in _NEEDS_HOST and not parts.netloc:
        raise _Invalid("comms.recording_not_uri", value=_shown(text))
    if scheme in ("sip", "sips") and "@" not in rest and not parts.path:
        raise _Invalid("comms.recording_not_uri", value=_shown(text))
    if scheme == "file" and not (parts.path or parts.netloc):
        raise _Invalid("comms.recording_not_uri", value=_shown(text))
    return text


def clean_permalink(value: str | None) -> str | None:
    """A Slack message permalink as Slack gave it, or nothing."""
    text = (value or "").strip()
    if not text:
        return None
    if len(text) > MAX_PERMALINK or not _PERMALINK.match(text):
        raise _Invalid("comms.bad_permalink")
    return text


def is_slack_permalink(value: str) -> bool:
    """Whether a stored permalink is safe to render as a link."""
    return len(value) <= MAX_PERMALINK and _PERMALINK.match(value) is not None


def subject_of(summary: str) -> str:
    """The summary's first non-empty line, clipped to MAX_SUBJECT characters."""
    first = next((line.strip() for line in summary.splitlines() if line.strip()), "")
    if len(first) <= MAX_SUBJECT:
        return first
    return first[: MAX_SUBJECT - 1] + "…"


def _shown(value: str) -> str:
    """A user's value echoed in an error, short enough for one sentence."""
    value = value.strip()
    return value if len(value) <= 60 else value[:59] + "…"


def _optional(value: object) -> str | None:
    return None if value is None else str(value)
