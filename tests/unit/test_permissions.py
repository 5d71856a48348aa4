"""The permission table in code is SPEC §3's table, row by row."""

from __future__ import annotations

import pytest

from bot.domain.permissions import PERMISSION_TABLE, Permission, Role, allows, permissions_of

# Copied from SPEC §3 as written there; the test reads the ticks.
SPEC_TABLE = """
| permission | viewer | agent | billing | privacy | admin |
|---|---|---|---|---|---|
| find/show basic details, contacts, contracts | ✓ | ✓ | ✓ | ✓ | ✓ |
| read correspondence, usage logs |  | ✓ | ✓ | ✓ | ✓ |
| read billing and invoices |  |  | ✓ | ✓ | ✓ |
| create/update customers, contacts, users |  | ✓ |  | ✓ | ✓ |
| update billing data |  |  | ✓ |  | ✓ |
| log correspondence |  | ✓ | ✓ | ✓ | ✓ |
| record consent, disclosure, marketing opt-out |  | ✓ |  | ✓ | ✓ |
| create and work DSRs (list, assign, verify) |  | ✓ |  | ✓ | ✓ |
| extend, close, export, erase (DSR execution) |  |  |  | ✓ | ✓ |
| read the audit trail |  |  |  | ✓ | ✓ |
| grant and revoke roles |  |  |  |  | ✓ |
"""

ROW_PERMISSION = {
    "find/show basic details, contacts, contracts": Permission.VIEW_BASIC,
    "read correspondence, usage logs": Permission.READ_CORRESPONDENCE,
    "read billing and invoices": Permission.READ_BILLING,
    "create/update customers, contacts, users": Permission.EDIT_CUSTOMERS,
    "update billing data": Permission.EDIT_BILLING,
    "log correspondence": Permission.LOG_CORRESPONDENCE,
    "record consent, disclosure, marketing opt-out": Permission.RECORD_CONSENT,
    "create and work DSRs (list, assign, verify)": Permission.WORK_REQUESTS,
    "extend, close, export, erase (DSR execution)": Permission.EXECUTE_REQUESTS,
    "read the audit trail": Permission.READ_AUDIT,
    "grant and revoke roles": Permission.MANAGE_ROLES,
}


def spec_rows() -> tuple[list[str], dict[str, frozenset[str]]]:
    """The column names and, per row label, the roles ticked in SPEC_TABLE."""
    lines = [line.strip() for line in SPEC_TABLE.strip().splitlines()]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    columns = header[1:]
    rows: dict[str, frozenset[str]] = {}
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        label, ticks = cells[0], cells[1:]
        assert len(ticks) == len(columns), line
        rows[label] = frozenset(col for col, tick in zip(columns, ticks, strict=True) if tick)
    return columns, rows


def test_the_roles_are_the_columns_of_the_spec_table():
    columns, _ = spec_rows()
    assert [role.value for role in Role] == columns


def test_every_spec_row_names_one_permission_and_every_permission_has_a_row():
    _, rows = spec_rows()
    assert set(rows) == set(ROW_PERMISSION)
    assert sorted(ROW_PERMISSION.values()) == sorted(Permission)
    assert set(PERMISSION_TABLE) == set(Permission)


@pytest.mark.parametrize("label", list(ROW_PERMISSION))
def test_each_row_of_the_table_equals_the_spec(label):
    _, rows = spec_rows()
    permission = ROW_PERMISSION[label]
    assert {role.value for role in PERMISSION_TABLE[permission]} == rows[label]


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("permission", list(Permission))
def test_allows_follows_the_table(role, permission):
    assert allows(role, permission) == (role in PERMISSION_TABLE[permission])


@pytest.mark.parametrize("role", list(Role))
def test_permissions_of_a_role_are_the_rows_where_it_is_ticked(role):
    expected = {p for p, roles in PERMISSION_TABLE.items() if role in roles}
    assert permissions_of(role) == expected


def test_only_admin_can_manage_roles():
    assert [role for role in Role if allows(role, Permission.MANAGE_ROLES)] == [Role.ADMIN]


def test_admin_can_do_everything():
    assert permissions_of(Role.ADMIN) == set(Permission)


def test_a_viewer_can_only_see_basic_details():
    assert permissions_of(Role.VIEWER) == {Permission.VIEW_BASIC}


@pytest.mark.parametrize("permission", list(Permission))
def test_someone_who_is_not_staff_is_allowed_nothing(permission):
    assert not allows(None, permission)
