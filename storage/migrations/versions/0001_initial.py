"""Initial schema: every entity of SPEC §2, the audit chain head and the counters.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 02:27:05.202113
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("customer_number", sa.BigInteger(), nullable=True),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_audit_event_customer_seq", ["customer_number", "seq"], unique=False
        )

    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.create_table(
        "counter",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("next_value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_counter")),
    )
    op.create_table(
        "customer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("name_search", sa.String(length=300), nullable=False),
        sa.Column("business_id", sa.String(length=9), nullable=True),
        sa.Column("vat_id", sa.String(length=20), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("street", sa.String(length=200), nullable=True),
        sa.Column("postal_code", sa.String(length=20), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("marketing_opt_out", sa.Boolean(), nullable=False),
        sa.Column("marketing_opt_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("marketing_opt_out_by", sa.String(length=40), nullable=True),
        sa.Column("marketing_opt_out_source", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer")),
        sa.UniqueConstraint("business_id", name=op.f("uq_customer_business_id")),
        sa.UniqueConstraint("number", name=op.f("uq_customer_number")),
    )
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_customer_name_search"), ["name_search"], unique=False)
        batch_op.create_index(batch_op.f("ix_customer_phone"), ["phone"], unique=False)
        batch_op.create_index(batch_op.f("ix_customer_status"), ["status"], unique=False)

    op.create_table(
        "staff_member",
        sa.Column("slack_user_id", sa.String(length=40), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("granted_by", sa.String(length=40), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("slack_user_id", name=op.f("pk_staff_member")),
    )
    op.create_table(
        "billing_profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("billing_street", sa.String(length=200), nullable=True),
        sa.Column("billing_postal_code", sa.String(length=20), nullable=True),
        sa.Column("billing_city", sa.String(length=100), nullable=True),
        sa.Column("billing_country", sa.String(length=2), nullable=True),
        sa.Column("billing_email", sa.String(length=320), nullable=True),
        sa.Column("einvoice_address", sa.String(length=35), nullable=True),
        sa.Column("einvoice_operator", sa.String(length=35), nullable=True),
        sa.Column("payment_terms_days", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_billing_profile_customer_id_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_profile")),
        sa.UniqueConstraint("customer_id", name=op.f("uq_billing_profile_customer_id")),
    )
    op.create_table(
        "consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=60), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=40), nullable=False),
        sa.Column("withdrawn_by", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_consent_customer_id_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent")),
    )
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consent_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "contact_person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_search", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_contact_person_customer_id_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_person")),
    )
    with op.batch_alter_table("contact_person", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_person_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_contact_person_name_search"), ["name_search"], unique=False
        )

    op.create_table(
        "contract",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("product", sa.String(length=200), nullable=False),
        sa.Column("plan", sa.String(length=100), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_contract_customer_id_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract")),
    )
    with op.batch_alter_table("contract", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contract_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "data_subject_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("original_due_on", sa.Date(), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=True),
        sa.Column("requester", sa.String(length=300), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("assignee", sa.String(length=40), nullable=True),
        sa.Column("created_by", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("extended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column("requester_told_of_extension_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verification_method", sa.String(length=300), nullable=True),
        sa.Column("code_hash", sa.String(length=300), nullable=True),
        sa.Column("code_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("code_attempts", sa.Integer(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_data_subject_request_customer_id_customer"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_subject_request")),
        sa.UniqueConstraint("number", name=op.f("uq_data_subject_request_number")),
    )
    with op.batch_alter_table("data_subject_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_data_subject_request_assignee"), ["assignee"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_data_subject_request_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index("ix_dsr_status_due", ["status", "due_on"], unique=False)

    op.create_table(
        "field_change",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("field", sa.String(length=60), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_field_change_customer_id_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_change")),
    )
    with op.batch_alter_table("field_change", schema=None) as batch_op:
        batch_op.create_index("ix_field_change_customer_at", ["customer_id", "at"], unique=False)

    op.create_table(
        "invoice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("invoice_date", sa.Date(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("retained_until", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_invoice_customer_id_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice")),
        sa.UniqueConstraint("number", name=op.f("uq_invoice_number")),
    )
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invoice_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_invoice_retained_until"), ["retained_until"], unique=False
        )

    op.create_table(
        "service_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("name_search", sa.String(length=300), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("password_hash", sa.String(length=300), nullable=True),
        sa.Column("needs_rehash", sa.Boolean(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_service_user_customer_id_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_user")),
        sa.UniqueConstraint("username", name=op.f("uq_service_user_username")),
    )
    with op.batch_alter_table("service_user", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_service_user_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_service_user_name_search"), ["name_search"], unique=False
        )

    op.create_table(
        "correspondence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("contact_person_id", sa.Integer(), nullable=True),
        sa.Column("recording_uri", sa.String(length=1000), nullable=True),
        sa.Column("slack_permalink", sa.String(length=1000), nullable=True),
        sa.Column("logged_by", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_person_id"],
            ["contact_person.id"],
            name=op.f("fk_correspondence_contact_person_id_contact_person"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_correspondence_customer_id_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_correspondence")),
    )
    with op.batch_alter_table("correspondence", schema=None) as batch_op:
        batch_op.create_index(
            "ix_correspondence_customer_occurred", ["customer_id", "occurred_at"], unique=False
        )

    op.create_table(
        "disclosure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("basis", sa.String(length=16), nullable=False),
        sa.Column("law_reference", sa.String(length=300), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("data_description", sa.Text(), nullable=True),
        sa.Column("consent_id", sa.Integer(), nullable=True),
        sa.Column("transfer_consent_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["consent_id"], ["consent.id"], name=op.f("fk_disclosure_consent_id_consent")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_disclosure_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(
            ["transfer_consent_id"],
            ["consent.id"],
            name=op.f("fk_disclosure_transfer_consent_id_consent"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure")),
    )
    with op.batch_alter_table("disclosure", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_disclosure_customer_id"), ["customer_id"], unique=False
        )

    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("target", sa.String(length=40), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("slack_channel", sa.String(length=40), nullable=True),
        sa.Column("slack_ts", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["data_subject_request.id"],
            name=op.f("fk_notification_request_id_data_subject_request"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint("key", name="uq_notification_key"),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notification_status_next", ["status", "next_attempt_at"], unique=False
        )

    op.create_table(
        "request_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["data_subject_request.id"],
            name=op.f("fk_request_event_request_id_data_subject_request"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_event")),
    )
    with op.batch_alter_table("request_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_request_event_request_id"), ["request_id"], unique=False
        )

    op.create_table(
        "usage_event",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("service_user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=100), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("source_ip", sa.String(length=45), nullable=True),
        sa.Column("detail", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_usage_event_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(
            ["service_user_id"],
            ["service_user.id"],
            name=op.f("fk_usage_event_service_user_id_service_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_event")),
    )
    with op.batch_alter_table("usage_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_usage_event_at"), ["at"], unique=False)
        batch_op.create_index("ix_usage_event_customer_at", ["customer_id", "at"], unique=False)
    op.bulk_insert(
        sa.table(
            "audit_head",
            sa.column("id", sa.Integer),
            sa.column("seq", sa.BigInteger),
            sa.column("hash", sa.String),
        ),
        [{"id": 1, "seq": 0, "hash": "0" * 64}],
    )
    op.bulk_insert(
        sa.table("counter", sa.column("name", sa.String), sa.column("next_value", sa.BigInteger)),
        [
            {"name": "customer_number", "next_value": 10001},
            {"name": "request_number", "next_value": 1},
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("usage_event", schema=None) as batch_op:
        batch_op.drop_index("ix_usage_event_customer_at")
        batch_op.drop_index(batch_op.f("ix_usage_event_at"))

    op.drop_table("usage_event")
    with op.batch_alter_table("request_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_event_request_id"))

    op.drop_table("request_event")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_status_next")

    op.drop_table("notification")
    with op.batch_alter_table("disclosure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disclosure_customer_id"))

    op.drop_table("disclosure")
    with op.batch_alter_table("correspondence", schema=None) as batch_op:
        batch_op.drop_index("ix_correspondence_customer_occurred")

    op.drop_table("correspondence")
    with op.batch_alter_table("service_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_user_name_search"))
        batch_op.drop_index(batch_op.f("ix_service_user_customer_id"))

    op.drop_table("service_user")
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoice_retained_until"))
        batch_op.drop_index(batch_op.f("ix_invoice_customer_id"))

    op.drop_table("invoice")
    with op.batch_alter_table("field_change", schema=None) as batch_op:
        batch_op.drop_index("ix_field_change_customer_at")

    op.drop_table("field_change")
    with op.batch_alter_table("data_subject_request", schema=None) as batch_op:
        batch_op.drop_index("ix_dsr_status_due")
        batch_op.drop_index(batch_op.f("ix_data_subject_request_customer_id"))
        batch_op.drop_index(batch_op.f("ix_data_subject_request_assignee"))

    op.drop_table("data_subject_request")
    with op.batch_alter_table("contract", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contract_customer_id"))

    op.drop_table("contract")
    with op.batch_alter_table("contact_person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_person_name_search"))
        batch_op.drop_index(batch_op.f("ix_contact_person_customer_id"))

    op.drop_table("contact_person")
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_customer_id"))

    op.drop_table("consent")
    op.drop_table("billing_profile")
    op.drop_table("staff_member")
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_status"))
        batch_op.drop_index(batch_op.f("ix_customer_phone"))
        batch_op.drop_index(batch_op.f("ix_customer_name_search"))
        batch_op.drop_index(batch_op.f("ix_customer_email"))

    op.drop_table("customer")
    op.drop_table("counter")
    op.drop_table("audit_head")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_customer_seq")

    op.drop_table("audit_event")
