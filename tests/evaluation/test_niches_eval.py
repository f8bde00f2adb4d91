"""The niche evaluation on small hand-made posts files, and on Kim et al. 2020 when present."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from microreach.evaluation.data import dataset_dir
from microreach.evaluation.niches import (
    evaluate_niches,
    normalize_label,
    read_influencers,
    split,
)
from microreach.kit.errors import InvalidError, NotFoundError

# Ten influencers per category, two posts each, with words no other category uses.
CATEGORIES = {
    "food": ("Pasta recipe for dinner, so delicious", "Baking bread and cake today"),
    "pet": ("Morning walk with my dog and the puppy", "My cat and kitten nap all day"),
    "travel": ("Beach trip and a new hotel", "Vacation flight to the island"),
    "interior": ("New sofa and lamp for the living room", "Interior decor makeover"),
    "other": ("Thinking about the weather today", "Nothing much happened this week at all"),
}


def write_posts(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["username", "category", "caption", "likes"])
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def posts(tmp_path: Path) -> Path:
    rows = [
        {"username": f"{category}{n}", "category": category, "caption": caption, "likes": "1"}
        for category, captions in CATEGORIES.items()
        for n in range(10)
        for caption in captions
    ]
    rows.append({"username": "nolabel", "category": "", "caption": "dog", "likes": "1"})
    rows.append({"username": "cars1", "category": "cars", "caption": "engine", "likes": "1"})
    return write_posts(tmp_path / "posts.csv", rows)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("interior", "home"),
        ("Pet", "pets"),
        ("fasion", "fashion"),
        ("fashion 0.5", "fashion"),
        (" travel ", "travel"),
        ("other", "other"),
        ("", None),
        ("cars", None),
    ],
)
def test_categories_are_read_as_microreach_niches(raw: str, expected: str | None) -> None:
    assert normalize_label(raw) == expected


def test_posts_are_grouped_by_influencer_and_unlabelled_ones_skipped(posts: Path) -> None:
    influencers, read, unlabelled = read_influencers(posts)
    assert (len(influencers), read, unlabelled) == (50, 102, 2)
    first = influencers[0]
    assert (first.username, first.label, len(first.captions)) == ("food0", "food", 2)


def test_the_split_keeps_each_influencer_on_one_side_and_is_stratified(posts: Path) -> None:
    influencers, _, _ = read_influencers(posts)
    train, test = split(influencers, seed=7)
    assert (len(train), len(test)) == (35, 15)
    assert not {i.username for i in train} & {i.username for i in test}
    assert sorted(i.label for i in test) == sorted(["food", "pets", "travel", "home", "other"] * 3)
    assert split(influencers, seed=7) == (train, test)


def test_separable_categories_are_classified_perfectly_by_all_three_methods(posts: Path) -> None:
    result = evaluate_niches(posts)
    assert (result.influencers, result.train, result.test) == (50, 35, 15)
    assert result.averaged == ("food", "home", "pets", "travel")
    for name in ("baseline", "ours", "shipped"):
        method = result.method(name)
        assert method.macro_f1 == 1.0
        assert [(c.label, c.support) for c in method.per_class] == [
            ("food", 3),
            ("home", 3),
            ("pets", 3),
            ("travel", 3),
        ]
    assert "macro-F1" in result.summary()


def test_a_file_without_the_needed_columns_or_at_all_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("username,caption\na,hello\n", encoding="utf-8")
    with pytest.raises(InvalidError, match="category"):
        evaluate_niches(bad)
    with pytest.raises(NotFoundError):
        evaluate_niches(tmp_path / "missing.csv")


def test_too_few_influencers_per_category_is_refused(tmp_path: Path) -> None:
    rows = [
        {"username": "a", "category": "food", "caption": "pasta", "likes": "1"},
        {"username": "b", "category": "pet", "caption": "dog", "likes": "1"},
    ]
    with pytest.raises(InvalidError, match="split"):
        evaluate_niches(write_posts(tmp_path / "tiny.csv", rows))


@pytest.mark.slow
def test_on_kim_2020_ours_beats_the_baseline_in_the_same_run() -> None:
    folder = dataset_dir("kim2020-instagram-influencers")
    posts = folder / "posts_dev.csv" if folder else None
    if posts is None or not posts.is_file():
        pytest.skip("../shared/data/kim2020-instagram-influencers is not available")
    result = evaluate_niches(posts)
    baseline, ours = result.method("baseline"), result.method("ours")
    assert result.averaged == (
        "beauty",
        "family",
        "fashion",
        "fitness",
        "food",
        "home",
        "pets",
        "travel",
    )
    assert ours.macro_f1 > baseline.macro_f1
    assert 0.0 < result.method("shipped").macro_f1 < 1.0
