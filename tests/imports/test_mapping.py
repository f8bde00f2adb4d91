"""Column names: documented defaults, aliases, --map, and missing required columns."""

from __future__ import annotations

import pytest

from microreach.imports.mapping import parse_map_options, resolve
from microreach.imports.schemas import ImportKind
from microreach.kit.errors import InvalidError


def test_default_names_and_aliases_match_loosely() -> None:
    columns = ["Username", "Follower Count", "followees", "n_posts", "category"]
    found = resolve(ImportKind.CREATORS, columns, {}, platform_given=True)
    assert found.fields == {
        "handle": "Username",
        "followers": "Follower Count",
        "following": "followees",
        "media_count": "n_posts",
    }
    assert found.ignored == ("category",)


def test_map_overrides_and_ignores() -> None:
    columns = ["insta", "reach_k", "username", "platform"]
    overrides = parse_map_options(["insta=handle", "reach_k=followers", "username="])
    found = resolve(ImportKind.CREATORS, columns, overrides, platform_given=False)
    assert found.fields["handle"] == "insta"
    assert found.fields["followers"] == "reach_k"
    assert "username" in found.ignored


def test_missing_required_columns_fail_naming_aliases() -> None:
    with pytest.raises(InvalidError) as caught:
        resolve(ImportKind.POSTS, ["username", "likes"], {}, platform_given=False)
    message = str(caught.value)
    assert "platform" in message and "post_id" in message and "posted_at" in message
    assert "taken_at_timestamp" in message
    assert "--platform" in message


@pytest.mark.parametrize(
    ("options", "reason"),
    [(["nocolumn=handle"], "not in the file"), (["username=nonsense"], "unknown field")],
)
def test_bad_map_options(options: list[str], reason: str) -> None:
    with pytest.raises(InvalidError, match=reason):
        resolve(ImportKind.CREATORS, ["username"], parse_map_options(options), platform_given=True)


def test_map_option_syntax() -> None:
    with pytest.raises(InvalidError, match="COLUMN=FIELD"):
        parse_map_options(["handle"])
