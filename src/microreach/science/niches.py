"""Creator niches from bio, captions and hashtags, scored offline with the shipped lexicon model."""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

MODEL_FILE = "niche_model.json"
# The classifier's version: raise it when the model file or the rules change.
NICHES_VERSION = "1"
NICHES: tuple[str, ...] = (
    "fashion",
    "beauty",
    "food",
    "fitness",
    "travel",
    "family",
    "pets",
    "home",
    "tech",
    "gaming",
    "music",
    "sports",
    "lifestyle",
    "other",
)
MAX_SEGMENT = 64  # longer hashtags and unspaced runs are cut before segmentation
_FREE = "0123456789_"  # characters a segmentation may leave uncovered

# Words that are not #hashtags or @mentions, and single pictographs (emoji lose U+FE0F); and
# hashtags. These are the definitions: _words_and_tags finds both in one faster pass (with no
# look-behind tried at every position), and _word_and_tag_counts faster still in ASCII text.
_PICTOGRAPHS = "\u2300-\u23ff\u2600-\u27bf\U0001f300-\U0001faff"
_WORD = re.compile(rf"(?<![#@\w])\w+|[{_PICTOGRAPHS}]")
_HASHTAG = re.compile(r"#(\w+)")
_TOKEN = re.compile(rf"[\w#@{_PICTOGRAPHS}]\w*")  # a word, tag, mention or pictograph + word
_PICTOGRAPH = re.compile(rf"[{_PICTOGRAPHS}]")
# ASCII text with every character but word characters, '#' and '@' made a space: its split
# gives _TOKEN's tokens when no sign stands inside a token.
_ASCII_SEPARATORS = "".join(c if c.isalnum() or c in "_#@" else " " for c in map(chr, range(128)))
_SUBLINEAR = tuple(1.0 + math.log(count) if count else 0.0 for count in range(256))


def _tf(count: int) -> float:
    """Sublinear term frequency: a term said ten times is not ten times the evidence."""
    return _SUBLINEAR[count] if count < 256 else 1.0 + math.log(count)


Hits = tuple[tuple[int, float], ...]


@dataclass(frozen=True, slots=True)
class NicheScore:
    """A niche and how confident the model is that the creator posts about it (0 to 1)."""

    niche: str
    confidence: float


def _fold_table() -> dict[int, str]:
    """Latin letters with accents to their base letters ('é' -> 'e'), plus a few ligatures."""
    table: dict[int, str] = {ord("ß"): "ss", ord("æ"): "ae", ord("ø"): "o", ord("œ"): "oe"}
    for code in range(0xC0, 0x250):
        decomposed = unicodedata.normalize("NFKD", chr(code))
        base = "".join(c for c in decomposed if not unicodedata.combining(c))
        if base != chr(code) and base.isascii() and base:
            table[code] = base
    table[ord("\N{CYRILLIC SMALL LETTER IO}")] = "\N{CYRILLIC SMALL LETTER IE}"
    return table


_FOLD = _fold_table()


def words_of(text: str) -> list[str]:
    """Words and emoji as the model reads them: lower-cased, Latin accents folded ('Décor' ->
    'decor') as the lexicon is written; #hashtags and @mentions are not words."""
    return [t if t.isascii() else t.translate(_FOLD) for t in _words(text.lower())]


def _words(text: str) -> list[str]:
    """``_WORD.findall(text)``, in order (see _words_and_tags)."""
    return _words_and_tags(text)[0]


def _words_and_tags(text: str) -> tuple[list[str], list[str]]:
    """``_WORD.findall(text)`` and ``_HASHTAG.findall(text)``, in order, in one pass.

    A token starting with a word character is a whole word; one starting with '#' or '@' is
    a tag or mention, of which only the pictographs are words (_WORD's second branch finds
    them inside it); one starting with a pictograph is that pictograph and the word after it.
    """
    words: list[str] = []
    tags: list[str] = []
    for token in _TOKEN.findall(text):
        first = token[0]
        if first.isalnum() or first == "_":  # what \w matches
            words.append(token)
        elif first == "#" or first == "@":
            if first == "#" and len(token) > 1:
                tags.append(token[1:])
            if not token.isascii():
                words += _PICTOGRAPH.findall(token)
        else:
            words.append(first)
            if len(token) > 1:
                words.append(token[1:])
    return words, tags


