"""Service-user password hashes: argon2id, with legacy hashes flagged for rehash."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from argon2 import PasswordHasher, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()
# Bounds for imported legacy hashes: below is no protection, above would stall every login.
MIN_PBKDF2_ITERATIONS = 1_000
MAX_PBKDF2_ITERATIONS = 2_000_000


@dataclass(frozen=True)
class Verification:
    ok: bool
    new_hash: str | None = None


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _HASHER.hash(password)


def is_argon2_hash(value: str) -> bool:
    """Whether a stored hash is a well-formed argon2 one (else a legacy import or junk)."""
    if not value.startswith("$argon2"):
        return False
    try:
        extract_parameters(value)
    except InvalidHashError:
        return False
    return True


def is_importable_hash(value: str) -> bool:
    """Whether an imported hash is of a scheme we can verify: argon2 or legacy PBKDF2-SHA256."""
    return is_argon2_hash(value) or _parse_pbkdf2(value) is not None


def verify_password(stored_hash: str, password: str) -> Verification:
    """Check a password; on success return a fresh argon2id hash when the stored one is outdated."""
    if not is_argon2_hash(stored_hash):
        ok = _verify_pbkdf2(stored_hash, password)
        return Verification(ok=ok, new_hash=hash_password(password) if ok else None)
    try:
        _HASHER.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return Verification(ok=False)
    if _HASHER.check_needs_rehash(stored_hash):
        return Verification(ok=True, new_hash=hash_password(password))
    return Verification(ok=True)


def _parse_pbkdf2(value: str) -> tuple[int, str, bytes] | None:
    # The common legacy form `pbkdf2_sha256$<iterations>$<salt>$<base64 digest>`.
    parts = value.split("$")
    if len(parts) != 4 or parts[0] != "pbkdf2_sha256" or not parts[1].isascii():
        return None
    if (
        not parts[1].isdigit()
        or not MIN_PBKDF2_ITERATIONS <= int(parts[1]) <= MAX_PBKDF2_ITERATIONS
    ):
        return None
    try:
        digest = base64.b64decode(parts[3], validate=True)
    except ValueError:
        return None
    return int(parts[1]), parts[2], digest


def _verify_pbkdf2(stored_hash: str, password: str) -> bool:
    parsed = _parse_pbkdf2(stored_hash)
    if parsed is None:
        return False
    iterations, salt, digest = parsed
    candidate = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return hmac.compare_digest(candidate, digest)


def needs_rehash(stored_hash: str) -> bool:
    """Whether a stored hash should be replaced at the next verified login."""
    if not is_argon2_hash(stored_hash):
        return True
    return _HASHER.check_needs_rehash(stored_hash)
