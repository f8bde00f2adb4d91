"""Generated and custom slugs."""

from __future__ import annotations

import math
import string

import pytest

from microreach.kit.errors import InvalidError
from microreach.links.errors import InvalidSlugError
from microreach.links.slugs import (
    ALPHABET,
    DEFAULT_ATTEMPTS,
    DEFAULT_LENGTH,
    MAX_CUSTOM_LENGTH,
    RESERVED_SLUGS,
    generate_slug,
    slug_candidates,
    validate_custom_slug,
)


def test_alphabet_is_base62() -> None:
    assert len(ALPHABET) == len(set(ALPHABET)) == 62
    assert set(ALPHABET) == set(string.ascii_letters + string.digits)


def test_default_slug_has_about_42_bits() -> None:
    assert DEFAULT_LENGTH == 7
    assert 41 < math.log2(62**DEFAULT_LENGTH) < 42


def test_generated_slugs_are_short_base62_and_distinct() -> None:
    draws = [generate_slug() for _ in range(100_000)]
    assert all(len(slug) == DEFAULT_LENGTH for slug in draws)
    assert set("".join(draws)) <= set(ALPHABET)
    # 1e5 draws from 3.5e12 values: a collision has probability ~1.4e-3, so allow one.
    assert len(set(draws)) >= len(draws) - 1


def test_generated_slugs_use_every_character_and_both_cases() -> None:
    seen = set("".join(generate_slug() for _ in range(2_000)))
    assert seen == set(ALPHABET)


def test_generated_length_is_configurable_but_not_guessable() -> None:
    assert len(generate_slug(12)) == 12
    with pytest.raises(ValueError, match="at least 6"):
        generate_slug(4)


def test_slug_candidates_give_fresh_slugs_to_retry_with() -> None:
    candidates = list(slug_candidates())
    assert len(candidates) == DEFAULT_ATTEMPTS
    assert len(set(candidates)) == DEFAULT_ATTEMPTS
    assert [len(slug) for slug in slug_candidates(attempts=2, length=9)] == [9, 9]


@pytest.mark.parametrize("slug", ["a", "Summer-Sale_2026", "ABC", "abc", "x" * 64, "0-_-0"])
def test_valid_custom_slugs_are_returned_unchanged(slug: str) -> None:
    assert validate_custom_slug(slug) == slug


@pytest.mark.parametrize(
    ("slug", "reason", "fragment"),
    [
        ("", "empty", "'' is empty"),
        ("x" * (MAX_CUSTOM_LENGTH + 1), "too_long", "has 65 characters; a slug has at most 64"),
        ("@brand", "reserved_prefix", "'@brand' starts with '@'"),
        ("_internal", "reserved_prefix", "'_internal' starts with '_'"),
        ("api", "reserved", "'api' is reserved"),
        ("Admin", "reserved", "'Admin' is reserved"),
        ("favicon.ico", "reserved", "'favicon.ico' is reserved"),
        ("robots.txt", "reserved", "'robots.txt' is reserved"),
        ("summer sale", "charset", "contains ' '"),
        ("über", "charset", "contains 'ü'"),
        ("a/b", "charset", "contains '/'"),
        ("a.b?c", "charset", "contains '.?'"),
        ("line\n", "charset", "contains '\\n'"),
    ],
)
def test_invalid_custom_slugs_are_refused_naming_the_value(
    slug: str, reason: str, fragment: str
) -> None:
    with pytest.raises(InvalidSlugError) as caught:
        validate_custom_slug(slug)
    error = caught.value
    assert error.reason == reason
    assert error.field == "slug"
    assert fragment in str(error)
    assert str(error).startswith("slug: ")


def test_every_route_word_of_the_brief_is_reserved() -> None:
    required = {"api", "static", "healthz", "docs", "login", "logout", "admin", "portal"}
    assert required | {"app", "assets", "favicon.ico", "robots.txt"} <= RESERVED_SLUGS
    for word in RESERVED_SLUGS:
        with pytest.raises(InvalidSlugError):
            validate_custom_slug(word.upper())


def test_slug_errors_are_invalid_input_errors() -> None:
    with pytest.raises(InvalidError) as caught:
        validate_custom_slug("static")
    assert caught.value.status_code == 422


def test_long_values_are_cut_in_messages() -> None:
    with pytest.raises(InvalidSlugError) as caught:
        validate_custom_slug("y" * 5000)
    assert len(str(caught.value)) < 250
    assert caught.value.value == "y" * 5000
