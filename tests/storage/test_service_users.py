"""Service users: passwords are hashed with argon2id, never shown, and legacy hashes are
replaced at the next verified login."""

from __future__ import annotations

import base64
import hashlib

from sqlalchemy import select

from bot.services import Services
from storage.models import FieldChange, ServiceUser
from tests.conftest import ADMIN


def _legacy_hash(password: str) -> str:
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), b"suola", 1000)
    return f"pbkdf2_sha256$1000$suola${base64.b64encode(digest).decode()}"


def _user(services: Services, username: str) -> ServiceUser:
    with services.context.sessions() as session:
        return session.execute(
            select(ServiceUser).where(ServiceUser.username == username)
        ).scalar_one()


def test_a_password_given_once_is_stored_as_argon2id_and_verifies(services: Services) -> None:
    services.customers.create(ADMIN, {"name": "Käyttäjä Oy"})
    services.customers.add_service_user(ADMIN, "10001", {"username": "anna"}, password="kissa123")
    user = _user(services, "anna")
    assert user.password_hash is not None and user.password_hash.startswith("$argon2id$")
    assert services.customers.verify_service_user_login("anna", "kissa123")
    assert not services.customers.verify_service_user_login("anna", "koira123")
    with services.context.sessions() as session:
        values = session.execute(select(FieldChange.new_value)).scalars().all()
    assert "kissa123" not in values
    assert all("$argon2" not in (v or "") for v in values)
    assert not any(
        u.has_password is False for u in services.customers.show(ADMIN, "10001").service_users
    )


def test_a_legacy_hash_is_flagged_and_replaced_at_the_next_verified_login(
    services: Services,
) -> None:
    services.customers.create(ADMIN, {"name": "Perintö Oy"})
    services.customers.add_service_user(
        ADMIN, "10001", {"username": "vanha"}, imported_hash=_legacy_hash("salasana")
    )
    assert _user(services, "vanha").needs_rehash is True
    assert not services.customers.verify_service_user_login("vanha", "väärä")
    assert _user(services, "vanha").needs_rehash is True
    assert services.customers.verify_service_user_login("vanha", "salasana")
    user = _user(services, "vanha")
    assert user.needs_rehash is False
    assert user.password_hash is not None and user.password_hash.startswith("$argon2id$")
    assert user.last_login_at is not None
    assert services.customers.verify_service_user_login("vanha", "salasana")
