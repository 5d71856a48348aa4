"""Name prefixes by B-tree on PostgreSQL (issue #6).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 15:40:00

`/customer find` matches a name that starts with the text with `LIKE 'text%'`. PostgreSQL can
serve that from a B-tree only where the index compares text byte by byte: in the "C" collation,
or with the `text_pattern_ops` operator class. A database created with any other collation (and
`C.UTF-8` counts as other before PostgreSQL 17) answered it from the trigram index instead,
far slower at a million customers (docs/BENCHMARKS.md, "Query plans"). SQLite compares the
`name_search` range on its existing index and needs nothing.
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_SEARCHED = ("customer", "contact_person", "service_user")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in _SEARCHED:
        op.create_index(
            f"ix_{table}_name_search_prefix",
            table,
            ["name_search"],
            postgresql_ops={"name_search": "text_pattern_ops"},
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in _SEARCHED:
        op.drop_index(f"ix_{table}_name_search_prefix", table_name=table)
