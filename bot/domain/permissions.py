"""Roles and what each may do: SPEC §3 as data, in one place."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    VIEWER = "viewer"
    AGENT = "agent"
    BILLING = "billing"
    PRIVACY = "privacy"
    ADMIN = "admin"


class Permission(enum.StrEnum):
    VIEW_BASIC = "view_basic"
    READ_CORRESPONDENCE = "read_correspondence"
    READ_BILLING = "read_billing"
    EDIT_CUSTOMERS = "edit_customers"
    EDIT_BILLING = "edit_billing"
    LOG_CORRESPONDENCE = "log_correspondence"
    RECORD_CONSENT = "record_consent"
    WORK_REQUESTS = "work_requests"
    EXECUTE_REQUESTS = "execute_requests"
    READ_AUDIT = "read_audit"
    MANAGE_ROLES = "manage_roles"


_V, _A, _B, _P, _D = Role.VIEWER, Role.AGENT, Role.BILLING, Role.PRIVACY, Role.ADMIN

# The table of SPEC §3, one row per permission.
PERMISSION_TABLE: dict[Permission, frozenset[Role]] = {
    Permission.VIEW_BASIC: frozenset({_V, _A, _B, _P, _D}),
    Permission.READ_CORRESPONDENCE: frozenset({_A, _B, _P, _D}),
    Permission.READ_BILLING: frozenset({_B, _P, _D}),
    Permission.EDIT_CUSTOMERS: frozenset({_A, _P, _D}),
    Permission.EDIT_BILLING: frozenset({_B, _D}),
    Permission.LOG_CORRESPONDENCE: frozenset({_A, _B, _P, _D}),
    Permission.RECORD_CONSENT: frozenset({_A, _P, _D}),
    Permission.WORK_REQUESTS: frozenset({_A, _P, _D}),
    Permission.EXECUTE_REQUESTS: frozenset({_P, _D}),
    Permission.READ_AUDIT: frozenset({_P, _D}),
    Permission.MANAGE_ROLES: frozenset({_D}),
}


def allows(role: Role | None, permission: Permission) -> bool:
    """Whether a staff member with `role` (None: not staff) holds `permission`."""
    return role is not None and role in PERMISSION_TABLE[permission]


def permissions_of(role: Role) -> frozenset[Permission]:
    """Every permission the role holds."""
    return frozenset(p for p, roles in PERMISSION_TABLE.items() if role in roles)
