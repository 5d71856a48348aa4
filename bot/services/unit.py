"""The unit of work every use case runs in: one transaction, the actor's role, the audit trail."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NoReturn, cast

from sqlalchemy import select
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.util import identity_key

from bot.config import Settings
from bot.domain.audit_chain import canonical_affixes, chain_links
from bot.domain.permissions import PERMISSION_TABLE, Permission, Role, allows, permission_for
from bot.services.errors import DomainError, NotStaff, PermissionRefused
from storage.db import Checkpoint, checkpoint_wal
from storage.models import AuditHead, Counter, FieldChange, StaffMember
from storage.raw import Params, bound_time, driver_run, driver_run_all

Clock = Callable[[], dt.datetime]

_INSERT_LINK = (
    "INSERT INTO audit_event"
    " (seq, at, actor, action, outcome, customer_number, detail, prev_hash, hash)"
    " VALUES (:seq, :at, :actor, :action, :outcome, :number, :detail, :prev, :hash)"
)
# The same with positional placeholders, for many rows.
_INSERT_LINKS = _INSERT_LINK.split(" VALUES ")[0] + " VALUES (" + ", ".join(["?"] * 9) + ")"
_READ_HEAD = "SELECT seq, hash FROM audit_head WHERE id = 1"
_LOCK_HEAD = _READ_HEAD + " FOR UPDATE"
_MOVE_HEAD = "UPDATE audit_head SET seq = :seq, hash = :hash WHERE id = 1"
# PostgreSQL: a listing of customers (`{listing}`, numbered by its `ordinal` column) and one
# audit link per customer listed, in one statement (`Look.read_listed`). The head is locked
# only once the listing is read, and only if it lists anyone: the one-time filter on `hits`
# runs before the head's row is fetched. Each link's hash is `link_hash`'s, the canonical
# JSON put together from the affixes Python wrote (`canonical_affixes`), so `regbot audit
# verify` checks these links as any other. The INSERT and UPDATE run to completion whatever
# the final SELECT reads, and commit with it.
_LISTED_AND_AUDITED = """WITH RECURSIVE {actor}hits AS MATERIALIZED ({listing}),
head AS (
    SELECT seq, hash FROM audit_head
    WHERE id = 1 AND (SELECT count(*) FROM hits) > 0
    FOR UPDATE
),
chain (ordinal, seq, number, prev, hash) AS (
    SELECT 0::bigint, seq::bigint, NULL::bigint, NULL::text, hash::text FROM head
    UNION ALL
    SELECT hits.ordinal, chain.seq + 1, hits.number::bigint, chain.hash,
        encode(sha256(convert_to(
            chain.hash || '|' || :audit_head || hits.number::text || :audit_tail
            || (chain.seq + 1)::text || '}', 'UTF8')), 'hex')
    FROM chain JOIN hits ON hits.ordinal = chain.ordinal + 1
),
added AS (
    INSERT INTO audit_event
        (seq, at, actor, action, outcome, customer_number, detail, prev_hash, hash)
    SELECT seq, :audit_at, :audit_actor, :audit_action, 'ok', number, :audit_detail, prev, hash
    FROM chain WHERE ordinal > 0
),
moved AS (
    UPDATE audit_head SET seq = last.seq, hash = last.hash
    FROM (SELECT seq, hash FROM chain ORDER BY ordinal DESC LIMIT 1) AS last
    WHERE audit_head.id = 1 AND last.seq > audit_head.seq
)
SELECT {columns} ORDER BY hits.ordinal"""
# The same, where the actor's role is yet to be checked (`Look.require`): the statement reads
# the role, lists only if it is one of `:audit_roles` (a one-time filter), and returns it
# first in every row; with nothing listed, one row of the role and NULLs.
_ROLE_CHECKED = (
    _LISTED_AND_AUDITED.replace(
        "{actor}",
        "actor AS MATERIALIZED (\n"
        "    SELECT (SELECT role FROM staff_member WHERE slack_user_id = :audit_actor) AS role\n"
        "),\n",
    )
    .replace(
        "{listing}",
        "SELECT * FROM ({listing}) AS listed"
        " WHERE (SELECT role FROM actor) = ANY(CAST(:audit_roles AS text[]))",
    )
    .replace("{columns}", "actor.role, hits.* FROM actor LEFT JOIN hits ON true")
)
_LISTED_AND_AUDITED = _LISTED_AND_AUDITED.replace("{actor}", "").replace(
    "{columns}", "hits.* FROM hits"
)

SYSTEM_ACTOR = "system"


def utc_now() -> dt.datetime:
    """The current time in UTC."""
    return dt.datetime.now(dt.UTC)


@dataclass
class ServiceContext:
    """What every service needs: sessions, settings and a clock.

    `reading_sessions`, where the engine has them (SQLite), are for use cases that only read
    and audit (`reading`).
    """

    sessions: sessionmaker[Session]
    settings: Settings
    clock: Clock = utc_now
    reading_sessions: sessionmaker[Session] | None = None

    @contextmanager
    def transaction(self, actor: str) -> Iterator[Tx]:
        """One transaction for one use case; committed when the block ends without error."""
        with self.sessions() as session, session.begin():
            yield Tx(session=session, actor=actor, now=self.clock(), settings=self.settings)

    @contextmanager
    def reading(self, actor: str) -> Iterator[Tx]:
        """A use case that changes nothing but the audit trail: it reads, and its audit links
        are committed before the block's result reaches the caller.

        On PostgreSQL this is `transaction`. On SQLite, where a writing transaction holds the
        database's one write lock for all it does, the reads run in a query-only transaction
        beside the writer, and the links it audited (refusals included, and whatever it had
        audited when an error stopped it) are appended in a short writing transaction after
        it, with the time the use case started. If that fails, the error reaches the caller
        instead of the data, so nothing is ever shown that the trail does not record.
        """
        if self.reading_sessions is None:
            with self.transaction(actor) as tx:
                yield tx
            return
        now = self.clock()
        deferred: list[_Links] = []
        try:
            with self.reading_sessions() as session, session.begin():
                yield Tx(session, actor, now, self.settings, deferred_links=deferred)
        finally:
            if deferred:
                self._append_apart(actor, now, deferred)

    @contextmanager
    def looking(self, actor: str) -> Iterator[Look]:
        """A use case that only reads, at the driver level (`Look`): `/customer find`, the
        command staff send most. Like `reading`, its audit links (refusals included) are
        committed before its result reaches the caller, in a writing transaction of their
        own after the reads.

        Its reads run on SQLite in a query-only transaction beside the writer. On PostgreSQL
        the connection is in autocommit mode, so a read is a statement of its own (BEGIN and
        COMMIT are round trips), and a listing (`Look.read_listed`) appends its links in the
        statement that reads it, which reads the actor's role too (`Look.require`): one round
        trip for the whole of `/customer find`. Without the ORM's sessions and SQLAlchemy's
        connections the request touches far less code, which is what a lone command waits on
        (docs/BENCHMARKS.md).
        """
        now = self.clock()
        engine = self.reading_engine or self.engine
        links: list[_Links] = []
        try:
            with _autocommitted(engine) as driver:
                if engine.dialect.name != "postgresql":
                    driver.begin()
                look = Look(driver, engine.dialect, actor, now, self.settings, links)
                try:
                    try:
                        yield look
                    except DomainError:
                        look.settle()  # a refusal answers before any other error
                        raise
                    look.settle()
                finally:
                    if engine.dialect.name != "postgresql":
                        driver.rollback()
        finally:
            if links:
                self._append_apart(actor, now, links)

    def checkpoint(self) -> Checkpoint | None:
        """Copy the WAL of an SQLite register back into its file (`storage.db.checkpoint_wal`);
        the scheduler does it, so that no command's commit has to."""
        return checkpoint_wal(self.engine)

    @property
    def engine(self) -> Engine:
        """The engine every writing transaction runs on."""
        return cast(Engine, self.sessions.kw["bind"])

    @property
    def reading_engine(self) -> Engine | None:
        """The engine for reading transactions, where they have their own (SQLite)."""
        if self.reading_sessions is None:
            return None
        return cast(Engine, self.reading_sessions.kw["bind"])

    def _append_apart(self, actor: str, now: dt.datetime, links: list[_Links]) -> None:
        """A reading use case's links, in a writing transaction of their own at the driver
        level: on every read's path, SQLAlchemy's transaction machinery would cost more than
        the statements. On PostgreSQL, BEGIN goes with the head's lock and COMMIT with the
        writes, two round trips in all."""
        engine = self.engine
        if engine.dialect.name == "postgresql":
            with _autocommitted(engine) as driver:
                _append_in_two_round_trips(driver, engine.dialect, actor, now, links)
            return
        pooled = engine.raw_connection()
        try:
            driver = pooled.driver_connection
            assert driver is not None
            driver.begin()
            try:
                append_links_at(driver, engine.dialect, actor, now, links)
                driver.commit()
            except BaseException:
                driver.rollback()
                raise
        finally:
            pooled.close()


