"""The register's enumerations (SPEC §2): stored as their values, shown through the catalogs."""

from __future__ import annotations

import enum


class CustomerKind(enum.StrEnum):
    COMPANY = "company"
    PERSON = "person"


class CustomerStatus(enum.StrEnum):
    ACTIVE = "active"
    ENDED = "ended"
    ERASED = "erased"


class Source(enum.StrEnum):
    """Where a piece of data came from (notice §6, SPEC §2.9)."""

    CUSTOMER = "customer"
    SERVICE_USER = "service_user"
    CUSTOMER_ADMIN = "customer_admin"
    STAFF = "staff"
    POPULATION_REGISTER = "population_register"
    BUSINESS_REGISTER = "business_register"
    IMPORT = "import"


class Channel(enum.StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    MEETING = "meeting"
    CHAT = "chat"
    LETTER = "letter"
    SLACK = "slack"
    WEB = "web"
    OTHER = "other"


class Direction(enum.StrEnum):
    IN = "in"
    OUT = "out"


class UsageKind(enum.StrEnum):
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    DATA_CHANGE = "data_change"
    TECHNICAL_ERROR = "technical_error"


class RequestType(enum.StrEnum):
    ACCESS = "access"
    RECTIFICATION = "rectification"
    ERASURE = "erasure"
    RESTRICTION = "restriction"
    PORTABILITY = "portability"
    OBJECTION = "objection"


class RequestStatus(enum.StrEnum):
    RECEIVED = "received"
    VERIFYING = "verifying"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class NotificationStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
