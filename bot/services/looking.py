"""The reading use case at the driver level (`ServiceContext.looking`): `/customer find`, the
command staff send most, and help's staff check.

What it buys: no ORM session and no SQLAlchemy connection on the path; on PostgreSQL a
listing appends its own audit links, and checks the actor's role, in the statement that reads
it, so a find is one round trip (docs/BENCHMARKS.md, "find against help"). What it keeps: a
refusal is audited and every customer listed has its audit link committed before the result
reaches the caller, as on the common path (`bot.services.unit`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NoReturn, cast

from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import DBAPIError

from bot.config import Settings
from bot.domain.audit_chain import canonical_affixes
from bot.domain.permissions import PERMISSION_TABLE, Permission, Role, allows, permission_for
from bot.services.audit_links import Links
from bot.services.errors import refusal
from storage.raw import bound_time, driver_run, driver_run_all

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


@contextmanager
def autocommitted(engine: Engine) -> Iterator[Any]:
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


_ROLE_OF = "SELECT role FROM staff_member WHERE slack_user_id = :user"


@dataclass
class Look:
    """A reading use case at the driver level (`ServiceContext.looking`): hand-written
    statements (`:name` placeholders), the actor's role, and the links it audits."""

    driver: Any
    dialect: Dialect
    actor: str
    now: dt.datetime
    settings: Settings
    links: list[Links]
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
