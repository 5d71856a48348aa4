"""Domain errors: each carries a message key and parameters that handlers turn into one sentence."""

from __future__ import annotations

from collections.abc import Mapping

from bot.domain.customer_fields import FieldError
from bot.domain.permissions import Permission, Role


class DomainError(Exception):
    """An expected refusal or bad input; shown to the user, never logged with data."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params: dict[str, object] = params


class NotStaff(DomainError):
    """The Slack user is not registered as staff."""

    def __init__(self) -> None:
        super().__init__("error.not_staff")


class PermissionRefused(DomainError):
    """The staff member's role lacks a permission."""

    def __init__(self, permission: str) -> None:
        super().__init__("error.permission", permission=permission)


class NotFound(DomainError):
    """No such customer (or other record)."""


class InvalidInput(DomainError):
    """One or more fields are invalid; nothing was changed."""

    def __init__(self, errors: Mapping[str, FieldError]) -> None:
        first_field, first = next(iter(errors.items()))
        super().__init__(first.key, **{"field": first_field, **first.params})
        self.field_errors: dict[str, FieldError] = dict(errors)


def refusal(role: Role | None, permission: Permission) -> tuple[str, DomainError]:
    """The audit detail of a refusal, and the error the actor gets."""
    if role is None:
        return "not staff", NotStaff()
    return f"missing {permission.value}", PermissionRefused(permission.value)
