"""Credentials without storage: argon2id passwords, the password policy, random tokens, keyed
hashes and constant-time checks."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from microreach.kit.errors import InvalidError

# argon2id with the first parameter set of the OWASP Password Storage Cheat Sheet
# (46 MiB, 1 pass, 1 lane): about 40 ms on a laptop core. Changing any value makes stored
# hashes be re-hashed at their owner's next sign-in.
ARGON2_MEMORY_KIB = 47_104
ARGON2_TIME_COST = 1
ARGON2_PARALLELISM = 1
HASHER = PasswordHasher(
    time_cost=ARGON2_TIME_COST,
    memory_cost=ARGON2_MEMORY_KIB,
    parallelism=ARGON2_PARALLELISM,
    hash_len=32,
    salt_len=16,
    type=Type.ID,
)

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 1024
EMAIL_MAX_LENGTH = 320
API_KEY_PREFIX = "mr_"
_EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_API_KEY_SHAPE = re.compile(r"^(mr_[a-z0-9]{8})_([A-Za-z0-9_-]{40,60})$")
_KEY_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
# No 0/O or 1/I/L: the claim code is typed by a person into a bio.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches; argon2 compares the digests in constant time."""
    try:
        return HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    try:
        return HASHER.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return HASHER.hash(secrets.token_urlsafe(16))


def spend_verify_time(password: str) -> None:
    """Verify against a throwaway hash, so an unknown email takes as long as a wrong password."""
    verify_password(_dummy_hash(), password)


def normalise_email(raw: str) -> str:
    """The stored form of an email: trimmed, NFKC, lower-case; InvalidError when malformed."""
    email = unicodedata.normalize("NFKC", raw).strip().lower()
    if not email:
        raise InvalidError("Enter your email address.", field="email")
    if len(email) > EMAIL_MAX_LENGTH or not _EMAIL_SHAPE.match(email):
        raise InvalidError("Enter an email address like name@example.com.", field="email")
    return email


def check_password_policy(password: str, email: str) -> None:
    """InvalidError (field ``password``) naming the first rule ``password`` breaks."""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise InvalidError(
            f"Use at least {PASSWORD_MIN_LENGTH} characters (you typed {len(password)}).",
            field="password",
        )
    if len(password) > PASSWORD_MAX_LENGTH:
        raise InvalidError(f"Use at most {PASSWORD_MAX_LENGTH} characters.", field="password")
    if not password.strip():
        raise InvalidError("A password cannot be only spaces.", field="password")
    if password.strip().lower() == email.strip().lower():
        raise InvalidError("Your password must not be your email address.", field="password")


def new_token() -> str:
    """256 random bits, URL-safe: session cookies."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """SHA-256 hex of a random token; what the database keeps instead of the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def keyed_digest(secret_key: str, purpose: str, value: str) -> str:
    """HMAC-SHA256 hex of ``value`` under the installation key, separated by ``purpose``."""
    message = f"{purpose}\x00{value}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def new_api_key() -> tuple[str, str]:
    """(full key shown once, its public prefix): ``mr_<8 chars>_<43 random chars>``."""
    prefix = API_KEY_PREFIX + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(8))
    return f"{prefix}_{secrets.token_urlsafe(32)}", prefix


def api_key_prefix(raw: str) -> str | None:
    """The prefix of a well-formed key, or None."""
    match = _API_KEY_SHAPE.match(raw.strip())
    return match.group(1) if match else None


def api_key_digest(secret_key: str, key: str) -> str:
    return keyed_digest(secret_key, "api-key", key.strip())


def digests_match(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode())


def csrf_token(secret_key: str, seed: str) -> str:
    """The form token of a browser: a keyed hash of its session (or anonymous) cookie."""
    return keyed_digest(secret_key, "csrf", seed)[:48]


def csrf_token_valid(secret_key: str, seed: str, token: str) -> bool:
    return digests_match(csrf_token(secret_key, seed), token)


def client_digest(secret_key: str, address: str) -> str:
    return keyed_digest(secret_key, "login-client", address)[:32]


def claim_code() -> str:
    """A short code a creator puts in a bio to prove the account is theirs: MR-XXXXXX."""
    return "MR-" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(6))
