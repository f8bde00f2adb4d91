"""Training follower forests with scikit-learn and exporting them to the shipped JSON form."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
from numpy.typing import NDArray
from sklearn.ensemble import RandomForestClassifier

from microreach.science.followers import FEATURES, FloatArray, Forest

FOREST_PARAMS: Mapping[str, Any] = {
    "n_estimators": 100,
    "min_samples_leaf": 3,
    "max_features": "sqrt",
    "bootstrap": True,
}
MIN_SPECIFICITY = 0.95


@dataclass(frozen=True, slots=True)
class FittedForest:
    """An exported forest and its out-of-bag fake probabilities on its own training rows."""

    model: Forest
    out_of_bag: FloatArray


def observed_features(rows: FloatArray) -> tuple[str, ...]:
    """The FEATURES known (not NaN) in every row: the ones a model trained here can use."""
    return tuple(name for index, name in enumerate(FEATURES) if not np.isnan(rows[:, index]).any())


def fit_forest(
    rows: FloatArray,
    labels: NDArray[np.bool_],
    features: Sequence[str],
    seed: int,
    threshold: float = 0.5,
) -> FittedForest:
    """Fit the standard forest on a FEATURES matrix, using only `features`."""
    if labels.all() or not labels.any():
        raise ValueError("training needs both fake and real accounts")
    columns = [FEATURES.index(name) for name in features]
    forest = RandomForestClassifier(**FOREST_PARAMS, oob_score=True, random_state=seed)
    forest.fit(rows[:, columns], labels.astype(np.int64))
    out_of_bag = np.asarray(forest.oob_decision_function_[:, 1], dtype=np.float64)
    return FittedForest(export_forest(forest, features, threshold), out_of_bag)


def export_forest(
    forest: Any,
    features: Sequence[str],
    threshold: float,
    metadata: Mapping[str, Any] | None = None,
) -> Forest:
    """Flatten a fitted binary RandomForestClassifier into a Forest (class 1 means fake)."""
    if list(forest.classes_) != [0, 1]:
        raise ValueError(f"expected classes [0, 1], got {list(forest.classes_)}")
    parts: dict[str, list[NDArray[Any]]] = {name: [] for name in ("f", "s", "l", "r", "c", "k")}
    roots, offset = [], 0
    for estimator in forest.estimators_:
        _append_tree(parts, estimator.tree_, offset)
        roots.append(offset)
        offset += estimator.tree_.node_count
    model = Forest(
        features=tuple(features),
        threshold=float(threshold),
        feature=np.concatenate(parts["f"]).astype(np.intp),
        split=np.concatenate(parts["s"]),
        left=np.concatenate(parts["l"]).astype(np.intp),
        right=np.concatenate(parts["r"]).astype(np.intp),
        cover=np.concatenate(parts["c"]),
        fake=np.concatenate(parts["k"]),
        roots=np.array(roots, dtype=np.intp),
        metadata=dict(metadata or {}),
    )
    model.check()
    return model


def _append_tree(parts: dict[str, list[NDArray[Any]]], tree: Any, offset: int) -> None:
    leaf = tree.children_left < 0
    cover = np.asarray(tree.weighted_n_node_samples, dtype=np.float64)
    fractions = tree.value[:, 0, :] / tree.value[:, 0, :].sum(axis=1, keepdims=True)
    fake = fractions[:, 1] * cover
    # Bootstrap weights are whole counts; storing them as integers keeps the JSON small.
    fake = np.where(np.abs(fake - np.round(fake)) < 1e-9, np.round(fake), fake)
    parts["f"].append(np.where(leaf, -1, tree.feature))
    parts["s"].append(np.where(leaf, 0.0, tree.threshold))
    parts["l"].append(np.where(leaf, -1, tree.children_left + offset))
    parts["r"].append(np.where(leaf, -1, tree.children_right + offset))
    parts["c"].append(cover)
    parts["k"].append(fake)


def choose_threshold(
    labels: NDArray[np.bool_], probability: FloatArray, min_specificity: float = MIN_SPECIFICITY
) -> float:
    """The cut-off with the best accuracy among those keeping specificity >= min_specificity.

    Candidates are the distinct probabilities; the cut-off returned lies halfway between the
    chosen one and the next lower, so the same rows fall on each side but small shifts do not
    flip them. Ties in accuracy go to the lower cut-off (more fakes found).
    """
    known = ~np.isnan(probability)
    labels, probability = labels[known], probability[known]
    candidates = np.unique(probability)
    # Flagging nothing (a cut-off above 1) is the fallback when no cut-off is specific enough.
    best, best_accuracy = 1.0 + 1e-9, float(np.mean(~labels))
    for index, cut in enumerate(candidates):
        flagged = probability >= cut
        specificity = float(np.mean(~flagged[~labels])) if (~labels).any() else 1.0
        accuracy = float(np.mean(flagged == labels))
        if specificity >= min_specificity and accuracy > best_accuracy:
            below = candidates[index - 1] if index else 0.0
            best, best_accuracy = (cut + below) / 2, accuracy
    return float(best)


def scikit_learn_version() -> str:
    return str(sklearn.__version__)


def write_model(model: Forest, path: Path) -> None:
    """Write a model as JSON: one top-level key per line, node arrays without spaces."""
    lines = [
        f"{json.dumps(key)}: {json.dumps(value, separators=(',', ':'), ensure_ascii=False)}"
        for key, value in model.to_dict().items()
    ]
    path.write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")
