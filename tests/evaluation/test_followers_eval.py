"""Follower evaluations: shared-data lookup, metrics by hand, generated datasets, real targets."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import f1_score

from microreach.evaluation import data
from microreach.evaluation.data import ENV_VARIABLE, dataset_dir, shared_data_dir
from microreach.evaluation.follower_training import (
    FOREST_PARAMS,
    choose_threshold,
    fit_forest,
    observed_features,
)
from microreach.evaluation.followers import (
    FIXED_SEED,
    INSTAFAKE,
    KAGGLE,
    SRF,
    binary_metrics,
    evaluate_instafake,
    evaluate_labelled_csv,
    evaluate_shipped,
    evaluate_srf,
    load_srf,
    report_lines,
)
from microreach.kit.errors import InvalidError
from microreach.science.followers import load_model

SRF_HEADER = ["Profile.URL", "rating", "Username", "Number.of.posts",
              "Number.of.people.they.follow", "Number.of.followers", "has_profile_picture",
              "Private.account"]  # fmt: skip
KAGGLE_HEADER = ["profile pic", "nums/length username", "fullname words", "nums/length fullname",
                 "name==username", "description length", "external URL", "private", "#posts",
                 "#followers", "#follows", "fake"]  # fmt: skip


def accounts(rng: np.random.Generator, fake: bool) -> dict[str, int | str]:
    """A clearly fake (bought) or clearly real account, as plain numbers."""
    if fake:
        name = f"user{rng.integers(10_000_000, 99_999_999)}"
        return {"followers": int(rng.integers(5, 60)), "following": int(rng.integers(3000, 7000)),
                "posts": int(rng.integers(0, 3)), "picture": 0, "private": 0, "username": name,
                "bio": 0}  # fmt: skip
    name = "".join(rng.choice(list("abcdefghij"), size=8))
    return {"followers": int(rng.integers(200, 2000)), "following": int(rng.integers(100, 600)),
            "posts": int(rng.integers(40, 400)), "picture": 1, "private": int(rng.integers(0, 2)),
            "username": name, "bio": int(rng.integers(10, 120))}  # fmt: skip


def generated_data(root: Path, fakes: int = 20, reals: int = 40) -> Path:
    """A shared-data folder holding tiny, clearly separable SRF, InstaFake and Kaggle sets."""
    rng = np.random.default_rng(7)
    people = [(True, accounts(rng, True)) for _ in range(fakes)]
    people += [(False, accounts(rng, False)) for _ in range(reals)]
    _write_srf(root / SRF, people)
    _write_instafake(root / INSTAFAKE, people)
    _write_kaggle(root / KAGGLE, people)
    return root


def _write_srf(folder: Path, people: list[tuple[bool, dict[str, int | str]]]) -> None:
    folder.mkdir(parents=True)
    with (folder / "labelled_1000_inclprivate.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(SRF_HEADER)
        for fake, a in people:
            url = f"https://instagram.com/{a['username']}"
            flags = [str(bool(a["picture"])).upper(), str(bool(a["private"])).upper()]
            counts = [a["posts"], a["following"], a["followers"]]
            writer.writerow([url, str(fake).upper(), a["username"], *counts, *flags])


def _write_instafake(folder: Path, people: list[tuple[bool, dict[str, int | str]]]) -> None:
    folder.mkdir(parents=True)
    records = {True: [], False: []}  # type: dict[bool, list[dict[str, int]]]
    for fake, a in people:
        name = str(a["username"])
        records[fake].append({
            "userFollowerCount": int(a["followers"]), "userFollowingCount": int(a["following"]),
            "userBiographyLength": int(a["bio"]), "userMediaCount": int(a["posts"]),
            "userHasProfilPic": int(a["picture"]), "userIsPrivate": int(a["private"]),
            "usernameDigitCount": sum(c.isdigit() for c in name), "usernameLength": len(name),
            "isFake": int(fake),
        })  # fmt: skip
    (folder / "fakeAccountData.json").write_text(json.dumps(records[True]))
    (folder / "realAccountData.json").write_text(json.dumps(records[False]))


def _write_kaggle(folder: Path, people: list[tuple[bool, dict[str, int | str]]]) -> None:
    folder.mkdir(parents=True)
    for name, part in (("train.csv", people[::2]), ("test.csv", people[1::2])):
        with (folder / name).open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(KAGGLE_HEADER)
            for fake, a in part:
                user = str(a["username"])
                share = round(sum(c.isdigit() for c in user) / len(user), 2)
                counts = [a["posts"], a["followers"], a["following"]]
                writer.writerow([a["picture"], share, 1, 0, 0, a["bio"], 0, a["private"],
                                 *counts, int(fake)])  # fmt: skip


def test_shared_data_dir_prefers_an_explicit_path(tmp_path: Path) -> None:
    assert shared_data_dir(tmp_path) == tmp_path
    assert shared_data_dir(tmp_path / "absent") is None


def test_shared_data_dir_reads_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_VARIABLE, str(tmp_path))
    assert shared_data_dir() == tmp_path
    monkeypatch.setenv(ENV_VARIABLE, str(tmp_path / "absent"))
    assert shared_data_dir() is None


def test_shared_data_dir_falls_back_to_sibling_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_VARIABLE, raising=False)
    monkeypatch.setattr(data, "_REPO", tmp_path / "checkout" / "main")
    work = tmp_path / "work" / "main"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    assert shared_data_dir() is None
    (tmp_path / "work" / "shared" / "data").mkdir(parents=True)
    assert shared_data_dir() == tmp_path / "work" / "shared" / "data"
    (tmp_path / "checkout" / "shared" / "data").mkdir(parents=True)
    assert shared_data_dir() == tmp_path / "checkout" / "shared" / "data"
    assert dataset_dir("instafake") is None


def test_binary_metrics_by_hand() -> None:
    labels = np.array([True, True, False, False, False])
    probability = np.array([0.9, 0.2, 0.6, 0.1, 0.3])
    metrics = binary_metrics(labels, probability, 0.5)
    # tp 1, fn 1, fp 1, tn 2
    assert (metrics.rows, metrics.fake) == (5, 2)
    assert metrics.accuracy == pytest.approx(0.6)
    assert metrics.specificity == pytest.approx(2 / 3)
    assert metrics.sensitivity == pytest.approx(0.5)
    assert metrics.macro_f1 == pytest.approx((0.5 + 2 / 3) / 2)
    assert metrics.macro_f1 == pytest.approx(f1_score(labels, probability >= 0.5, average="macro"))
    assert metrics.roc_auc == pytest.approx(4 / 6)  # fake 0.9 beats 3 reals, fake 0.2 beats 1


def test_binary_metrics_with_one_class() -> None:
    metrics = binary_metrics(np.array([False, False]), np.array([0.1, 0.7]), 0.5)
    assert metrics.specificity == 0.5 and math.isnan(metrics.sensitivity)
    assert metrics.roc_auc is None and "n/a" in metrics.summary()


def test_choose_threshold_keeps_specificity() -> None:
    labels = np.array([True, True, True, False, False, False, False, False, False, False])
    probability = np.array([0.9, 0.7, 0.35, 0.6, 0.3, 0.2, 0.1, 0.1, 0.05, 0.0])
    # Cut 0.7 flags two fakes: 9/10 right, specificity 1. Cut 0.35 is as accurate but also
    # flags the real 0.6 (specificity 6/7), allowed only when 6/7 is enough; ties go lower.
    assert choose_threshold(labels, probability, 0.95) == pytest.approx((0.7 + 0.6) / 2)
    assert choose_threshold(labels, probability, 0.8) == pytest.approx((0.35 + 0.3) / 2)
    # The highest score is a real account: no cut-off is specific enough, so none is flagged.
    top_is_real = np.array([False, True] + [False] * 8)
    assert choose_threshold(top_is_real, np.array([0.9, 0.8] + [0.1] * 8), 0.95) > 1.0


def test_fit_forest_needs_both_classes() -> None:
    rows = np.zeros((4, 15))
    with pytest.raises(ValueError, match="both"):
        fit_forest(rows, np.array([True] * 4), ("followers",), seed=0)


def test_evaluations_skip_cleanly_without_data(tmp_path: Path) -> None:
    assert evaluate_instafake(tmp_path) is None
    assert evaluate_srf(tmp_path) is None
    assert evaluate_shipped(tmp_path) == ()
    assert report_lines(tmp_path) == [
        "no follower evaluation data found (see microreach.evaluation.data)"
    ]


def test_split_studies_on_generated_data(tmp_path: Path) -> None:
    root = generated_data(tmp_path)
    instafake = evaluate_instafake(root, seeds=(0, 1, 2))
    srf = evaluate_srf(root, seeds=(0, 1))
    assert instafake is not None and srf is not None
    assert len(instafake.runs) == 3 and len(srf.runs) == 2
    assert instafake.fixed_seed == FIXED_SEED and instafake.fixed == instafake.runs[0]
    assert instafake.fixed.rows == 18 and instafake.fixed.fake == 6  # 30% of 60, stratified
    assert "bio_length" in instafake.features and "bio_length" not in srf.features
    assert instafake.fixed.macro_f1 == 1.0 and instafake.meets_targets()
    assert srf.spread("accuracy").mean == 1.0 and srf.meets_targets()
    # Chosen from each training split's out-of-bag votes, not a fixed 0.5.
    assert {run.threshold for run in srf.runs} != {0.5}
    assert any("published: macro_f1 94.0%" in line for line in instafake.summary())


def test_shipped_model_on_generated_data(tmp_path: Path) -> None:
    root = generated_data(tmp_path)
    checks = evaluate_shipped(root)
    assert [check.dataset for check in checks] == [
        "InstaFake", "Kaggle test.csv", "Kaggle train.csv + test.csv",
    ]  # fmt: skip
    assert [check.metrics.rows for check in checks] == [60, 30, 60]
    for check in checks:
        assert check.metrics.threshold == load_model().threshold  # no tuning on these sets
        assert check.metrics.accuracy > 0.9 and check.rejected == ()


def test_evaluate_labelled_csv_reports_bad_rows(tmp_path: Path) -> None:
    source = tmp_path / "labelled.csv"
    source.write_text(
        "username,followers,following,posts,is_bot\n"
        "user83920174,20,7000,0,true\n"
        "anna.meier,850,400,220,false\n"
        "lisa.m,400,390,150,real\n"
        "bot1,abc,5000,0,fake\n"
        "someone,100,100,10,perhaps\n"
    )
    result = evaluate_labelled_csv(source, "is_bot")
    assert result.metrics.rows == 3 and result.metrics.fake == 1
    assert result.metrics.accuracy == 1.0
    assert [(error.line, error.column) for error in result.rejected] == [
        (5, "followers"), (6, "is_bot"),
    ]  # fmt: skip
    assert "rows rejected: 2" in result.summary()


def test_evaluate_labelled_csv_without_usable_rows(tmp_path: Path) -> None:
    source = tmp_path / "labelled.csv"
    source.write_text("followers,following,posts,fake\n1,2,3,unknown\n")
    with pytest.raises(InvalidError, match="no row"):
        evaluate_labelled_csv(source, "fake")


needs_data = pytest.mark.skipif(
    dataset_dir(SRF) is None or dataset_dir(INSTAFAKE) is None or dataset_dir(KAGGLE) is None,
    reason="../shared/data with the follower datasets is absent",
)


@needs_data
@pytest.mark.slow
def test_published_targets_on_the_real_data() -> None:
    instafake, srf = evaluate_instafake(), evaluate_srf()
    assert instafake is not None and srf is not None
    assert instafake.fixed.rows == 359 and instafake.fixed.fake == 60
    assert instafake.fixed.macro_f1 >= 0.940
    assert instafake.spread("macro_f1").mean >= 0.940
    assert srf.fixed.rows == 293 and srf.fixed.fake == 29
    assert srf.fixed.accuracy >= 0.93 and srf.fixed.specificity >= 0.95
    assert srf.spread("accuracy").mean >= 0.93 and srf.spread("specificity").mean >= 0.95
    assert instafake.meets_targets() and srf.meets_targets()


@needs_data
def test_shipped_model_across_datasets() -> None:
    checks = {check.dataset: check.metrics for check in evaluate_shipped()}
    assert set(checks) == {"InstaFake", "Kaggle test.csv", "Kaggle train.csv + test.csv"}
    assert checks["InstaFake"].rows == 1194 and checks["Kaggle train.csv + test.csv"].rows == 696
    for metrics in checks.values():
        assert metrics.specificity >= 0.95  # the SRF threshold stays conservative elsewhere
        assert metrics.roc_auc is not None and metrics.roc_auc >= 0.9


@needs_data
def test_shipped_model_is_what_the_training_recipe_gives() -> None:
    model = load_model()
    if model.metadata["training"]["scikit_learn"] != __import__("sklearn").__version__:
        pytest.skip("the shipped model was trained with another scikit-learn version")
    srf = load_srf()
    assert srf is not None
    assert observed_features(srf.rows) == model.features
    fitted = fit_forest(srf.rows, srf.labels, model.features, model.metadata["training"]["seed"])
    np.testing.assert_array_equal(fitted.model.split, model.split)
    np.testing.assert_array_equal(fitted.model.fake, model.fake)
    assert choose_threshold(srf.labels, fitted.out_of_bag) == model.threshold
    assert model.metadata["training"]["params"] == dict(FOREST_PARAMS)
