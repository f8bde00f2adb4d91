"""Niche classification measured on labelled posts: TF-IDF baseline, ours and the shipped model."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_recall_fscore_support
from sklearn.model_selection import train_test_split
from sklearn.svm import LinearSVC

from microreach.kit.errors import InvalidError, NotFoundError
from microreach.science.niches import NICHES, NicheModel, hashtags_of, load_model

SEED = 2020
TEST_SHARE = 0.3
REQUIRED = ("username", "category", "caption")
# Kim et al. 2020 spell some categories differently from microreach (and three rows have typos).
LABEL_ALIASES = {"interior": "home", "pet": "pets", "fasion": "fashion", "fashion 0.5": "fashion"}
LEXICON_SCALE = 0.1  # weight of the lexicon prior columns next to the TF-IDF blocks
METHODS = {
    "baseline": "TF-IDF + logistic regression (scikit-learn defaults, class-balanced)",
    "ours": "word 1-2 + char 2-5 TF-IDF, hashtags, lexicon priors; calibrated linear SVM",
    "shipped": "the packaged zero-shot lexicon model, not trained on this data",
}


@dataclass(frozen=True, slots=True)
class Influencer:
    username: str
    label: str
    captions: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.captions)


@dataclass(frozen=True, slots=True)
class ClassScore:
    label: str
    precision: float
    recall: float
    f1: float
    support: int  # influencers of this label in the test split


@dataclass(frozen=True, slots=True)
class MethodScore:
    name: str
    description: str
    macro_f1: float
    per_class: tuple[ClassScore, ...]


@dataclass(frozen=True, slots=True)
class NicheEvalResult:
    posts: int
    influencers: int  # labelled influencers, split into train and test
    unlabelled: int  # influencers skipped: empty or unknown category
    train: int
    test: int
    averaged: tuple[str, ...]  # labels in the macro average ('other' is kept but not averaged)
    seed: int
    methods: tuple[MethodScore, ...]

    def method(self, name: str) -> MethodScore:
        return next(m for m in self.methods if m.name == name)

    def summary(self) -> str:
        header = f"{'method':<9}{'macro-F1':>9}  " + " ".join(f"{a[:7]:>7}" for a in self.averaged)
        rows = [
            f"{m.name:<9}{m.macro_f1:>9.3f}  " + " ".join(f"{c.f1:>7.3f}" for c in m.per_class)
            for m in self.methods
        ]
        return "\n".join(
            [
                f"niche classification: {self.influencers:,} labelled influencers "
                f"({self.posts:,} posts; {self.unlabelled:,} unlabelled influencers skipped)",
                f"split by influencer, {1 - TEST_SHARE:.0%}/{TEST_SHARE:.0%} stratified by "
                f"category, seed {self.seed}: {self.train:,} train, {self.test:,} test",
                "macro-F1 over the named categories; 'other' influencers stay in the data "
                "(a named prediction for them is a false positive) but 'other' is not averaged",
                header,
                *rows,
                *(f"  {m.name}: {m.description}" for m in self.methods),
            ]
        )


def normalize_label(raw: str) -> str | None:
    """A category as a microreach niche ('interior' -> 'home'); None when empty or unknown."""
    label = " ".join(raw.split()).lower()
    label = LABEL_ALIASES.get(label, label)
    return label if label in NICHES else None


def read_influencers(posts_file: Path) -> tuple[list[Influencer], int, int]:
    """Labelled influencers with their captions, sorted by username; posts read; unlabelled."""
    if not posts_file.is_file():
        raise NotFoundError(f"no such file: {posts_file}", field="posts")
    captions: dict[str, list[str]] = defaultdict(list)
    labels: dict[str, str | None] = {}
    posts = 0
    with posts_file.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or ())]
        if missing:
            raise InvalidError(
                f"{posts_file.name} lacks column(s) {', '.join(missing)}", field="posts"
            )
        for row in reader:
            posts += 1
            user = row["username"]
            captions[user].append(row["caption"] or "")
            if labels.get(user) is None:
                labels[user] = normalize_label(row["category"] or "")
    influencers = [
        Influencer(user, label, tuple(captions[user]))
        for user, label in sorted(labels.items())
        if label is not None
    ]
    return influencers, posts, len(labels) - len(influencers)


def split(
    influencers: Sequence[Influencer], seed: int
) -> tuple[list[Influencer], list[Influencer]]:
    """Train and test influencers, stratified by label; an influencer's posts stay on one side."""
    try:
        train, test = train_test_split(
            list(influencers),
            test_size=TEST_SHARE,
            stratify=[i.label for i in influencers],
            random_state=seed,
        )
    except ValueError as error:
        raise InvalidError(f"cannot split by influencer: {error}", field="posts") from None
    return list(train), list(test)


