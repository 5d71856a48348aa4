"""Search and hot-path indexes for a register of a million customers (issue #6).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 03:40:00

- Substring search on the folded names of customers, contact persons and service users:
  PostgreSQL gets `pg_trgm` GIN indexes (the extension is created here, which needs a role
  allowed to create it: a superuser, or the database owner on PostgreSQL 13+ since pg_trgm is a
  trusted extension); SQLite gets external-content FTS5 tables with the `trigram` tokenizer,
  kept in step with their tables by triggers. Alembic's autogenerate cannot see FTS5 tables or
  triggers, so `storage.models.include_in_schema_comparison` tells it to ignore them; a later
  SQLite migration that rebuilds `customer`, `contact_person` or `service_user` with
  `batch_alter_table` drops the triggers and must create them again (`_create_fts`).
- Case-insensitive exact look-ups: expression indexes on lower(email) and lower(username), and
  contact persons' phone numbers.
- App Home's "recently viewed": `audit_event (actor, action, seq)`; `/dsr list all`:
  `data_subject_request (due_on, number)`; open requests by assignee (or none) for the sweep,
  App Home and `/dsr list mine`: `data_subject_request (status, assignee)`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_SEARCHED = ("customer", "contact_person", "service_user")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_index("ix_audit_event_actor_action_seq", "audit_event", ["actor", "action", "seq"])
    op.create_index("ix_dsr_due_number", "data_subject_request", ["due_on", "number"])
    op.create_index("ix_dsr_status_assignee", "data_subject_request", ["status", "assignee"])
    op.create_index("ix_customer_email_lower", "customer", [sa.text("lower(email)")])
    op.create_index("ix_contact_person_email_lower", "contact_person", [sa.text("lower(email)")])
    op.create_index("ix_contact_person_phone", "contact_person", ["phone"])
    op.create_index("ix_service_user_username_lower", "service_user", [sa.text("lower(username)")])
    if dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for table in _SEARCHED:
            op.create_index(
                f"ix_{table}_name_search_trgm",
                table,
                ["name_search"],
                postgresql_using="gin",
                postgresql_ops={"name_search": "gin_trgm_ops"},
            )
    elif dialect == "sqlite":
        for table in _SEARCHED:
            _create_fts(table)


def _create_fts(table: str) -> None:
    """An FTS5 trigram index over `table.name_search`, filled now and kept by triggers."""
    fts = f"{table}_fts"
    op.execute(
        f"CREATE VIRTUAL TABLE {fts} USING fts5("
        f"name_search, content='{table}', content_rowid='id', tokenize='trigram')"
    )
    op.execute(
        f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN "  # noqa: S608 (names are this module's constants)
        f"INSERT INTO {fts}(rowid, name_search) VALUES (new.id, new.name_search); END"
    )
    op.execute(
        f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN "  # noqa: S608 (names are this module's constants)
        f"INSERT INTO {fts}({fts}, rowid, name_search) "
        f"VALUES ('delete', old.id, old.name_search); END"
    )
    op.execute(
        f"CREATE TRIGGER {fts}_au AFTER UPDATE OF name_search ON {table} BEGIN "  # noqa: S608 (names are this module's constants)
        f"INSERT INTO {fts}({fts}, rowid, name_search) "
        f"VALUES ('delete', old.id, old.name_search); "
        f"INSERT INTO {fts}(rowid, name_search) VALUES (new.id, new.name_search); END"
    )
    op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")  # noqa: S608


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for table in _SEARCHED:
            op.drop_index(f"ix_{table}_name_search_trgm", table_name=table)
    elif dialect == "sqlite":
        for table in _SEARCHED:
            for suffix in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_fts_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {table}_fts")
    op.drop_index("ix_service_user_username_lower", table_name="service_user")
    op.drop_index("ix_contact_person_phone", table_name="contact_person")
    op.drop_index("ix_contact_person_email_lower", table_name="contact_person")
    op.drop_index("ix_customer_email_lower", table_name="customer")
    op.drop_index("ix_dsr_status_assignee", table_name="data_subject_request")
    op.drop_index("ix_dsr_due_number", table_name="data_subject_request")
    op.drop_index("ix_audit_event_actor_action_seq", table_name="audit_event")