@contextmanager
def _autocommitted(engine: Engine) -> Iterator[Any]:
    """A pooled DBAPI connection; on PostgreSQL in autocommit mode, whose statements (an
    explicit BEGIN included) go to the server as they are. Whatever happens, the connection
    goes back to the pool idle and out of autocommit mode, or not at all: one left in
    autocommit mode would commit a later use case statement by statement."""
    pooled = engine.raw_connection()
    driver = pooled.driver_connection
    assert driver is not None
    postgresql = engine.dialect.name == "postgresql"
    discarded = False
    try:
        if postgresql:
            driver.autocommit = True
        yield driver
    except DBAPIError as error:
        if postgresql:
            # After an error in a pipeline, psycopg may count as prepared a statement the
            # server skipped, and fail it on every later use: the connection goes. If the
            # server went away, so do the pool's other connections (as SQLAlchemy's own
            # error handling would do).
            if engine.dialect.is_disconnect(cast(Any, error.orig), driver, None):
                engine.dispose(close=False)
            pooled.invalidate()
            discarded = True
        raise
    finally:
        if postgresql and not discarded:
            try:
                # psycopg's own rollback also forgets its prepared statements.
                driver.rollback()
                driver.autocommit = False
            except BaseException:
                pooled.invalidate()
                raise
            finally:
                pooled.close()
        else:
            pooled.close()


