"""Service usage logs (SPEC §2.7, notice §5(h)): ingesting events and summarising them.

Events arrive in bulk from a JSON Lines file (`regbot import usage`) or in batches over HTTP
(`POST /usage`). Either way a batch is stored all or nothing: one bad event (unknown username,
bad time or address, unknown kind) stores none, and every bad one is reported with its line or
index. The sender's values are never logged.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session

from bot.domain.enums import UsageKind
from bot.services.errors import DomainError
from bot.services.unit import ServiceContext, Tx
from storage.models import ServiceUser, UsageEvent

USAGE_KINDS: tuple[str, ...] = tuple(k.value for k in UsageKind)
EVENT_FIELDS = frozenset({"at", "username", "kind", "ip", "detail"})
MAX_DETAIL = 1000
MAX_IP = 45
BATCH_SIZE = 1000
# A sender's clock may run a little ahead of ours; anything further ahead is a mistake.
FUTURE_TOLERANCE = dt.timedelta(minutes=5)
FAILED_LOGIN_WINDOW = dt.timedelta(days=30)
# Reporting stops here; the count of bad rows is still exact.
MAX_REPORTED = 200

Progress = Callable[[int, int], None]
# Stands in for a file line that is not JSON, so it is reported with its line number.
_NOT_JSON = object()


@dataclass(frozen=True)
class BadEvent:
    """An event that was not stored: its line (file) or index (HTTP batch) and why."""

    position: int
    key: str
    params: dict[str, object] = field(default_factory=dict)


@dataclass
class UsageReport:
    """What an ingest did; `stored` is 0 and `written` False when bad events stopped it."""

    stored: int = 0
    logins_updated: int = 0
    bad_count: int = 0
    bad: list[BadEvent] = field(default_factory=list)
    written: bool = False


@dataclass(frozen=True)
class UsageSummary:
    """What the card shows about a customer's service usage."""

    last_login_at: dt.datetime | None
    last_login_ip: str | None
    last_login_username: str | None
    failed_logins_30d: int
    last_error_at: dt.datetime | None
    last_error_detail: str | None
    total_events: int


@dataclass(frozen=True)
class ParsedEvent:
    """One event that passed every check but the username lookup."""

    at: dt.datetime
    username: str
    kind: str
    ip: str | None
    detail: str | None


class _Invalid(Exception):
    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


class _Abandon(Exception):
    """Rolls the all-or-nothing transaction back when any event was bad."""


class UsageService:
    """Bulk ingestion of usage events, for the CLI and the `/usage` endpoint."""

    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def ingest(self, actor: str, events: Sequence[object]) -> UsageReport:
        """Store a batch of event objects all or nothing; positions in errors are 0-based."""
        return self._ingest(actor, enumerate(events), len(events), "http", None)

    def import_file(self, actor: str, path: Path, progress: Progress | None = None) -> UsageReport:
        """Import a JSON Lines file (one event object a line) all or nothing."""
        total = _count_lines(path)
        return self._ingest(actor, _read_jsonl(path), total, "file", progress)

    def _ingest(
        self,
        actor: str,
        items: Iterable[tuple[int, object]],
        total: int,
        origin: str,
        progress: Progress | None,
    ) -> UsageReport:
        report = UsageReport()
        try:
            with self._context.transaction(actor) as tx:
                writer = _Writer(tx, report)
                done = 0
                for position, item in items:
                    writer.add(position, item)
                    done += 1
                    if progress is not None and done % BATCH_SIZE == 0:
                        progress(done, total)
                writer.finish()
                # Unknown usernames are found a batch at a time; report in file order.
                report.bad.sort(key=lambda bad: bad.position)
                if progress is not None:
                    progress(done, max(total, done))
                if report.bad_count:
                    raise _Abandon()
                tx.audit(
                    "usage.ingest",
                    detail=f"{origin}: stored={report.stored}, logins={report.logins_updated}",
                )
        except _Abandon:
            report.stored = report.logins_updated = 0
            with self._context.transaction(actor) as tx:
                tx.audit(
                    "usage.ingest",
                    detail=f"{origin}: rejected, bad={report.bad_count}",
                    outcome="rejected",
                )
            return report
        report.written = True
        return report


