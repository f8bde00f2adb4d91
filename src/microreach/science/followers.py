"""Follower-account authenticity: profile features and the shipped fake-account forest."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IndexArray = NDArray[np.intp]

FEATURES: tuple[str, ...] = (
    "followers",
    "following",
    "posts",
    "following_per_follower",
    "following_per_post",
    "followers_per_post",
    "has_profile_picture",
    "is_private",
    "username_length",
    "username_digits",
    "username_digit_share",
    "username_trailing_digits",
    "bio_length",
    "has_external_url",
    "full_name_words",
)
MODEL_FORMAT = "microreach.follower-forest/1"
MODEL_FILE = "follower_model.json"
NODE_FIELDS = ("feature", "split", "left", "right", "cover", "fake")
_STRUCTURE = frozenset({"format", "features", "threshold", "roots", "nodes"})
DIGITS = "0123456789"
_COUNT_FIELDS = (
    "followers",
    "following",
    "posts",
    "username_length",
    "username_digits",
    "bio_length",
    "full_name_words",
)
_ROWS_PER_CHUNK = 64


@dataclass(frozen=True, slots=True)
class Profile:
    """What a platform shows about an account; None marks a field the source does not give."""

    followers: int
    following: int
    posts: int
    has_profile_picture: bool | None = None
    is_private: bool | None = None
    username: str | None = None
    username_length: int | None = None  # used only when username is None
    username_digits: int | None = None  # used only when username is None
    username_digit_share: float | None = None  # used only when username is None
    bio_length: int | None = None
    has_external_url: bool | None = None
    full_name_words: int | None = None

    def __post_init__(self) -> None:
        for name in _COUNT_FIELDS:
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} must be 0 or more, got {value}")
        share = self.username_digit_share
        if share is not None and not 0.0 <= share <= 1.0:
            raise ValueError(f"username_digit_share must be between 0 and 1, got {share}")


def profile_features(profile: Profile) -> tuple[float, ...]:
    """The feature vector of one profile, in FEATURES order; NaN where a field is unknown."""
    followers, following, posts = profile.followers, profile.following, profile.posts
    return (
        float(followers),
        float(following),
        float(posts),
        following / max(followers, 1),
        following / (posts + 1),
        followers / (posts + 1),
        _flag(profile.has_profile_picture),
        _flag(profile.is_private),
        *_username_features(profile),
        _number(profile.bio_length),
        _flag(profile.has_external_url),
        _number(profile.full_name_words),
    )


def feature_matrix(profiles: Sequence[Profile]) -> FloatArray:
    """One row of profile_features per profile (shape: profiles x FEATURES)."""
    rows = [profile_features(profile) for profile in profiles]
    return np.array(rows, dtype=np.float64).reshape(len(rows), len(FEATURES))


def _username_features(profile: Profile) -> tuple[float, float, float, float]:
    """Length, digit count, digit share and trailing digits of the username."""
    name = profile.username
    if name:
        count = sum(char in DIGITS for char in name)
        trailing = len(name) - len(name.rstrip(DIGITS))
        return float(len(name)), float(count), count / len(name), float(trailing)
    length, digits = _number(profile.username_length), _number(profile.username_digits)
    share = profile.username_digit_share
    if share is None:
        share = digits / length if length > 0 else math.nan
    return length, digits, share, math.nan


def _flag(value: bool | None) -> float:
    return math.nan if value is None else float(value)


def _number(value: float | None) -> float:
    return math.nan if value is None else float(value)


@dataclass(frozen=True, slots=True)
class Explanation:
    """Fake probabilities and, per row, how much each model feature moved them."""

    probability: FloatArray  # shape (rows,)
    contributions: FloatArray  # shape (rows, len(model.features)); rows sum to probability - base
    base: float  # the forest's mean training fake share, before any feature is looked at


@dataclass(frozen=True, slots=True, eq=False)
class Level:
    """One depth of a forest: where its leaves and inner nodes sit among the nodes reached."""

    leaf_at: IndexArray
    leaves: IndexArray
    inner_at: IndexArray
    nodes: IndexArray  # inner nodes, sorted by feature
    features: IndexArray  # the distinct features split on here
    starts: IndexArray  # where each feature's nodes start in `nodes`


@dataclass(frozen=True, eq=False)
class Forest:
    """A random forest as flat node arrays: every tree's nodes, reached from roots.

    A node with feature -1 is a leaf. A row goes left when its value is <= split; when the
    value is missing it goes both ways, weighted by the training samples (cover) of each
    child, so a missing field is averaged out instead of guessed. A node's fake probability
    is fake / cover.
    """

    features: tuple[str, ...]
    threshold: float
    feature: IndexArray
    split: FloatArray
    left: IndexArray
    right: IndexArray
    cover: FloatArray
    fake: FloatArray
    roots: IndexArray
    metadata: Mapping[str, Any] = field(default_factory=dict)  # version, licence, training

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Forest:
        if data.get("format") != MODEL_FORMAT:
            raise ValueError(f"not a {MODEL_FORMAT} model: format {data.get('format')!r}")
        nodes = data["nodes"]
        forest = cls(
            features=tuple(data["features"]),
            threshold=float(data["threshold"]),
            feature=np.asarray(nodes["feature"], dtype=np.intp),
            split=np.asarray(nodes["split"], dtype=np.float64),
            left=np.asarray(nodes["left"], dtype=np.intp),
            right=np.asarray(nodes["right"], dtype=np.intp),
            cover=np.asarray(nodes["cover"], dtype=np.float64),
            fake=np.asarray(nodes["fake"], dtype=np.float64),
            roots=np.asarray(data["roots"], dtype=np.intp),
            metadata={key: value for key, value in data.items() if key not in _STRUCTURE},
        )
        forest.check()
        return forest

    def to_dict(self) -> dict[str, Any]:
        nodes = {name: _plain(getattr(self, name)) for name in NODE_FIELDS}
        return {
            "format": MODEL_FORMAT,
            **self.metadata,
            "features": list(self.features),
            "threshold": self.threshold,
            "roots": _plain(self.roots),
            "nodes": nodes,
        }

    def check(self) -> None:
        """Refuse arrays that do not form trees over known features."""
        unknown = set(self.features) - set(FEATURES)
        if unknown:
            raise ValueError(f"model uses unknown features: {sorted(unknown)}")
        size = self.feature.size
        if any(getattr(self, name).shape != (size,) for name in NODE_FIELDS):
            raise ValueError("model node arrays differ in length")
        inner = self.feature >= 0
        links = np.concatenate([self.left[inner], self.right[inner], self.roots])
        if links.size and (links.min() < 0 or links.max() >= size):
            raise ValueError("model links point outside its nodes")
        parents = np.flatnonzero(inner)
        if np.any(self.left[inner] <= parents) or np.any(self.right[inner] <= parents):
            raise ValueError("model children must come after their parent (no cycles)")
        if self.feature.max(initial=-1) >= len(self.features) or np.any(self.cover <= 0):
            raise ValueError("model nodes name a missing feature or cover no samples")

    @cached_property
    def columns(self) -> IndexArray:
        """Where each of the model's features sits in a FEATURES row."""
        return np.array([FEATURES.index(name) for name in self.features], dtype=np.intp)

    @cached_property
    def value(self) -> FloatArray:
        return self.fake / self.cover

    @property
    def base(self) -> float:
        return float(self.value[self.roots].mean())

    def predict_proba(self, rows: FloatArray) -> FloatArray:
        """Fake probability per row of a FEATURES matrix."""
        return self.explain(rows).probability

    def explain(self, rows: FloatArray) -> Explanation:
        """Probabilities and per-feature contributions for each row of a FEATURES matrix."""
        if rows.ndim != 2 or rows.shape[1] != len(FEATURES):
            raise ValueError(f"expected rows of {len(FEATURES)} features, got shape {rows.shape}")
        # scikit-learn's trees compare in float32; casting the same way keeps splits identical.
        values = rows[:, self.columns].astype(np.float32).astype(np.float64)
        probability = np.zeros(len(values))
        contributions = np.zeros((len(values), len(self.features)))
        for start in range(0, len(values), _ROWS_PER_CHUNK):
            chunk = slice(start, start + _ROWS_PER_CHUNK)
            probability[chunk], contributions[chunk] = self._walk(values[chunk])
        return Explanation(probability, contributions, self.base)

    @cached_property
    def levels(self) -> tuple[Level, ...]:
        """The nodes of all trees at each depth; inner nodes grouped by feature."""
        levels, frontier = [], self.roots
        while frontier.size:
            leaf = self.feature[frontier] < 0
            inner = np.flatnonzero(~leaf)
            inner = inner[np.argsort(self.feature[frontier[inner]], kind="stable")]
            nodes = frontier[inner]
            features, starts = np.unique(self.feature[nodes], return_index=True)
            levels.append(
                Level(np.flatnonzero(leaf), frontier[leaf], inner, nodes, features, starts)
            )
            frontier = np.concatenate([self.left[nodes], self.right[nodes]])
        return tuple(levels)

    def _walk(self, values: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Send rows down all trees level by level, carrying the share of each row at a node."""
        reach = np.ones((len(values), self.roots.size))
        probability = np.zeros(len(values))
        contributions = np.zeros((len(values), len(self.features)))
        # Element-wise sums rather than matrix products: BLAS threads cost more than they save.
        for level in self.levels:
            probability += (reach[:, level.leaf_at] * self.value[level.leaves]).sum(axis=1)
            if not level.nodes.size:
                break
            here = reach[:, level.inner_at]
            to_left = here * self._go_left(values, level.nodes)
            to_right = here - to_left
            left, right = self.left[level.nodes], self.right[level.nodes]
            gain = to_left * self.value[left] + to_right * self.value[right]
            gain -= here * self.value[level.nodes]
            contributions[:, level.features] += np.add.reduceat(gain, level.starts, axis=1)
            reach = np.hstack([to_left, to_right])
        trees = self.roots.size
        return probability / trees, contributions / trees

    def _go_left(self, values: FloatArray, nodes: IndexArray) -> FloatArray:
        """Per row and node: 1 or 0 for a known value, the left child's cover share if missing."""
        seen = values[:, self.feature[nodes]]
        left_share = self.cover[self.left[nodes]] / self.cover[nodes]
        known = (seen <= self.split[nodes]).astype(np.float64)
        return np.where(np.isnan(seen), left_share, known)


def _plain(array: NDArray[Any]) -> list[Any]:
    """Array to JSON-ready numbers: integers stay integers, floats keep every digit."""
    if np.issubdtype(array.dtype, np.integer):
        return [int(item) for item in array]
    return [int(item) if item.is_integer() else float(item) for item in array.tolist()]


@dataclass(frozen=True, slots=True)
class Assessment:
    """The shipped model's verdict on one profile and the features that weighed most."""

    probability: float
    is_fake: bool
    reasons: tuple[tuple[str, float], ...]  # (feature, contribution), largest effect first


def assess(
    profiles: Sequence[Profile], model: Forest | None = None, top: int = 3
) -> list[Assessment]:
    """Score profiles with a forest (the shipped one by default)."""
    forest = model if model is not None else load_model()
    explanation = forest.explain(feature_matrix(profiles))
    return [
        Assessment(
            probability=float(probability),
            is_fake=bool(probability >= forest.threshold),
            reasons=top_reasons(forest.features, contributions, top),
        )
        for probability, contributions in zip(
            explanation.probability, explanation.contributions, strict=True
        )
    ]


def top_reasons(
    features: Sequence[str], contributions: FloatArray, top: int
) -> tuple[tuple[str, float], ...]:
    """The `top` features with the largest absolute contribution, skipping those with none."""
    order = np.argsort(-np.abs(contributions), kind="stable")[:top]
    return tuple(
        (features[index], float(contributions[index]))
        for index in order
        if abs(contributions[index]) > 1e-9
    )


@cache
def load_model() -> Forest:
    """The fake-follower forest shipped inside the package (see models/README.md)."""
    path = resources.files("microreach.science").joinpath("models").joinpath(MODEL_FILE)
    return Forest.from_dict(json.loads(path.read_text(encoding="utf-8")))
