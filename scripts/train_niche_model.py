"""Build the shipped niche model from the repo's own lexicon and text the repo generates itself.

Licence-clean by construction: the only inputs are the hand-written lexicon
(src/microreach/science/models/niche_lexicon.json) and the filler words below; the synthetic
generator's vocabulary (microreach.synthetic.vocab) is used to check the result, not to fit it.
No downloaded or third-party data is read, so no research-only dataset (Kim et al. 2020 and the
like) can reach the shipped model.

Steps: expand the lexicon into weighted terms; generate labelled synthetic creators (seeded);
fit the confidence calibration (a logistic regression on each niche's evidence and share);
check it on held-out creators and on creators written like the generator's; measure
throughput; write src/microreach/science/models/niche_model.json.

    python scripts/train_niche_model.py            # build and write the model
    python scripts/train_niche_model.py --check    # rebuild and compare with the shipped file
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from microreach.science.niches import NICHES, NicheModel, words_of
from microreach.synthetic import vocab

MODELS = Path(__file__).resolve().parents[1] / "src" / "microreach" / "science" / "models"
LEXICON = MODELS / "niche_lexicon.json"
OUTPUT = MODELS / "niche_model.json"
SEED = 20240601
STRONG, WEAK = 1.0, 0.4
THRESHOLD = 0.5
BIO_WEIGHT = 2.0
COVERAGE_TOKENS = 30
SHARE_PRIOR = 3.0  # evidence units added to the total before taking a niche's share
NOISE = 0.04  # share of caption words that are niche terms of any niche, used in passing
LANGUAGES = ("en", "es", "pt", "de", "fr", "it", "id", "other")
LANGUAGE_SHARES = (0.40, 0.12, 0.12, 0.08, 0.08, 0.08, 0.07, 0.05)

# Everyday words with no niche, per language: what surrounds niche words in a caption.
FILLER = {
    "en": "the a and to of in my is it for on with this that so you me we was be at what just "
    "today love thank thanks happy new one day time all can not more your our really "
    "amazing beautiful weekend morning night friends best good feel link bio comment "
    "follow check out see back soon last first little always never wait excited",
    "es": "el la los las de del y que en un una por para con mi mis es muy hoy gracias amor "
    "dia noche todo nuevo feliz semana siempre ahora aqui mas bien hermoso amigos",
    "pt": "o a os as de do da e que em um uma por para com meu minha muito hoje obrigado "
    "obrigada amor dia noite tudo novo feliz semana sempre agora aqui mais bem lindo amigos",
    "de": "der die das und ist ich du wir mit fur auf ein eine zu von heute danke liebe tag "
    "nacht alles neu schon woche immer jetzt hier mehr gut freunde",
    "fr": "le la les de des et est je tu nous avec pour sur un une dans aujourd hui merci "
    "amour jour nuit tout nouveau heureux semaine toujours maintenant ici plus bien amis",
    "it": "il lo la gli le di e che in un una per con mio mia oggi grazie amore giorno notte "
    "tutto nuovo felice settimana sempre ora qui piu bene bello amici",
    "id": "yang dan di ke dari ini itu aku kamu kita dengan untuk hari terima kasih cinta "
    "malam semua baru senang minggu selalu sekarang sini lagi baik teman",
    "other": "это и в на с я мы сегодня спасибо 오늘 감사 사랑 今日 ありがとう 今天 谢谢",  # noqa: RUF001
}
GENERIC_TAGS = (
    "love instagood photooftheday happy follow like4like picoftheday instadaily smile friends fun "
    "summer weekend tbt repost mood beautiful cute explorepage"
)
TAG_SUFFIXES = ("", "", "", "life", "lover", "ofinstagram", "daily", "gram", "love", "addict")


@dataclass(frozen=True, slots=True)
class CreatorText:
    bio: str
    captions: list[str]
    hashtags: list[str]


@dataclass(frozen=True, slots=True)
class Lexicon:
    terms: dict[str, dict[int, float]]  # term -> niche index -> weight
    by_language: dict[str, list[list[str]]]  # language -> per niche, its terms
    glue: list[str]
    digest: str


def expand(entry: str) -> list[str]:
    """'outfit(s)' -> ['outfit', 'outfits']; 'dress(es|y)' -> ['dress', 'dresses', 'dressy']."""
    match = re.fullmatch(r"(.+)\((.+)\)", entry)
    if match is None:
        return [entry]
    stem = match.group(1)
    return [stem, *(stem + suffix for suffix in match.group(2).split("|"))]


def parse_entries(lines: Sequence[str]) -> list[tuple[str, float]]:
    """Terms with their weights from lexicon lines; refuses a term the tokenizer would split."""
    out = []
    for line in lines:
        for entry in line.split():
            weight = WEAK if entry.startswith("~") else STRONG
            for term in expand(entry.lstrip("~")):
                if words_of(term) != [term]:
                    raise ValueError(f"lexicon term {term!r} is not one normalized token")
                out.append((term, weight))
    return out


def load_lexicon(path: Path) -> Lexicon:
    raw = path.read_bytes()
    data = json.loads(raw)
    if tuple(data["niches"]) != NICHES:
        raise ValueError(f"lexicon niches must be {NICHES} in this order")
    terms: dict[str, dict[int, float]] = {}
    by_language: dict[str, list[list[str]]] = {lang: [[] for _ in NICHES] for lang in LANGUAGES}
    for index, niche in enumerate(NICHES):
        for lang, lines in data["niches"][niche].items():
            for term, weight in parse_entries(lines):
                slot = terms.setdefault(term, {})
                slot[index] = max(slot.get(index, 0.0), weight)
                by_language[lang][index].append(term)
    glue = [term for term, _ in parse_entries(data["glue"])]
    return Lexicon(terms, by_language, glue, hashlib.sha256(raw).hexdigest())


def model_data(lexicon: Lexicon, calibration: dict[str, float]) -> dict[str, Any]:
    return {
        "format": 1,
        "about": "Built by scripts/train_niche_model.py from niche_lexicon.json; see NICHES.md.",
        "lexicon_sha256": lexicon.digest,
        "niches": list(NICHES),
        "threshold": THRESHOLD,
        "bio_weight": BIO_WEIGHT,
        "other_coverage_tokens": COVERAGE_TOKENS,
        "calibration": calibration,
        "glue": sorted(set(lexicon.glue) - set(lexicon.terms)),
        "terms": {
            term: " ".join(f"{NICHES[i]}:{w:g}" for i, w in sorted(hits.items()))
            for term, hits in sorted(lexicon.terms.items())
        },
    }


class Writer:
    """Labelled synthetic creators: niche terms in everyday filler, in several languages."""

    def __init__(self, lexicon: Lexicon, rng: np.random.Generator) -> None:
        self.lexicon = lexicon
        self.rng = rng
        self.filler = {lang: words.split() for lang, words in FILLER.items()}
        self.generic_tags = GENERIC_TAGS.split()

    def pick(self, items: Sequence[str]) -> str:
        return items[int(self.rng.integers(len(items)))]

    def term(self, niche: int, lang: str, *, noise: bool = False) -> str:
        """A term of the niche; strong terms are likelier on topic and weak ones in passing."""
        source = lang if self.rng.random() < 0.5 else "en"
        pool = self.lexicon.by_language[source][niche] or self.lexicon.by_language["en"][niche]
        weights = np.array([self.lexicon.terms[t][niche] for t in pool])
        if noise:
            weights = STRONG + WEAK - weights
        return pool[int(self.rng.choice(len(pool), p=weights / weights.sum()))]

    def topic(self, niches: Sequence[int]) -> int:
        if len(niches) > 1 and self.rng.random() >= 0.7:
            return niches[1]
        return niches[0]

    def words(self, niches: Sequence[int], lang: str, density: float, count: int) -> list[str]:
        out = []
        for _ in range(count):
            draw = self.rng.random()
            if draw < density:
                out.append(self.term(self.topic(niches), lang))
            elif draw < density + NOISE:
                out.append(self.term(int(self.rng.integers(len(NICHES))), lang, noise=True))
            else:
                out.append(self.pick(self.filler[lang]))
        return out

    def hashtags(self, niches: Sequence[int], lang: str, density: float) -> list[str]:
        tags = []
        for _ in range(int(self.rng.poisson(2.0))):
            if self.rng.random() < min(0.9, 2.5 * density):
                term = self.term(self.topic(niches), lang)
                tags.append(term + (self.pick(TAG_SUFFIXES) if term.isascii() else ""))
            else:
                tags.append(self.pick(self.generic_tags))
        return tags

    def creator(self, captions: int | None = None) -> tuple[CreatorText, set[int]]:
        niches = [int(self.rng.integers(len(NICHES)))]
        if self.rng.random() < 0.25:
            second = int(self.rng.integers(len(NICHES) - 1))
            if second != niches[0]:
                niches.append(second)
        lang = LANGUAGES[int(self.rng.choice(len(LANGUAGES), p=LANGUAGE_SHARES))]
        density = float(self.rng.beta(1.2, 7.0))
        n = int(self.rng.integers(0, 13)) if captions is None else captions
        texts, tags = [], []
        for _ in range(n):
            length = 2 + int(self.rng.poisson(14.0 if captions is None else 40.0))
            caption_tags = self.hashtags(niches, lang, density)
            words = self.words(niches, lang, density, length)
            texts.append(" ".join(words + ["#" + t for t in caption_tags]))
            tags.extend(caption_tags)
        bio = ""
        if self.rng.random() < 0.8:
            bio = " ".join(self.words(niches, lang, 0.25, 2 + int(self.rng.integers(5))))
        return CreatorText(bio, texts, tags), set(niches)


def generator_creator(rng: np.random.Generator, niche: str) -> CreatorText:
    """A creator written the way microreach.synthetic writes bios and captions."""
    words = vocab.NICHES[niche]
    captions = []
    for _ in range(12):
        noun = words["nouns"][int(rng.integers(len(words["nouns"])))]
        opener = vocab.CAPTION_OPENERS[int(rng.integers(len(vocab.CAPTION_OPENERS)))]
        closer = vocab.CAPTION_CLOSERS[int(rng.integers(len(vocab.CAPTION_CLOSERS)))]
        tags = rng.choice(words["tags"], size=3, replace=False).tolist()
        captions.append(f"{opener.format(noun=noun)}. {closer} " + " ".join(f"#{t}" for t in tags))
    bio = words["bio"][int(rng.integers(len(words["bio"])))]
    return CreatorText(bio, captions, [])


def features(model: NicheModel, creator: CreatorText) -> list[tuple[float, float]]:
    return model.features(model.evidence(creator.bio, creator.captions, creator.hashtags)[0])


def fit_calibration(model: NicheModel, writer: Writer, creators: int) -> dict[str, float]:
    rows: list[tuple[float, float]] = []
    labels: list[bool] = []
    for _ in range(creators):
        creator, niches = writer.creator()
        rows.extend(features(model, creator))
        labels.extend(i in niches for i in range(len(NICHES)))
    x = np.array(rows)
    y = np.array(labels)
    fit = LogisticRegression(C=1.0).fit(x, y)
    return {
        "log_evidence": round(float(fit.coef_[0][0]), 6),
        "share": round(float(fit.coef_[0][1]), 6),
        "intercept": round(float(fit.intercept_[0]), 6),
        "share_prior": SHARE_PRIOR,
    }


def held_out_report(model: NicheModel, writer: Writer, creators: int) -> str:
    top_hits = exact = 0
    for _ in range(creators):
        creator, niches = writer.creator()
        labels = model.classify(creator.bio, creator.captions, creator.hashtags)
        top_hits += NICHES.index(labels[0].niche) in niches
        exact += {NICHES.index(s.niche) for s in labels} == niches
    return (
        f"held-out synthetic creators: {creators}, top niche correct {top_hits / creators:.1%}, "
        f"exact niche set {exact / creators:.1%}"
    )


def generator_report(model: NicheModel, rng: np.random.Generator) -> str:
    correct = total = 0
    for niche in vocab.NICHE_KEYS:
        for _ in range(50):
            creator = generator_creator(rng, niche)
            top = model.classify(creator.bio, creator.captions, creator.hashtags)[0].niche
            correct += top == niche
            total += 1
    share = correct / total
    return f"creators written like microreach.synthetic: {total}, top niche correct {share:.1%}"


def long_tail(creator: CreatorText, rng: np.random.Generator, per_caption: int) -> CreatorText:
    """The creator with hashtags nobody else uses added to every caption (as real ones are)."""
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    captions, tags = [], list(creator.hashtags)
    for caption in creator.captions:
        extra = ["".join(rng.choice(letters, int(rng.integers(5, 16)))) for _ in range(per_caption)]
        captions.append(caption + " " + " ".join("#" + t for t in extra))
        tags.extend(extra)
    return CreatorText(creator.bio, captions, tags)


def throughput_report(model: NicheModel, writer: Writer, creators: int) -> str:
    """Creators per second, a creator being a bio, 12 captions and their hashtags.

    Each caption carries its niche's tags and 4 tags seen nowhere else, which defeats the
    segmentation cache as the long tail of real hashtags does.
    """
    batch = [long_tail(writer.creator(captions=12)[0], writer.rng, 4) for _ in range(creators)]
    chars = sum(len(c.bio) + sum(map(len, c.captions)) for c in batch) / creators
    tags = sum(len(c.hashtags) for c in batch) / creators
    rates = []
    for _ in range(2):
        start = time.perf_counter()
        for c in batch:
            model.classify(c.bio, c.captions, c.hashtags)
        rates.append(creators / (time.perf_counter() - start))
    return (
        f"throughput: {creators} creators of 12 captions ({chars:,.0f} characters, "
        f"{tags:.0f} hashtags each): "
        f"{rates[0]:,.0f} creators/s on the first pass (cold segmentation cache), "
        f"{rates[1]:,.0f} creators/s on the second, one CPU core"
    )


def build() -> tuple[str, list[str]]:
    lexicon = load_lexicon(LEXICON)
    draft = NicheModel(
        model_data(
            lexicon,
            {"log_evidence": 1.0, "share": 0.0, "intercept": 0.0, "share_prior": SHARE_PRIOR},
        )
    )
    rng = np.random.default_rng(SEED)
    calibration = fit_calibration(draft, Writer(lexicon, rng), 20_000)
    data = model_data(lexicon, calibration)
    model = NicheModel(data)
    report = [
        f"lexicon: {len(lexicon.terms)} terms, sha256 {lexicon.digest[:12]}",
        f"calibration: {calibration}",
        held_out_report(model, Writer(lexicon, rng), 5_000),
        generator_report(model, rng),
        throughput_report(model, Writer(lexicon, rng), 5_000),
    ]
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    return text, report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped file")
    args = parser.parse_args(argv)
    text, report = build()
    print("\n".join(report))
    if args.check:
        same = OUTPUT.exists() and OUTPUT.read_text(encoding="utf-8") == text
        print(f"{OUTPUT.name}: {'matches a fresh build' if same else 'DIFFERS from a fresh build'}")
        return 0 if same else 1
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT} ({len(text.encode()):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