class _Writer:
    """Validates events one by one and inserts them in batches inside the caller's transaction."""

    def __init__(self, tx: Tx, report: UsageReport) -> None:
        self._tx = tx
        self._report = report
        self._pending: list[tuple[int, ParsedEvent]] = []
        self._users: dict[str, tuple[int, int]] = {}
        self._latest_login: dict[int, dt.datetime] = {}

    def add(self, position: int, item: object) -> None:
        """Check one event; a bad one is reported, a good one waits for its batch."""
        try:
            event = parse_event(item, self._tx.now)
        except _Invalid as exc:
            self._bad(position, exc.key, exc.params)
            return
        self._pending.append((position, event))
        if len(self._pending) >= BATCH_SIZE:
            self._flush()

    def finish(self) -> None:
        """Write the last batch and move last-login times forward."""
        self._flush()
        if self._report.bad_count:
            return
        for user_id, at in self._latest_login.items():
            result = self._tx.session.execute(
                update(ServiceUser)
                .where(
                    ServiceUser.id == user_id,
                    or_(ServiceUser.last_login_at.is_(None), ServiceUser.last_login_at < at),
                )
                .values(last_login_at=at)
                .execution_options(synchronize_session=False)
            )
            self._report.logins_updated += int(getattr(result, "rowcount", 0) or 0)

    def _flush(self) -> None:
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        self._resolve({event.username for _, event in batch})
        rows: list[dict[str, Any]] = []
        for position, event in batch:
            user = self._users.get(event.username)
            if user is None:
                self._bad(position, "usage.unknown_username", {"field": "username"})
                continue
            user_id, customer_id = user
            rows.append(
                {
                    "at": event.at,
                    "customer_id": customer_id,
                    "service_user_id": user_id,
                    "username": event.username,
                    "kind": event.kind,
                    "source_ip": event.ip,
                    "detail": event.detail,
                }
            )
            if event.kind == UsageKind.LOGIN.value:
                latest = self._latest_login.get(user_id)
                if latest is None or event.at > latest:
                    self._latest_login[user_id] = event.at
        # Once a bad event is seen nothing will be kept; keep checking, stop writing.
        if rows and not self._report.bad_count:
            self._tx.session.execute(insert(UsageEvent), rows)
            self._report.stored += len(rows)

    def _resolve(self, usernames: set[str]) -> None:
        wanted = sorted(u for u in usernames if u not in self._users)
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            for user_id, username, customer_id in self._tx.session.execute(
                select(ServiceUser.id, ServiceUser.username, ServiceUser.customer_id).where(
                    ServiceUser.username.in_(chunk)
                )
            ):
                self._users[username] = (user_id, customer_id)

    def _bad(self, position: int, key: str, params: Mapping[str, object]) -> None:
        self._report.bad_count += 1
        if len(self._report.bad) < MAX_REPORTED:
            self._report.bad.append(BadEvent(position, key, dict(params)))


def parse_event(item: object, now: dt.datetime) -> ParsedEvent:
    """One event object checked field by field (the first problem is reported)."""
    if item is _NOT_JSON:
        raise _Invalid("usage.not_json")
    if not isinstance(item, dict):
        raise _Invalid("usage.not_object")
    unknown = sorted(str(k) for k in item if k not in EVENT_FIELDS)
    if unknown:
        raise _Invalid("usage.unknown_fields", fields=", ".join(unknown)[:200])
    at = _parse_at(item.get("at"), now)
    username = item.get("username")
    if not isinstance(username, str) or not username.strip():
        raise _Invalid("usage.missing", field="username")
    if len(username) > 100:
        raise _Invalid("usage.unknown_username", field="username")
    kind = item.get("kind")
    if not isinstance(kind, str) or kind not in USAGE_KINDS:
        raise _Invalid("usage.bad_kind", field="kind", kinds=", ".join(USAGE_KINDS))
    ip = _parse_ip(item.get("ip"))
    detail = item.get("detail")
    if detail is not None and not isinstance(detail, str):
        raise _Invalid("usage.bad_detail", field="detail")
    if detail is not None:
        detail = detail.strip() or None
        if detail is not None and len(detail) > MAX_DETAIL:
            detail = detail[: MAX_DETAIL - 1] + "…"
    return ParsedEvent(at=at, username=username.strip(), kind=kind, ip=ip, detail=detail)


