"""Roles, permissions and every action's permission: SPEC §3 as data, in one place.

"Who may erase?" is one read: `ACTIONS["customer.erase"]` is the permission, and
`PERMISSION_TABLE` the roles that hold it. Services authorise by action name (`Tx.authorize`),
and a refusal is audited under that name.
"""

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


_VB, _RC, _RB = Permission.VIEW_BASIC, Permission.READ_CORRESPONDENCE, Permission.READ_BILLING
_EC, _LC, _CO = Permission.EDIT_CUSTOMERS, Permission.LOG_CORRESPONDENCE, Permission.RECORD_CONSENT
_WR, _XR = Permission.WORK_REQUESTS, Permission.EXECUTE_REQUESTS
_AU, _MR = Permission.READ_AUDIT, Permission.MANAGE_ROLES

#: Every action a service authorises, with the permission it needs (and is audited under).
ACTIONS: dict[str, Permission] = {
    # Commands that read no customer data: staff only.
    "customer.help": _VB,
    "comms.help": _VB,
    "dsr.help": _VB,
    "register.help": _VB,
    "register.notice": _VB,
    "register.stats": _VB,
    "home.customers": _VB,
    # Customers.
    "customer.find": _VB,
    "customer.show": _VB,
    "customer.card.billing": _RB,
    "customer.card.usage": _RC,
    "customer.history": _RC,
    "customer.create": _EC,
    "customer.update": _EC,
    "contact.add": _EC,
    "service_user.add": _EC,
    "customer.optout": _CO,
    "consent.give": _CO,
    "consent.withdraw": _CO,
    "disclosure.record": _CO,
    "customer.export": _XR,
    "customer.erase": _XR,
    # Correspondence.
    "comms.log": _LC,
    "comms.list": _RC,
    # Data-subject requests.
    "request.create": _WR,
    "request.link": _WR,
    "request.list": _WR,
    "request.show": _WR,
    "request.assign": _WR,
    "request.be_assigned": _WR,
    "request.verify": _WR,
    "request.told": _WR,
    "home.requests": _WR,
    "request.extend": _XR,
    "request.close": _XR,
    "request.execute": _XR,
    # The register itself.
    "audit.read": _AU,
    "role.list": _VB,
    "role.grant": _MR,
    "role.revoke": _MR,
}


def permission_for(action: str) -> Permission:
    """The permission `action` needs; an action missing from `ACTIONS` is a programming error."""
    return ACTIONS[action]


def may(role: Role | None, action: str) -> bool:
    """Whether a staff member with `role` (None: not staff) may do `action`."""
    return allows(role, ACTIONS[action])
