"""Password hashing with Argon2id (argon2-cffi's RFC 9106 low-memory profile)."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # time_cost=3, memory_cost=64 MiB, parallelism=4

# Verified against when the email is unknown, so a miss costs the same time as a hit.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password):
    return _hasher.hash(password)


def verify_password(password_hash, password):
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False
