"""Follower features on hand-made profiles, the forest predictor, the shipped model."""

from __future__ import annotations

import math
from importlib import resources
from typing import Any

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier

from microreach.evaluation.follower_training import export_forest
from microreach.science.followers import (
    FEATURES,
    Forest,
    Profile,
    assess,
    feature_matrix,
    load_model,
    profile_features,
)


def features_of(profile: Profile) -> dict[str, float]:
    return dict(zip(FEATURES, profile_features(profile), strict=True))


def test_features_of_a_complete_profile() -> None:
    profile = Profile(
        followers=100,
        following=250,
        posts=9,
        has_profile_picture=True,
        is_private=False,
        username="anna_1990x7",
        bio_length=42,
        has_external_url=False,
        full_name_words=2,
    )
    got = features_of(profile)
    assert got["followers"] == 100 and got["following"] == 250 and got["posts"] == 9
    assert got["following_per_follower"] == 2.5
    assert got["following_per_post"] == 25.0  # 250 / (9 + 1)
    assert got["followers_per_post"] == 10.0
    assert (got["has_profile_picture"], got["is_private"]) == (1.0, 0.0)
    assert got["username_length"] == 11
    assert got["username_digits"] == 5
    assert got["username_digit_share"] == pytest.approx(5 / 11)
    assert got["username_trailing_digits"] == 1
    assert (got["bio_length"], got["has_external_url"], got["full_name_words"]) == (42, 0, 2)


@pytest.mark.parametrize(
    ("username", "length", "digits", "trailing"),
    [("milosz12345678", 14, 8, 8), ("johnatan41", 10, 2, 2), ("3hans345muster", 14, 4, 0),
     ("vladagoose", 10, 0, 0), ("nina\u0663", 5, 0, 0)],
)  # fmt: skip
def test_username_digits(username: str, length: int, digits: int, trailing: int) -> None:
    got = features_of(Profile(followers=1, following=1, posts=1, username=username))
    assert (got["username_length"], got["username_digits"]) == (length, digits)
    assert got["username_trailing_digits"] == trailing


def test_missing_optional_fields_are_nan() -> None:
    got = features_of(Profile(followers=0, following=10, posts=0))
    assert got["following_per_follower"] == 10.0  # zero followers count as one
    for name in FEATURES[6:]:
        assert math.isnan(got[name]), name


def test_username_counts_without_a_username() -> None:
    counted = features_of(Profile(1, 1, 1, username_length=10, username_digits=4))
    assert counted["username_digit_share"] == 0.4
    assert math.isnan(counted["username_trailing_digits"])
    share_only = features_of(Profile(1, 1, 1, username_digit_share=0.27))
    assert share_only["username_digit_share"] == 0.27
    assert math.isnan(share_only["username_length"]) and math.isnan(share_only["username_digits"])


@pytest.mark.parametrize(
    "kwargs",
    [{"followers": -1}, {"posts": -3}, {"bio_length": -1}, {"username_digit_share": 1.5}],
)
def test_impossible_profiles_are_refused(kwargs: dict[str, float]) -> None:
    values: dict[str, Any] = {"followers": 1, "following": 1, "posts": 1, **kwargs}
    with pytest.raises(ValueError, match="must be"):
        Profile(**values)


def test_feature_matrix_shape() -> None:
    assert feature_matrix([]).shape == (0, len(FEATURES))
    rows = feature_matrix([Profile(1, 2, 3), Profile(4, 5, 6)])
    assert rows.shape == (2, len(FEATURES)) and rows[1, 2] == 6


def random_forest_and_rows(seed: int) -> tuple[RandomForestClassifier, np.ndarray, tuple[str, ...]]:
    rng = np.random.default_rng(seed)
    names = ("posts", "followers", "username_digits", "is_private")  # not in FEATURES order
    train = rng.integers(0, 50, size=(300, len(names))).astype(np.float64)
    labels = (train[:, 0] + rng.normal(0, 8, 300) < 20).astype(np.int64)
    forest = RandomForestClassifier(n_estimators=25, min_samples_leaf=2, random_state=seed)
    return forest.fit(train, labels), train, names


