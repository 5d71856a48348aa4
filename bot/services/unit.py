"""The unit of work every use case runs in: one transaction, the actor's role, the audit trail."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.util import identity_key

from bot.config import Settings
from bot.domain.permissions import Role, allows, permission_for
from bot.services.audit_links import (
    Links,
    append_in_two_round_trips,
    append_links,
    append_links_at,
)
from bot.services.errors import DomainError, refusal
from bot.services.looking import Look, autocommitted
from storage.db import Checkpoint, checkpoint_wal
from storage.models import AuditHead, Counter, FieldChange, StaffMember

Clock = Callable[[], dt.datetime]


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
        deferred: list[Links] = []
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
        links: list[Links] = []
        try:
            with autocommitted(engine) as driver:
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

    def _append_apart(self, actor: str, now: dt.datetime, links: list[Links]) -> None:
        """A reading use case's links, in a writing transaction of their own at the driver
        level: on every read's path, SQLAlchemy's transaction machinery would cost more than
        the statements. On PostgreSQL, BEGIN goes with the head's lock and COMMIT with the
        writes, two round trips in all."""
        engine = self.engine
        if engine.dialect.name == "postgresql":
            with autocommitted(engine) as driver:
                append_in_two_round_trips(driver, engine.dialect, actor, now, links)
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


@dataclass
class Tx:
    session: Session
    actor: str
    now: dt.datetime
    settings: Settings
    # In a reading use case on SQLite (`ServiceContext.reading`): links to append afterwards.
    deferred_links: list[Links] | None = None
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

    def next_number(self, counter: str) -> int:
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