# What `Tx.append_links` is given: action, customer numbers, detail, outcome.
_Links = tuple[str, Sequence[int | None], str | None, str]

_ROLE_OF = "SELECT role FROM staff_member WHERE slack_user_id = :user"


def refusal(role: Role | None, permission: Permission) -> tuple[str, DomainError]:
    """The audit detail of a refusal, and the error the actor gets."""
    if role is None:
        return "not staff", NotStaff()
    return f"missing {permission.value}", PermissionRefused(permission.value)


@dataclass
class Look:
    """A reading use case at the driver level (`ServiceContext.looking`): hand-written
    statements (`:name` placeholders), the actor's role, and the links it audits."""

    driver: Any
    dialect: Dialect
    actor: str
    now: dt.datetime
    settings: Settings
    links: list[_Links]
    # A permission `require` left to be checked, and the action a refusal is audited as.
    pending: tuple[Permission, str] | None = None

    def run(self, sql: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        self.settle()
        return driver_run(self.driver, self.dialect, sql, params)

    def run_all(self, statements: Sequence[tuple[str, Mapping[str, Any]]]) -> list[tuple[Any, ...]]:
        self.settle()
        return driver_run_all(self.driver, self.dialect, statements)

    def read_listed(
        self,
        statements: Sequence[tuple[str, Mapping[str, Any]]],
        action: str,
        detail: str,
    ) -> list[tuple[Any, ...]]:
        """The rows of a listing of customers (`run_all`), with one audit link `action` per
        row listed: the last statement is a SELECT whose first column is the customer
        number and, on PostgreSQL, whose `ordinal` column numbers its rows from 1 in the
        order given.

        On PostgreSQL (with no other links pending) the links are appended by the listing's
        statement itself, its hashes computed by the server from the same canonical form
        (`canonical_affixes`), and committed with it: BEGIN, the statements and COMMIT go in
        one round trip. The audit head is locked only after the listing is read, so a slow
        search never holds up another process's links. A permission that `require` left
        for later is checked by the same statement. Elsewhere the links join the others,
        appended after the use case (`ServiceContext.looking`).
        """
        if self.dialect.name != "postgresql" or self.links:
            rows = self.run_all(statements)
            if rows:
                self.links.append((action, [row[0] for row in rows], detail, "ok"))
            return rows
        *before, (listing, params) = statements
        head, tail = canonical_affixes(self.now, self.actor, action, "ok", detail)
        audited = {
            **params,
            "audit_at": bound_time(self.dialect, self.now),
            "audit_actor": self.actor,
            "audit_action": action,
            "audit_detail": detail,
            "audit_head": head,
            "audit_tail": tail,
        }
        pending, self.pending = self.pending, None
        if pending is None:
            sql = _LISTED_AND_AUDITED.replace("{listing}", listing)
        else:
            sql = _ROLE_CHECKED.replace("{listing}", listing)
            audited["audit_roles"] = sorted(PERMISSION_TABLE[pending[0]])
        rows = driver_run_all(
            self.driver, self.dialect, [("BEGIN", {}), *before, (sql, audited), ("COMMIT", {})]
        )
        if pending is None:
            return rows
        permission, refused_as = pending
        role = Role(rows[0][0]) if rows[0][0] is not None else None
        if not allows(role, permission):
            self._refuse(role, permission, refused_as, None)
        return [row[1:] for row in rows if row[1] is not None]

    def require(self, action: str) -> None:
        """`authorize`, for a use case that needs no role but the check's: on PostgreSQL the
        staff table is read by the next listing's own statement (`read_listed`), a round trip
        fewer for every find by staff whom the settings do not make admins. Any other read,
        and the end of the look (`ServiceContext.looking`), check it first (`settle`): the
        actor learns and reads nothing before the check, and a refusal is audited, as
        `authorize` would."""
        if self.dialect.name == "postgresql" and self.actor not in self.settings.admins:
            self.pending = (permission_for(action), action)
        else:
            self.authorize(action)

    def settle(self) -> None:
        """Check the permission `require` left for later, if any (`authorize`)."""
        if self.pending is not None:
            (_, action), self.pending = self.pending, None
            self.authorize(action)

    def role_of(self, user_id: str) -> Role | None:
        """The user's role: bootstrap admins from settings, else the staff table."""
        if user_id in self.settings.admins:
            return Role.ADMIN
        rows = self.run(_ROLE_OF, {"user": user_id})
        return Role(rows[0][0]) if rows else None

    def authorize(self, action: str, customer_number: int | None = None) -> Role:
        """Check the actor may do `action` (`ACTIONS`); a refusal is audited, then raised."""
        permission = permission_for(action)
        role = self.role_of(self.actor)
        if allows(role, permission):
            assert role is not None
            return role
        self._refuse(role, permission, action, customer_number)

    def _refuse(
        self, role: Role | None, permission: Permission, action: str, customer_number: int | None
    ) -> NoReturn:
        detail, error = refusal(role, permission)
        self.links.append((action, [customer_number], detail, "refused"))
        raise error


@dataclass
class Tx:
    session: Session
    actor: str
    now: dt.datetime
    settings: Settings
    # In a reading use case on SQLite (`ServiceContext.reading`): links to append afterwards.
    deferred_links: list[_Links] | None = None
    role: Role | None = field(default=None, init=False)

    def role_of(self, user_id: str) -> Role | None:
        """The user's role: bootstrap admins from settings, else the staff table."""
        if user_id in self.settings.admins:
            return Role.ADMIN
        member = self.session.get(StaffMember, user_id)
        return Role(member.role) if member is not None else None

    def authorize(self, action: str, customer_number: int | None = None) -> Role:
        """Check the actor may do `action` (`ACTIONS`); a refusal is audited and committed,
        then raised."""
        permission = permission_for(action)
        role = self.role_of(self.actor)
        if allows(role, permission):
            self.role = role
            assert role is not None
            return role
        detail, error = refusal(role, permission)
        self.audit(action, customer_number, detail=detail, outcome="refused")
        # Keep the refusal's audit event even though the use case stops here.
        self.session.commit()
        raise error

    def audit(
        self,
        action: str,
        customer_number: int | None = None,
        *,
        detail: str | None = None,
        outcome: str = "ok",
    ) -> None:
        """Append a link to the audit chain in this transaction (identifiers only, no data)."""
        self.append_links(action, [customer_number], detail, outcome)

    def audit_many(self, action: str, customer_numbers: list[int], *, detail: str) -> None:
        """One audit link per customer, appended with a single read of the head (for lists)."""
        self.append_links(action, list(customer_numbers), detail)

    def append_links(
        self,
        action: str,
        customer_numbers: Sequence[int | None],
        detail: str | None,
        outcome: str = "ok",
    ) -> None:
        """Links for `action`, one per customer number, in this transaction (`append_links`);
        in a reading use case on SQLite, after it (`ServiceContext.reading`)."""
        if not customer_numbers:
            return
        if self.deferred_links is not None:
            self.deferred_links.append((action, list(customer_numbers), detail, outcome))
            return
        session = self.session
        stale = session.identity_map.get(identity_key(AuditHead, 1))
        if stale is not None:
            # Never let an ORM copy of the head outlive the row written below.
            session.expire(stale)
        session.flush()
        append_links(
            session.connection(), self.actor, self.now, action, customer_numbers, detail, outcome
        )

    def record_change(
        self,
        customer_id: int,
        entity: str,
        entity_id: int | None,
        name: str,
        old: object,
        new: object,
        source: str,
    ) -> None:
        """A FieldChange row for the customer history."""
        self.session.add(
            FieldChange(
                at=self.now,
                actor=self.actor,
                customer_id=customer_id,
                entity=entity,
                entity_id=entity_id,
                field=name,
                old_value=None if old is None else str(old),
                new_value=None if new is None else str(new),
                source=source,
            )
        )

    def next_number(self, counter: str, at_least: int | None = None) -> int:
        """The next value of a named counter, locked against concurrent callers."""
        row = self.session.execute(
            select(Counter).where(Counter.name == counter).with_for_update()
        ).scalar_one()
        value = row.next_value
        row.next_value = value + 1
        return value

    def bump_counter(self, counter: str, used: int) -> None:
        """Make sure the counter will never hand out `used` (an imported number) again."""
        row = self.session.execute(
            select(Counter).where(Counter.name == counter).with_for_update()
        ).scalar_one()
        if row.next_value <= used:
            row.next_value = used + 1


def append_links(
    connection: Connection,
    actor: str,
    now: dt.datetime,
    action: str,
    customer_numbers: Sequence[int | None],
    detail: str | None,
    outcome: str,
) -> None:
    """Append links to the audit chain in the connection's transaction (`append_links_at`)."""
    driver = connection.connection.driver_connection
    links: list[_Links] = [(action, customer_numbers, detail, outcome)]
    append_links_at(driver, connection.dialect, actor, now, links)


def append_links_at(
    driver: Any, dialect: Dialect, actor: str, now: dt.datetime, links: list[_Links]
) -> None:
    """Append links to the audit chain in the DBAPI connection's transaction, in one locked
    read-modify-write of the chain's head: its row lock (PostgreSQL) or the write lock that
    BEGIN IMMEDIATE took (SQLite) keeps every process appending in turn. Three driver-level
    statements in two round trips, since an audited read is on every command's path."""
    read = _LOCK_HEAD if dialect.name == "postgresql" else _READ_HEAD
    ((seq, previous),) = cast("list[tuple[int, str]]", driver_run(driver, dialect, read, {}))
    driver_run_all(driver, dialect, _link_writes(dialect, seq, previous, actor, now, links))


def _append_in_two_round_trips(
    driver: Any, dialect: Dialect, actor: str, now: dt.datetime, links: list[_Links]
) -> None:
    """`append_links_at` for a PostgreSQL connection in autocommit mode (`_autocommitted`, which
    rolls back what an error leaves open): BEGIN and the head's lock in one round trip, the
    links, the head and COMMIT in the next."""
    head = driver_run_all(driver, dialect, [("BEGIN", {}), (_LOCK_HEAD, {})])
    ((seq, previous),) = cast("list[tuple[int, str]]", head)
    writes = _link_writes(dialect, seq, previous, actor, now, links)
    driver_run_all(driver, dialect, [*writes, ("COMMIT", {})])


def _link_writes(
    dialect: Dialect, seq: int, previous: str, actor: str, now: dt.datetime, links: list[_Links]
) -> list[tuple[str, Params]]:
    """The statements that append `links` after the head (`seq`, `previous`) and move the
    head; none when there are no links."""
    at = bound_time(dialect, now)
    writes: list[tuple[str, Params]] = []
    for action, numbers, detail, outcome in links:
        chain = list(chain_links(previous, seq, now, actor, action, outcome, numbers, detail))
        if len(chain) > 1:
            # Many links (an import's, one per customer): positional rows bind in a third
            # less time than mappings, which matters at a million.
            rows = [
                (link_seq, at, actor, action, outcome, number, detail, prev, digest)
                for link_seq, number, prev, digest in chain
            ]
            writes.append((_INSERT_LINKS, rows))
        else:
            ((link_seq, number, prev, digest),) = chain
            link = {
                "seq": link_seq,
                "at": at,
                "actor": actor,
                "action": action,
                "outcome": outcome,
                "number": number,
                "detail": detail,
                "prev": prev,
                "hash": digest,
            }
            writes.append((_INSERT_LINK, link))
        seq, _, _, previous = chain[-1]
    if not writes:
        return []
    return [*writes, (_MOVE_HEAD, {"seq": seq, "hash": previous})]