def _parse_at(value: object, now: dt.datetime) -> dt.datetime:
    if not isinstance(value, str) or not value.strip():
        raise _Invalid("usage.missing", field="at")
    try:
        at = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise _Invalid("usage.bad_time", field="at") from None
    if at.tzinfo is None or at.utcoffset() is None:
        raise _Invalid("usage.naive_time", field="at")
    try:
        at = at.astimezone(dt.UTC)
    except OverflowError:
        raise _Invalid("usage.bad_time", field="at") from None
    if at > now + FUTURE_TOLERANCE:
        raise _Invalid("usage.future_time", field="at")
    return at


def _parse_ip(value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _Invalid("usage.bad_ip", field="ip")
    try:
        address = str(ipaddress.ip_address(value.strip()))
    except ValueError:
        raise _Invalid("usage.bad_ip", field="ip") from None
    # A scoped IPv6 address (fe80::1%eth0) can outgrow the column; it is no client address.
    if len(address) > MAX_IP:
        raise _Invalid("usage.bad_ip", field="ip")
    return address


def _count_lines(path: Path) -> int:
    try:
        with path.open("rb") as handle:
            return sum(1 for _ in handle)
    except FileNotFoundError:
        raise DomainError("import.file_not_found", path=str(path)) from None
    except OSError as exc:
        raise DomainError("import.unreadable", path=str(path), reason=exc.strerror) from None


def _read_jsonl(path: Path) -> Iterator[tuple[int, object]]:
    """(line number, parsed object) for every non-blank line; a bad line yields a marker."""
    try:
        with path.open(encoding="utf-8-sig") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    yield number, json.loads(line)
                except ValueError:
                    yield number, _NOT_JSON
    except UnicodeDecodeError:
        raise DomainError("import.usage_not_utf8") from None
    except OSError as exc:
        raise DomainError("import.unreadable", path=str(path), reason=exc.strerror) from None


def _usage_summary_statement() -> Any:
    """The card's usage summary as one statement of scalar subqueries, each an index range of
    `usage_event (customer_id, at)`; built once, since building it cost more than running it."""
    ours = UsageEvent.customer_id == bindparam("customer_id")
    newest = (UsageEvent.at.desc(), UsageEvent.id.desc())
    login = ours & (UsageEvent.kind == UsageKind.LOGIN.value)
    error = ours & (UsageEvent.kind == UsageKind.TECHNICAL_ERROR.value)

    def last(column: Any, where: Any) -> Any:
        return select(column).where(where).order_by(*newest).limit(1).scalar_subquery()

    failed = UsageEvent.kind == UsageKind.LOGIN_FAILED.value
    return select(
        last(UsageEvent.at, login),
        last(UsageEvent.source_ip, login),
        last(UsageEvent.username, login),
        select(func.count())
        .where(ours, failed, UsageEvent.at >= bindparam("since", type_=UsageEvent.at.type))
        .scalar_subquery(),
        last(UsageEvent.at, error),
        last(UsageEvent.detail, error),
        select(func.count()).where(ours).scalar_subquery(),
    )


_USAGE_SUMMARY = _usage_summary_statement()


def usage_summary(session: Session, customer_id: int, now: dt.datetime) -> UsageSummary:
    """Last login with its address, failed logins in 30 days and the last technical error."""
    params = {"customer_id": customer_id, "since": now - FAILED_LOGIN_WINDOW}
    row = session.execute(_USAGE_SUMMARY, params).one()
    last_login_at, last_login_ip, last_login_username, failed, error_at, error_detail, total = row
    return UsageSummary(
        last_login_at=last_login_at,
        last_login_ip=last_login_ip,
        last_login_username=last_login_username,
        failed_logins_30d=int(failed),
        last_error_at=error_at,
        last_error_detail=error_detail,
        total_events=int(total),
    )