def predict_baseline(train: Sequence[Influencer], test: Sequence[Influencer]) -> list[str]:
    """TF-IDF (scikit-learn defaults) and a class-balanced logistic regression."""
    vectorizer = TfidfVectorizer()
    model = LogisticRegression(class_weight="balanced", max_iter=2000)
    model.fit(vectorizer.fit_transform([i.text for i in train]), [i.label for i in train])
    return [str(p) for p in model.predict(vectorizer.transform([i.text for i in test]))]


def _hashtag_tokens(model: NicheModel) -> Callable[[str], list[str]]:
    """A text's hashtags, plus '@niche' for each lexicon niche found inside them."""

    def analyze(text: str) -> list[str]:
        out = []
        for tag in hashtags_of(text):
            out.append(tag)
            out.extend("@" + model.niches[i] for i, _ in model.segment(tag))
        return out or ["@no-hashtags"]

    return analyze


def _lexicon_priors(model: NicheModel, influencers: Sequence[Influencer]) -> sp.csr_matrix:
    """Per niche: log(1 + lexicon evidence) and the shipped model's confidence."""
    rows = []
    for influencer in influencers:
        evidence, _ = model.evidence("", influencer.captions, ())
        rows.append([*np.log1p(evidence), *model.confidences(evidence)])
    return sp.csr_matrix(np.array(rows) * LEXICON_SCALE)


def predict_ours(train: Sequence[Influencer], test: Sequence[Influencer]) -> list[str]:
    """Word and character TF-IDF, hashtags and lexicon priors in a calibrated linear SVM."""
    model = load_model()
    vectorizers = (
        TfidfVectorizer(sublinear_tf=True, min_df=2, ngram_range=(1, 2), max_features=200_000),
        TfidfVectorizer(
            sublinear_tf=True,
            min_df=2,
            analyzer="char_wb",
            ngram_range=(2, 5),
            max_features=300_000,
        ),
        TfidfVectorizer(sublinear_tf=True, analyzer=_hashtag_tokens(model)),
    )
    train_text, test_text = [i.text for i in train], [i.text for i in test]
    x_train = sp.hstack(
        [v.fit_transform(train_text) for v in vectorizers] + [_lexicon_priors(model, train)]
    ).tocsr()
    x_test = sp.hstack(
        [v.transform(test_text) for v in vectorizers] + [_lexicon_priors(model, test)]
    ).tocsr()
    labels = [i.label for i in train]
    folds = min(3, min(Counter(labels).values()))
    if folds < 2:
        raise InvalidError("every category needs at least 2 influencers in training", field="posts")
    svm = LinearSVC(C=0.2, class_weight="balanced")
    classifier = CalibratedClassifierCV(svm, method="sigmoid", cv=folds)
    classifier.fit(x_train, labels)
    return [str(p) for p in classifier.predict(x_test)]


def predict_shipped(test: Sequence[Influencer], labels: set[str]) -> list[str]:
    """The shipped model, untrained on this data: its first niche, or 'other' if not a label."""
    model = load_model()
    out = []
    for influencer in test:
        niche = model.classify("", influencer.captions, ())[0].niche
        out.append(niche if niche in labels else "other")
    return out


def score(
    name: str, truth: Sequence[str], predicted: Sequence[str], averaged: Sequence[str]
) -> MethodScore:
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=list(averaged), zero_division=0
    )
    per_class = tuple(
        ClassScore(label, float(p), float(r), float(f), int(s))
        for label, p, r, f, s in zip(averaged, precision, recall, f1, support, strict=True)
    )
    return MethodScore(name, METHODS[name], float(np.mean(f1)), per_class)


def evaluate_niches(posts_file: Path, seed: int = SEED) -> NicheEvalResult:
    """Influencer-level macro-F1 of three methods on one split by influencer of ``posts_file``.

    The file needs columns username, category and caption (one row per post). Each
    influencer's captions are joined; influencers with an empty or unknown category are
    skipped. 'baseline' and 'ours' are trained on the train split only; 'shipped' is the
    packaged model as is.
    """
    influencers, posts, unlabelled = read_influencers(posts_file)
    train, test = split(influencers, seed)
    labels = {i.label for i in influencers}
    averaged = tuple(sorted(labels - {"other"}))
    truth = [i.label for i in test]
    predictions = {
        "baseline": predict_baseline(train, test),
        "ours": predict_ours(train, test),
        "shipped": predict_shipped(test, labels),
    }
    methods = tuple(score(name, truth, p, averaged) for name, p in predictions.items())
    return NicheEvalResult(
        posts=posts,
        influencers=len(influencers),
        unlabelled=unlabelled,
        train=len(train),
        test=len(test),
        averaged=averaged,
        seed=seed,
        methods=methods,
    )
