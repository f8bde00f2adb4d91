"""Credentials without storage: argon2id hashes, the password policy, emails, keys, signatures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher, Type

from microreach.accounts import security
from microreach.kit.errors import InvalidError
from microreach.kit.signing import BadSignatureError, ExpiredTokenError, sign, unsign

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_passwords_are_hashed_with_argon2id_and_the_documented_parameters() -> None:
    stored = security.hash_password("correct horse battery")

    assert stored.startswith("$argon2id$v=19$m=47104,t=1,p=1$")
    assert "correct horse battery" not in stored
    assert security.hash_password("correct horse battery") != stored  # a fresh salt each time
    assert security.verify_password(stored, "correct horse battery")
    assert not security.verify_password(stored, "correct horse batterY")
    assert not security.verify_password("not a hash", "correct horse battery")
    assert not security.needs_rehash(stored)


def test_a_hash_made_with_other_parameters_needs_rehashing() -> None:
    older = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1, type=Type.ID)
    stored = older.hash("correct horse battery")

    assert security.verify_password(stored, "correct horse battery")
    assert security.needs_rehash(stored)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "Use at least 10 characters (you typed 5)."),
        ("          ", "A password cannot be only spaces."),
        ("Ada@Example.com", "Your password must not be your email address."),
        ("x" * 1025, "Use at most 1024 characters."),
    ],
)
def test_password_policy_names_the_rule(password: str, message: str) -> None:
    with pytest.raises(InvalidError) as info:
        security.check_password_policy(password, "ada@example.com")

    assert info.value.field == "password"
    assert info.value.message == message


def test_password_policy_accepts_a_long_enough_password() -> None:
    security.check_password_policy("ten chars!", "ada@example.com")


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("Ada@Example.COM", "ada@example.com"),
        ("  ada@example.com\t", "ada@example.com"),
        ("\uff21\uff24\uff21@example.com", "ada@example.com"),  # full-width letters: NFKC
    ],
)
def test_emails_are_normalised(raw: str, stored: str) -> None:
    assert security.normalise_email(raw) == stored


@pytest.mark.parametrize("raw", ["", "ada", "ada@", "@example.com", "a da@example.com", "a@b"])
def test_malformed_emails_are_refused(raw: str) -> None:
    with pytest.raises(InvalidError) as info:
        security.normalise_email(raw)
    assert info.value.field == "email"


def test_api_keys_have_a_public_prefix_and_a_keyed_hash() -> None:
    key, prefix = security.new_api_key()

    assert key.startswith(f"{prefix}_") and prefix.startswith("mr_") and len(prefix) == 11
    assert security.api_key_prefix(key) == prefix
    assert security.api_key_prefix(key + "!") is None
    assert security.api_key_prefix("mr_short") is None
    digest = security.api_key_digest("k" * 48, key)
    assert len(digest) == 64 and key not in digest
    assert digest != security.api_key_digest("other" * 10, key)


def test_csrf_tokens_are_bound_to_their_seed_and_key() -> None:
    mine = security.csrf_token("k" * 48, "seed-a")

    assert security.csrf_token_valid("k" * 48, "seed-a", mine)
    assert not security.csrf_token_valid("k" * 48, "seed-b", mine)
    assert not security.csrf_token_valid("j" * 48, "seed-a", mine)
    assert not security.csrf_token_valid("k" * 48, "seed-a", "")


def test_signed_tokens_round_trip_until_they_expire() -> None:
    token = sign("k" * 48, "reset", "payload", NOW + timedelta(hours=1))

    assert unsign("k" * 48, "reset", token, NOW) == "payload"
    assert unsign("k" * 48, "reset", token, NOW + timedelta(minutes=59)) == "payload"
    with pytest.raises(ExpiredTokenError):
        unsign("k" * 48, "reset", token, NOW + timedelta(hours=1))


def test_signed_tokens_refuse_tampering_other_keys_and_other_purposes() -> None:
    token = sign("k" * 48, "reset", "payload", NOW + timedelta(hours=1))
    body, expires, mac = token.split(".")
    later = str(int(expires) + 86_400)

    for forged in (f"{body}.{later}.{mac}", f"X{body}.{expires}.{mac}", "junk", ""):
        with pytest.raises(BadSignatureError):
            unsign("k" * 48, "reset", forged, NOW)
    with pytest.raises(BadSignatureError):
        unsign("j" * 48, "reset", token, NOW)
    with pytest.raises(BadSignatureError):
        unsign("k" * 48, "invitation", token, NOW)


def test_claim_codes_avoid_ambiguous_characters() -> None:
    codes = {security.claim_code() for _ in range(200)}

    assert len(codes) == 200
    for code in codes:
        assert code.startswith("MR-") and len(code) == 9
        assert not set(code[3:]) & set("01OIL")
