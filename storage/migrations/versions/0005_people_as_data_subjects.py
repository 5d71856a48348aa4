"""People as data subjects (issue #23, SPEC §2.11, §5.8).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08 12:00:00

- Contact persons and service users get a reference within their customer (`REF/c1`,
  `REF/u1`: `ref`, counted from 1 in the order they were added, never reused), unique per
  customer; the existing ones are numbered here.
- A contact who left the customer, or was erased, keeps its row, anonymised, with when and why
  (`removed_at`, `removed_reason`); a service user the same (`erased_at`).
- A contact person may forbid direct marketing on their own (`marketing_opt_out` and when, by
  whom, source), as the customer may.
- Restriction (Art. 18) on a customer, a contact or a service user: when, by whom, and the
  request it serves (`restricted_at`, `restricted_by`, `restricted_request`).
- A request may concern one person (`contact_person_id`, `service_user_id`), and a consent may
  be one person's (`contact_person_id`).

Every column is added with ALTER TABLE ADD COLUMN, so SQLite's FTS5 triggers stay as they are.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_PEOPLE = ("contact_person", "service_user")


def _restriction(table: str) -> None:
    op.add_column(table, sa.Column("restricted_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(table, sa.Column("restricted_by", sa.String(40), nullable=True))
    op.add_column(table, sa.Column("restricted_request", sa.Integer(), nullable=True))


def upgrade() -> None:
    for table in _PEOPLE:
        op.add_column(table, sa.Column("ref", sa.Integer(), nullable=False, server_default="0"))
        # The people a customer has, numbered in the order they were added.
        op.execute(
            f"UPDATE {table} SET ref = (SELECT count(*) FROM {table} AS earlier"  # noqa: S608
            f" WHERE earlier.customer_id = {table}.customer_id AND earlier.id <= {table}.id)"
        )
        op.create_index(f"ix_{table}_customer_ref", table, ["customer_id", "ref"], unique=True)
        _restriction(table)
    op.add_column(
        "contact_person", sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("contact_person", sa.Column("removed_reason", sa.String(16), nullable=True))
    op.add_column(
        "contact_person",
        sa.Column("marketing_opt_out", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "contact_person",
        sa.Column("marketing_opt_out_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column("contact_person", sa.Column("marketing_opt_out_by", sa.String(40), nullable=True))
    op.add_column(
        "contact_person", sa.Column("marketing_opt_out_source", sa.String(32), nullable=True)
    )
    op.add_column("service_user", sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    _restriction("customer")
    for table, column, target in (
        ("data_subject_request", "contact_person_id", "contact_person"),
        ("data_subject_request", "service_user_id", "service_user"),
        ("consent", "contact_person_id", "contact_person"),
    ):
        _add_reference(table, column, target)


def _add_reference(table: str, column: str, target: str) -> None:
    """A nullable column referring to `target.id`. SQLite adds it with its REFERENCES clause in
    ALTER TABLE ADD COLUMN (Alembic would want a table copy for the constraint, which would drop
    the FTS5 triggers); PostgreSQL adds the named constraint of the naming convention."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {table} ADD COLUMN {column} INTEGER REFERENCES {target} (id)")
        return
    op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
    op.create_foreign_key(f"fk_{table}_{column}_{target}", table, target, [column], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("consent") as batch:
        batch.drop_column("contact_person_id")
    with op.batch_alter_table("data_subject_request") as batch:
        batch.drop_column("service_user_id")
        batch.drop_column("contact_person_id")
    for table in ("customer", *_PEOPLE):
        for column in ("restricted_request", "restricted_by", "restricted_at"):
            op.drop_column(table, column)
    op.drop_column("service_user", "erased_at")
    for column in (
        "marketing_opt_out_source",
        "marketing_opt_out_by",
        "marketing_opt_out_at",
        "marketing_opt_out",
        "removed_reason",
        "removed_at",
    ):
        op.drop_column("contact_person", column)
    for table in _PEOPLE:
        op.drop_index(f"ix_{table}_customer_ref", table_name=table)
        op.drop_column(table, "ref")
