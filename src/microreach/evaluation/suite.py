"""The full evaluation on the shared data: every study as table rows, absent datasets skipped."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Protocol, TypeVar

from microreach.evaluation import followers, niches, tiers
from microreach.evaluation.data import ENV_VARIABLE
from microreach.evaluation.table import (
    FOLLOWER_METRICS,
    Reference,
    Row,
    Target,
    labelled_rows,
    niche_protocol,
    niche_rows,
    skipped_row,
    split_rows,
    tier_protocol,
    tier_rows,
)
from microreach.science.followers import load_model

T = TypeVar("T")
KIM = "kim2020-instagram-influencers"
KIM_POSTS = "posts_dev.csv"
DATASETS = (followers.INSTAFAKE, followers.SRF, followers.KAGGLE, KIM)
SPLITS = len(followers.SEEDS)
NICHE_METRIC = "influencer macro-F1, 8 categories"


class Timer(Protocol):
    """Runs one evaluation, reporting its progress (the CLI prints the time it took)."""

    def __call__(self, label: str, work: Callable[[], T], /) -> T: ...


@dataclass(frozen=True, slots=True)
class Study:
    """A follower split study: where its data lives and which metrics the table shows."""

    name: str
    folder: str
    protocol: str
    metrics: tuple[str, ...]
    published: Mapping[str, float]
    targets: Mapping[str, float]
    run: Callable[[Path, Sequence[int]], followers.SplitStudy | None]


STUDIES = (
    Study(
        "InstaFake fake accounts (Akyon & Kalfaoglu 2019)",
        followers.INSTAFAKE,
        "forest on a stratified 70% split, tested on 30%; cut-off 0.5",
        ("macro_f1", "accuracy"),
        followers.INSTAFAKE_PUBLISHED,
        followers.INSTAFAKE_TARGET,
        followers.evaluate_instafake,
    ),
    Study(
        "SRF Data labelled followers (2017)",
        followers.SRF,
        "shipped-model recipe on a stratified 70% split, tested on 30%; cut-off: best "
        "out-of-bag accuracy at specificity >= 95% on the 70%",
        ("accuracy", "specificity", "sensitivity"),
        followers.SRF_PUBLISHED,
        followers.SRF_TARGET,
        followers.evaluate_srf,
    ),
)
SHIPPED_SETS = (
    ("InstaFake", followers.INSTAFAKE),
    ("Kaggle test.csv", followers.KAGGLE),
    ("Kaggle train.csv + test.csv", followers.KAGGLE),
)


def _untimed(_label: str, work: Callable[[], T]) -> T:
    return work()


@dataclass(frozen=True, slots=True)
class Suite:
    """Settings of one full run; ``seed`` None means each evaluation's own default seed."""

    root: Path | None
    seed: int | None = None
    fast: bool = False

    @property
    def seeds(self) -> dict[str, int]:
        own = {"followers": followers.FIXED_SEED, "niches": niches.SEED, "tiers": tiers.SEED}
        return own if self.seed is None else dict.fromkeys(own, self.seed)

    @property
    def splits(self) -> int:
        return 1 if self.fast else SPLITS

    def rows(self, timed: Timer = _untimed) -> list[Row]:
        seeds = self.seeds
        return [
            *self.follower_rows(seeds["followers"], timed),
            *self.shipped_rows(timed),
            *self.niche_rows(seeds["niches"], timed),
            *self.tier_rows(seeds["tiers"], timed),
        ]

    def meta(self) -> dict[str, Any]:
        """Where the data was read from, and the seeds: printed beside the rows in JSON."""
        return {
            "data_dir": None if self.root is None else str(self.root),
            "datasets": {name: self._present(name) for name in DATASETS},
            "seed": self.seed,
            "seeds": self.seeds,
            "splits": self.splits,
            "fast": self.fast,
        }

    def _present(self, folder: str) -> str | None:
        if self.root is None or self.missing(folder) is not None:
            return None
        return str(self.root / folder)

    def missing(self, folder: str) -> str | None:
        """Why a dataset folder cannot be read, or None when it is there."""
        if self.root is None:
            where = f"{ENV_VARIABLE}, --data or ../shared/data"
            return f"{folder} not found: no shared data folder ({where})"
        if not (self.root / folder).is_dir():
            return f"{folder} not found under {self.root}"
        return None

    def follower_rows(self, seed: int, timed: Timer) -> list[Row]:
        rows: list[Row] = []
        seeds = tuple(range(seed, seed + self.splits))
        for study in STUDIES:
            protocol = f"{study.protocol}; seed {seed}"
            reason = self.missing(study.folder)
            result = None
            if self.root is not None and reason is None:
                result = timed(study.name, partial(study.run, self.root, seeds))
            if result is None:
                reason = reason or f"{study.folder} under {self.root} lacks its data files"
                rows += [
                    skipped_row(
                        study.name,
                        protocol,
                        FOLLOWER_METRICS[name][0],
                        reason,
                        unit=FOLLOWER_METRICS[name][1],
                        reference=Reference("published", study.published[name]),
                        target=Target(">=", value),
                    )
                    for name, value in study.targets.items()
                ]
                continue
            spreads = {name: result.spread(name) for name in study.metrics}
            # runs[0] is the split at `seed`; the other runs give the spread over splits.
            rows += split_rows(
                study.name, protocol, result.runs[0], spreads, len(result.runs),
                study.published, study.targets,
            )  # fmt: skip
        return rows

    def shipped_rows(self, timed: Timer) -> list[Row]:
        threshold = load_model().threshold
        protocol = f"SRF-trained model as shipped, cut-off {threshold:.3f}"
        checks = {}
        if self.root is not None:
            results = timed("shipped model", partial(followers.evaluate_shipped, self.root))
            checks = {check.dataset: check for check in results}
        rows: list[Row] = []
        for dataset, folder in SHIPPED_SETS:
            name = f"Shipped follower model on {dataset}"
            check = checks.get(dataset)
            if check is None:
                reason = self.missing(folder) or f"{folder} under {self.root} lacks {dataset}"
                rows.append(skipped_row(name, protocol, "accuracy", reason))
            else:
                rows += labelled_rows(name, protocol, check)
        return rows

    def kim_posts(self) -> tuple[Path | None, str]:
        """The Kim et al. posts file, or None and why it cannot be read."""
        reason = self.missing(KIM)
        if self.root is None or reason is not None:
            return None, reason or ""
        posts = self.root / KIM / KIM_POSTS
        if not posts.is_file():
            return None, f"{KIM}/{KIM_POSTS} not found under {self.root}"
        return posts, ""

    def niche_rows(self, seed: int, timed: Timer) -> list[Row]:
        name, protocol = f"Niches, Kim et al. 2020 {KIM_POSTS}", niche_protocol(seed)
        posts, reason = self.kim_posts()
        if self.fast or posts is None:
            reason = "--fast" if self.fast else reason
            target = Target(">", None, "baseline")
            return [skipped_row(name, protocol, NICHE_METRIC, reason, target=target)]
        result = timed("niches", partial(niches.evaluate_niches, posts, seed))
        return niche_rows(name, protocol, result)

    def tier_rows(self, seed: int, timed: Timer) -> list[Row]:
        name, protocol = f"Engagement by tier, Kim et al. 2020 {KIM_POSTS}", tier_protocol(seed)
        posts, reason = self.kim_posts()
        if posts is None:
            return [skipped_row(name, protocol, "median engagement by tier", reason)]
        return tier_rows(name, protocol, timed("tiers", partial(tiers.evaluate_tiers, posts, seed)))
