"""Password hashing (argon2) and opaque keys stored hashed (API tokens, terminal keys)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verifying against this keeps the time of "no such user" equal to "wrong password".
_DUMMY_HASH = _hasher.hash("not-a-real-password")

PREFIX_CHARS = 12


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def new_key(kind: str) -> tuple[str, str, str]:
    """A new secret ``<kind>_<prefix>_<secret>``; returns ``(key, prefix, hash)``.

    The prefix finds the row; only a SHA-256 of the whole key is stored. The key has
    256 bits of entropy, so a fast hash is enough (as for GitHub tokens).
    """
    prefix = secrets.token_hex(PREFIX_CHARS // 2)
    key = f"{kind}_{prefix}_{secrets.token_urlsafe(32)}"
    return key, prefix, hash_key(key)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def split_key(key: str) -> str | None:
    """The prefix of a well-formed key, or None."""
    parts = key.split("_", 2)
    if len(parts) != 3 or len(parts[1]) != PREFIX_CHARS:
        return None
    return parts[1]


def key_matches(key: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_key(key), stored_hash)
