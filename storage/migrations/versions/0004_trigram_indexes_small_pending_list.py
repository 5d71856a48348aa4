"""A small pending list for the trigram indexes on PostgreSQL (issue #6).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 21:00:00

A GIN index with `fastupdate` on (PostgreSQL's default) takes new entries into a pending list,
merged into the index by VACUUM, by `gin_clean_pending_list`, or by the insert that finds the
list past `gin_pending_list_limit` (4 MB by default). Every search reads the whole list first:
after a bulk import, a full list made each name search of `/customer find` read it,
whatever it looked for. At the smallest limit, 64 kB (some 120 names), a search reads little
of it. Without the list (`fastupdate = off`) a search reads none, but every insert updates
the index itself and an import of customers slows down much more than with a small list
(docs/BENCHMARKS.md, "Import from CSV"). The list there is now is merged into the index here.
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

PENDING_LIST_KB = 64
_INDEXES = tuple(
    f"ix_{table}_name_search_trgm" for table in ("customer", "contact_person", "service_user")
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for index in _INDEXES:
        op.execute(f"ALTER INDEX {index} SET (gin_pending_list_limit = {PENDING_LIST_KB})")
        op.execute(f"SELECT gin_clean_pending_list('{index}'::regclass)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for index in _INDEXES:
        op.execute(f"ALTER INDEX {index} RESET (gin_pending_list_limit)")
