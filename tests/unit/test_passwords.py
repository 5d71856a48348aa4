"""Service-user password hashes: argon2id, legacy PBKDF2 imports, rehash on verified login."""

from __future__ import annotations

import base64
import hashlib

import argon2
import pytest

from bot.domain.passwords import (
    Verification,
    hash_password,
    is_argon2_hash,
    is_importable_hash,
    needs_rehash,
    verify_password,
)


def legacy_pbkdf2_hash(password: str, salt: str = "c2FsdHlzYWx0", iterations: int = 1000) -> str:
    """A hash in the common `pbkdf2_sha256$<iterations>$<salt>$<base64 digest>` form."""
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${base64.b64encode(digest).decode()}"


@pytest.fixture(scope="module")
def stored() -> str:
    return hash_password("correct horse battery staple")


def test_a_new_hash_is_argon2id(stored):
    assert stored.startswith("$argon2id$")
    assert is_argon2_hash(stored)
    assert is_importable_hash(stored)


def test_the_hash_never_contains_the_password(stored):
    assert "correct horse" not in stored


def test_hashing_twice_gives_different_salts():
    assert hash_password("same") != hash_password("same")


def test_the_right_password_verifies_without_a_rehash(stored):
    assert verify_password(stored, "correct horse battery staple") == Verification(ok=True)
    assert not needs_rehash(stored)


@pytest.mark.parametrize("attempt", ["", "wrong", "Correct horse battery staple", "correct horse"])
def test_a_wrong_password_fails(stored, attempt):
    assert verify_password(stored, attempt) == Verification(ok=False)


def test_a_non_ascii_password_round_trips():
    stored = hash_password("Äijälän salasana ✓")
    assert verify_password(stored, "Äijälän salasana ✓").ok
    assert not verify_password(stored, "Aijalan salasana ✓").ok


def test_a_legacy_pbkdf2_hash_is_importable_and_flagged_for_rehash():
    legacy = legacy_pbkdf2_hash("hunter2")
    assert is_importable_hash(legacy)
    assert not is_argon2_hash(legacy)
    assert needs_rehash(legacy)


def test_a_legacy_pbkdf2_hash_verifies_and_yields_a_new_argon2_hash():
    result = verify_password(legacy_pbkdf2_hash("hunter2"), "hunter2")
    assert result.ok
    assert result.new_hash is not None
    assert result.new_hash.startswith("$argon2id$")
    assert verify_password(result.new_hash, "hunter2") == Verification(ok=True)
    assert not needs_rehash(result.new_hash)


def test_a_wrong_password_against_a_legacy_hash_fails_without_a_new_hash():
    assert verify_password(legacy_pbkdf2_hash("hunter2"), "hunter3") == Verification(ok=False)


def test_a_legacy_hash_with_another_salt_or_iteration_count_is_honoured():
    legacy = legacy_pbkdf2_hash("hunter2", salt="other", iterations=1200)
    assert verify_password(legacy, "hunter2").ok
    assert not verify_password(legacy.replace("$1200$", "$1000$"), "hunter2").ok


@pytest.mark.parametrize(
    "value",
    [
        "",
        "5f4dcc3b5aa765d61d8327deb882cf99",  # md5("password")
        "{MD5}X03MO1qnZdYdgyfeuILPmQ==",
        "$1$saltsalt$qjXMvbEw8oaL.CzflDugX/",  # md5-crypt
        "sha256$salt$abcdef",
        "pbkdf2_sha1$1000$salt$AAAA",
        "pbkdf2_sha256$abc$salt$AAAA",
        "pbkdf2_sha256$1000$salt",
        "pbkdf2_sha256$1000$salt$not base64!",
        "pbkdf2_sha256$1000$salt$AAAA$extra",
        "$2b$12$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui",  # bcrypt
    ],
)
def test_hashes_of_unknown_schemes_are_not_importable(value):
    assert not is_importable_hash(value)


@pytest.mark.parametrize(
    "value", ["5f4dcc3b5aa765d61d8327deb882cf99", "", "pbkdf2_sha256$abc$salt$AAAA"]
)
def test_verifying_against_an_unknown_scheme_fails_quietly(value):
    assert verify_password(value, "password") == Verification(ok=False)


def test_a_weaker_argon2_hash_is_flagged_and_replaced_on_verified_login():
    weak = argon2.PasswordHasher(time_cost=1, memory_cost=8192).hash("hunter2")
    assert is_importable_hash(weak)
    assert needs_rehash(weak)
    result = verify_password(weak, "hunter2")
    assert result.ok
    assert result.new_hash is not None
    assert result.new_hash != weak
    assert not needs_rehash(result.new_hash)
    assert verify_password(result.new_hash, "hunter2") == Verification(ok=True)


def test_a_wrong_password_against_a_weaker_argon2_hash_gives_no_new_hash():
    weak = argon2.PasswordHasher(time_cost=1, memory_cost=8192).hash("hunter2")
    assert verify_password(weak, "hunter3") == Verification(ok=False)