def _word_and_tag_counts(text: str) -> tuple[Counter[str], dict[str, int]]:
    """``Counter(_WORD.findall(text))`` and ``Counter(_HASHTAG.findall(text))``, each in the
    order found; ASCII text where every '#' and '@' opens a token is read by str.split."""
    if text.isascii():
        counts = Counter(text.translate(_ASCII_SEPARATORS).split())
        signed = [token for token in counts if token[0] == "#" or token[0] == "@"]
        if sum(counts[token] for token in signed) == text.count("#") + text.count("@"):
            tags = {t[1:]: counts[t] for t in signed if t[0] == "#" and len(t) > 1}
            for token in signed:
                counts.pop(token)
            return counts, tags
    words, hashtags = _words_and_tags(text)
    return Counter(words), Counter(hashtags)


def hashtags_of(text: str) -> list[str]:
    """A text's hashtags as the model reads them, without '#'."""
    return [t if t.isascii() else t.translate(_FOLD) for t in _HASHTAG.findall(text.lower())]


def _trie_regex(words: Iterable[str]) -> re.Pattern[str]:
    """A regex matching any of ``words``, longest first, shaped as a trie so it runs fast."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def render(node: dict[str, Any]) -> str:
        branches = [re.escape(c) + render(child) for c, child in sorted(node.items()) if c]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return re.compile(render(trie))


def _tag(raw: str) -> str:
    tag = raw.strip().lstrip("#").lower()
    return tag if tag.isascii() else tag.translate(_FOLD)


class NicheModel:
    """The shipped model: weighted lexicon terms per niche and a calibration of their evidence."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.niches: tuple[str, ...] = tuple(data["niches"])
        if self.niches != NICHES:
            raise ValueError(f"model niches {self.niches} differ from {NICHES}")
        self.threshold = float(data["threshold"])
        self.bio_weight = float(data["bio_weight"])
        self.coverage_tokens = int(data["other_coverage_tokens"])
        calibration = data["calibration"]
        self._slope = float(calibration["log_evidence"])
        self._share = float(calibration["share"])
        self._intercept = float(calibration["intercept"])
        self._prior = float(calibration["share_prior"])
        self.terms: dict[str, Hits] = {
            term: self._hits(spec) for term, spec in data["terms"].items()
        }
        pieces = set(self.terms) | set(data["glue"])
        self._ascii = _trie_regex(p for p in pieces if p.isascii())
        self._unicode = _trie_regex(p for p in pieces if not p.isascii())
        self._other = self.niches.index("other")
        self.segment = lru_cache(maxsize=1 << 16)(self._segment)

    def _hits(self, spec: str) -> Hits:
        """'fitness:1 lifestyle:0.4' -> ((3, 1.0), (12, 0.4))."""
        pairs = (item.rsplit(":", 1) for item in spec.split())
        return tuple((self.niches.index(niche), float(weight)) for niche, weight in pairs)

    @classmethod
    def from_json(cls, text: str) -> NicheModel:
        return cls(json.loads(text))

    def _segment(self, token: str) -> Hits:
        """Niche terms inside a hashtag or an unspaced word ('dogsofinstagram' -> dogs, of, ...).

        Pieces (lexicon terms and glue words such as 'of', 'insta', 'life') are matched left
        to right, longest first. Short Latin terms (under 4 letters) count only when pieces,
        digits and '_' cover the whole token, so 'cat' is found in 'catsofinstagram' but not
        in 'scatter', nor 'dog' in 'hotdog'.
        """
        text = token[:MAX_SEGMENT]
        pieces = self._ascii if text.isascii() else self._unicode
        hits: list[tuple[int, float]] = []
        short: list[tuple[int, float]] = []
        for piece in pieces.findall(text):
            if found := self.terms.get(piece):
                (short if len(piece) < 4 and piece.isascii() else hits).extend(found)
        if short and not pieces.sub("", text).strip(_FREE):
            hits.extend(short)
        return tuple(hits)

    def _add_text(self, text: str, weight: float, evidence: list[float], tags: Counter[str]) -> int:
        """Adds the evidence of a text's words and emoji, collects its hashtags into ``tags``,
        and returns how many words and emoji there were."""
        text = text.lower()
        counts, hashtags = _word_and_tag_counts(text)
        terms = self.terms
        folds = not text.isascii()  # else no token has an accent to fold or needs segmenting
        for token in [t for t in counts if not t.isascii()] if folds else ():
            if (folded := token.translate(_FOLD)) != token:
                counts[folded] += counts.pop(token)
        for token in counts.keys() & terms.keys():
            factor = weight * _tf(counts[token])
            for index, value in terms[token]:
                evidence[index] += value * factor
        for token in [t for t in counts if not t.isascii() and t not in terms] if folds else ():
            factor = weight * _tf(counts[token])
            for index, value in self.segment(token):
                evidence[index] += value * factor
        for tag, count in hashtags.items():
            tags[tag if tag.isascii() else tag.translate(_FOLD)] += count
        return counts.total()

    def _add_tags(self, counts: Counter[str], weight: float, evidence: list[float]) -> None:
        for tag, count in counts.items():
            hits = self.terms.get(tag)
            if hits is None:
                hits = self.segment(tag)
            factor = weight * _tf(count)
            for index, value in hits:
                evidence[index] += value * factor

    def evidence(
        self, bio: str, captions: Sequence[str], hashtags: Sequence[str]
    ) -> tuple[list[float], int]:
        """Per-niche evidence (weighted, sublinear term counts) and the number of tokens read.

        Bio terms count ``bio_weight`` times. A hashtag counts as often as it appears in the
        captions or in ``hashtags``, whichever is more, so passing the captions' own tags again
        does not double them.
        """
        evidence = [0.0] * len(self.niches)
        bio_tags: Counter[str] = Counter()
        words = self._add_text(bio, self.bio_weight, evidence, bio_tags)
        self._add_tags(bio_tags, self.bio_weight, evidence)
        tags: Counter[str] = Counter()
        words += self._add_text("\n".join(captions), 1.0, evidence, tags)
        given: Counter[str] = Counter()
        for raw, count in Counter(hashtags).items():
            if tag := raw if raw in tags else _tag(raw):
                given[tag] += count
        for tag, count in given.items():
            if count > tags[tag]:
                tags[tag] = count
        self._add_tags(tags, 1.0, evidence)
        return evidence, words + sum(bio_tags.values()) + sum(tags.values())

    def features(self, evidence: Sequence[float]) -> list[tuple[float, float]]:
        """Per niche: log(1 + evidence) and its share of all evidence plus ``share_prior``.

        The prior keeps a lone term from making its niche look dominant: one 'coffee' is a
        small share of (0.4 + prior), a dozen food terms a large one.
        """
        total = sum(evidence) + self._prior
        return [(math.log1p(value), value / total) for value in evidence]

    def confidences(self, evidence: Sequence[float]) -> list[float]:
        """Calibrated confidence per niche: a logistic function of its two features."""
        out = []
        for log_evidence, share in self.features(evidence):
            z = self._slope * log_evidence + self._share * share + self._intercept
            out.append(1.0 / (1.0 + math.exp(-z)))
        return out

    def scores(self, bio: str, captions: Sequence[str], hashtags: Sequence[str]) -> list[float]:
        """Every niche's confidence, in the order of ``niches``."""
        return self.confidences(self.evidence(bio, captions, hashtags)[0])

    def classify(
        self, bio: str, captions: Sequence[str], hashtags: Sequence[str]
    ) -> list[NicheScore]:
        """The confident niches, most confident first; 'other' alone when none is confident."""
        evidence, tokens = self.evidence(bio, captions, hashtags)
        confidences = self.confidences(evidence)
        chosen = [
            NicheScore(niche, round(c, 4))
            for niche, c in zip(self.niches, confidences, strict=True)
            if c >= self.threshold and niche != "other"
        ]
        if chosen:
            return sorted(chosen, key=lambda s: (-s.confidence, s.niche))
        return [NicheScore("other", round(self._other_confidence(confidences, tokens), 4))]

    def _other_confidence(self, confidences: Sequence[float], tokens: int) -> float:
        """How sure the model is that the creator has no listed niche.

        Either its 'other' terms (art, cars, business, ...) are confident, or it wrote enough
        text (``other_coverage_tokens`` tokens for full weight) without naming any niche.
        An empty creator gets 0.
        """
        named = max(c for i, c in enumerate(confidences) if i != self._other)
        coverage = min(1.0, tokens / self.coverage_tokens)
        return max(confidences[self._other] if tokens else 0.0, (1.0 - named) * coverage)


@cache
def load_model() -> NicheModel:
    """The model shipped in the package (read once; no network)."""
    source = resources.files("microreach.science").joinpath("models", MODEL_FILE)
    return NicheModel.from_json(source.read_text(encoding="utf-8"))


def classify_niches(bio: str, captions: Sequence[str], hashtags: Sequence[str]) -> list[NicheScore]:
    """A creator's niches: every niche whose confidence reaches the model's threshold (0.5),
    most confident first, or ``[NicheScore("other", c)]`` when none does."""
    return load_model().classify(bio, captions, hashtags)


def niche_confidences(
    bio: str, captions: Sequence[str], hashtags: Sequence[str]
) -> dict[str, float]:
    """Every niche's confidence, including those under the threshold (for ranking and search)."""
    model = load_model()
    return dict(zip(model.niches, model.scores(bio, captions, hashtags), strict=True))
