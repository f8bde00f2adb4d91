"""UTM tagging and click ids on destination URLs."""

from __future__ import annotations

import pytest

from microreach.links.destinations import with_click_id, with_utm


def test_adds_utm_parameters_in_order() -> None:
    url = with_utm(
        "https://shop.example.com/p", source="instagram", campaign="summer-26", content="anna"
    )
    assert url == (
        "https://shop.example.com/p?utm_source=instagram&utm_medium=influencer"
        "&utm_campaign=summer-26&utm_content=anna"
    )


def test_keeps_existing_parameters_and_their_encoding_and_the_fragment() -> None:
    url = with_utm(
        "https://shop.example.com/p?color=dark+blue&size=M&flag&q=a%2Fb#reviews",
        source="tiktok",
        campaign="launch",
    )
    assert url == (
        "https://shop.example.com/p?color=dark+blue&size=M&flag&q=a%2Fb"
        "&utm_source=tiktok&utm_medium=influencer&utm_campaign=launch#reviews"
    )


def test_explicit_parameters_in_the_url_win() -> None:
    url = with_utm(
        "https://shop.example.com/?utm_source=newsletter&utm_campaign=brand-set",
        source="instagram",
        campaign="ours",
        content="anna",
    )
    assert url == (
        "https://shop.example.com/?utm_source=newsletter&utm_campaign=brand-set"
        "&utm_medium=influencer&utm_content=anna"
    )


def test_overrides_replace_every_occurrence() -> None:
    url = with_utm(
        "https://shop.example.com/?utm_source=a&x=1&utm_source=b&utm_medium=email",
        source="youtube",
        overrides={"utm_source"},
    )
    assert url == "https://shop.example.com/?x=1&utm_medium=email&utm_source=youtube"


def test_all_overrides() -> None:
    url = with_utm(
        "https://shop.example.com/?utm_medium=email&utm_content=old",
        source="ig",
        medium="creator",
        content="new",
        overrides=("utm_source", "utm_medium", "utm_campaign", "utm_content"),
    )
    assert url == "https://shop.example.com/?utm_source=ig&utm_medium=creator&utm_content=new"


def test_values_are_percent_encoded() -> None:
    url = with_utm("https://shop.example.com/", source="ig", campaign="Été 50% & more")
    assert url.endswith("utm_campaign=%C3%89t%C3%A9%2050%25%20%26%20more")


def test_empty_optional_values_are_left_out() -> None:
    url = with_utm("https://shop.example.com/", source="ig", medium="", campaign="", content=None)
    assert url == "https://shop.example.com/?utm_source=ig"


def test_fragment_only_and_empty_query() -> None:
    assert with_utm("https://shop.example.com/?#top", source="ig", medium="") == (
        "https://shop.example.com/?utm_source=ig#top"
    )
    assert with_utm("https://shop.example.com#top", source="ig", medium="") == (
        "https://shop.example.com?utm_source=ig#top"
    )


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="utm_source must not be empty"):
        with_utm("https://shop.example.com/", source=" ")
    with pytest.raises(ValueError, match="unknown UTM parameters"):
        with_utm("https://shop.example.com/", source="ig", overrides={"utm_term"})


def test_click_id_is_added_and_replaces_any_other() -> None:
    assert with_click_id("https://shop.example.com/p?a=1#x", "c_123") == (
        "https://shop.example.com/p?a=1&mr_cid=c_123#x"
    )
    assert with_click_id("https://shop.example.com/?mr_cid=forged&a=1", "c 9/9") == (
        "https://shop.example.com/?a=1&mr_cid=c%209%2F9"
    )
    with pytest.raises(ValueError):
        with_click_id("https://shop.example.com/", "")


def test_utm_then_click_id_compose() -> None:
    url = with_click_id(with_utm("https://shop.example.com/#x", source="ig"), "abc")
    assert url == "https://shop.example.com/?utm_source=ig&utm_medium=influencer&mr_cid=abc#x"