def as_feature_rows(values: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    rows = np.full((len(values), len(FEATURES)), np.nan)
    rows[:, [FEATURES.index(name) for name in names]] = values
    return rows


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_exported_forest_matches_scikit_learn(seed: int) -> None:
    forest, train, names = random_forest_and_rows(seed)
    model = export_forest(forest, names, threshold=0.5)
    rng = np.random.default_rng(100 + seed)
    inputs = np.vstack([train, rng.uniform(-5, 55, size=(500, len(names)))])
    expected = forest.predict_proba(inputs)[:, 1]
    explanation = model.explain(as_feature_rows(inputs, names))
    np.testing.assert_allclose(explanation.probability, expected, rtol=0, atol=1e-12)
    summed = explanation.base + explanation.contributions.sum(axis=1)
    np.testing.assert_allclose(summed, explanation.probability, rtol=0, atol=1e-12)


def test_exported_forest_survives_json() -> None:
    forest, train, names = random_forest_and_rows(3)
    model = export_forest(forest, names, threshold=0.4, metadata={"version": "test"})
    again = Forest.from_dict(model.to_dict())
    rows = as_feature_rows(train, names)
    np.testing.assert_array_equal(again.predict_proba(rows), model.predict_proba(rows))
    assert again.metadata == {"version": "test"} and again.threshold == 0.4


def test_missing_value_is_averaged_over_both_branches() -> None:
    # A single stump on all ten rows (three fake): an unknown value gets the share of fakes.
    values = np.arange(10, dtype=np.float64).reshape(-1, 1)
    labels = np.array([1, 1, 1, 0, 0, 0, 0, 0, 0, 0])
    stump = RandomForestClassifier(n_estimators=1, max_depth=1, bootstrap=False, random_state=0)
    model = export_forest(stump.fit(values, labels), ("posts",), threshold=0.5)
    explanation = model.explain(as_feature_rows(np.array([[np.nan], [0.0], [9.0]]), ("posts",)))
    np.testing.assert_allclose(explanation.probability, [0.3, 1.0, 0.0])
    assert explanation.contributions[0, 0] == pytest.approx(0.0)
    assert explanation.contributions[1, 0] == pytest.approx(0.7)


def test_from_dict_refuses_broken_models() -> None:
    forest, _, names = random_forest_and_rows(4)
    data = export_forest(forest, names, threshold=0.5).to_dict()
    with pytest.raises(ValueError, match="format"):
        Forest.from_dict({**data, "format": "pickle"})
    with pytest.raises(ValueError, match="unknown features"):
        Forest.from_dict({**data, "features": ["followers", "shoe_size", "posts", "x"]})
    size = len(data["nodes"]["left"])
    broken = {**data["nodes"], "left": [size + 5] * size}
    with pytest.raises(ValueError, match="outside"):
        Forest.from_dict({**data, "nodes": broken})
    looping = {**data["nodes"], "left": [0] * size}
    with pytest.raises(ValueError, match="no cycles"):
        Forest.from_dict({**data, "nodes": looping})
    with pytest.raises(ValueError, match="15 features"):
        Forest.from_dict(data).predict_proba(np.zeros((2, 4)))


def test_shipped_model_is_small_documented_json() -> None:
    resource = resources.files("microreach.science").joinpath("models", "follower_model.json")
    assert len(resource.read_bytes()) < 1_000_000
    model = load_model()
    assert set(model.features) <= set(FEATURES)
    assert {"bio_length", "has_external_url", "full_name_words"}.isdisjoint(model.features)
    assert 0.0 < model.threshold < 1.0
    assert model.metadata["licence"] == "CC BY-SA 4.0"
    assert "2017-10-instagram-influencers by SRF Data" in model.metadata["attribution"]
    training = model.metadata["training"]
    assert training["rows"] == 975 and training["fake"] == 98 and training["seed"] == 0
    assert training["metrics"]["holdout"]["fixed_seed"]["accuracy"] >= 0.93


def test_shipped_model_separates_an_obvious_fake_from_an_obvious_real_account() -> None:
    fake = Profile(
        followers=20, following=7000, posts=0, has_profile_picture=False, is_private=False,
        username="jan839201747",
    )  # fmt: skip
    real = Profile(
        followers=850, following=400, posts=220, has_profile_picture=True, is_private=False,
        username="anna.meier",
    )  # fmt: skip
    fake_result, real_result = assess([fake, real])
    assert fake_result.probability > 0.5 > real_result.probability
    assert fake_result.is_fake and not real_result.is_fake
    assert fake_result.reasons and all(value > 0 for _, value in fake_result.reasons[:1])


def test_assess_tolerates_missing_fields_and_orders_reasons() -> None:
    sparse = Profile(followers=15, following=4500, posts=0)
    (result,) = assess([sparse], top=2)
    assert 0.0 <= result.probability <= 1.0
    assert len(result.reasons) <= 2
    sizes = [abs(value) for _, value in result.reasons]
    assert sizes == sorted(sizes, reverse=True)
    known = {"followers", "following", "posts", "following_per_follower", "following_per_post",
             "followers_per_post"}  # fmt: skip
    assert {name for name, _ in result.reasons} <= known  # unknown fields never contribute
