"""Niche classification on hand-written creators in several languages, and the shipped model."""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import socket
from collections import Counter
from importlib import resources

import pytest

from microreach.science.niches import (
    _HASHTAG,
    _WORD,
    NICHES,
    NicheScore,
    _word_and_tag_counts,
    _words_and_tags,
    classify_niches,
    load_model,
    niche_confidences,
)
from microreach.synthetic import vocab


def niches_of(
    bio: str = "", captions: tuple[str, ...] = (), hashtags: tuple[str, ...] = ()
) -> list[str]:
    return [s.niche for s in classify_niches(bio, captions, hashtags)]


def test_the_shipped_model_loads_from_the_package_without_network(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the niche model must not touch the network")

    monkeypatch.setattr(socket, "socket", refuse)
    load_model.cache_clear()
    model = load_model()
    assert model.niches == NICHES
    assert model.threshold == 0.5
    assert len(model.terms) > 1500


def test_the_shipped_model_was_built_from_the_shipped_lexicon() -> None:
    folder = resources.files("microreach.science").joinpath("models")
    lexicon = folder.joinpath("niche_lexicon.json").read_bytes()
    model = json.loads(folder.joinpath("niche_model.json").read_text(encoding="utf-8"))
    assert model["lexicon_sha256"] == hashlib.sha256(lexicon).hexdigest(), (
        "niche_lexicon.json changed: run scripts/train_niche_model.py"
    )


@pytest.mark.parametrize(
    ("bio", "captions", "expected"),
    [
        (
            "Food blogger in NYC",
            ("Best pasta recipe ever, so delicious", "Brunch spot review"),
            "food",
        ),
        ("", ("Nuevo vestido y zapatos para la semana #moda #lookdeldia",), "fashion"),
        ("", ("Treino de pernas hoje na academia, foco total #treino #musculacao",), "fitness"),
        (
            "Reisebloggerin",
            ("Urlaub am Strand, endlich wieder Fernweh gestillt #reisen",),
            "travel",
        ),
        ("", ("Ma nouvelle routine maquillage et soins pour la peau #beaute",), "beauty"),
        ("", ("Il mio gatto dorme sempre sul divano, che cucciolo #gatto",), "pets"),
        ("", ("Resep nasi goreng enak untuk sarapan #kuliner #makanan",), "food"),
        ("", ("Decoración del salón: muebles nuevos y plantas #decoracion #interiorismo",), "home"),
        ("", ("육아 일기: 아기 첫 걸음 #육아스타그램",), "family"),
        ("", ("今日のコーデ 古着のジャケット",), "fashion"),
        ("", ("New ranked match on twitch tonight, come watch #gaming #ps5",), "gaming"),
        ("", ("New single out now on spotify, acoustic guitar cover next week",), "music"),
        ("", ("Match day! Great football game with the team #soccer",), "sports"),
        ("", ("Unboxing the new smartphone, full tech review on my channel",), "tech"),
    ],
)
def test_a_creator_in_any_of_several_languages_gets_its_niche(
    bio: str, captions: tuple[str, ...], expected: str
) -> None:
    assert niches_of(bio, captions)[0] == expected


def test_hashtags_alone_are_enough_and_compound_tags_are_split() -> None:
    assert niches_of(hashtags=("#dogsofinstagram", "catsofinstagram")) == ["pets"]
    assert niches_of(hashtags=("travelgram", "wanderlust")) == ["travel"]
    assert niches_of(hashtags=("momof2", "toddlerlife")) == ["family"]
    assert niches_of(hashtags=("perrosdeinstagram",)) == ["pets"]


def test_short_terms_count_inside_a_tag_only_when_the_whole_tag_is_understood() -> None:
    segment = load_model().segment
    pets = NICHES.index("pets")
    assert pets in {i for i, _ in segment("catsofinstagram")}
    assert pets not in {i for i, _ in segment("scatter")}
    assert pets not in {i for i, _ in segment("hotdog")}
    assert pets not in {i for i, _ in segment("competition")}
    assert [NICHES[i] for i, _ in segment("carpetcleaning")] == ["home"]


def test_an_empty_creator_is_other_with_no_confidence() -> None:
    assert classify_niches("", [], []) == [NicheScore("other", 0.0)]


def test_plenty_of_text_about_nothing_listed_is_confidently_other() -> None:
    text = "thinking about the weather and the news and what to say today " * 4
    [score] = classify_niches("", [text], [])
    assert score.niche == "other"
    assert score.confidence >= 0.5


def test_a_lone_passing_mention_is_not_a_niche() -> None:
    [score] = classify_niches("", ["had a coffee this morning"], [])
    assert score.niche == "other"
    assert score.confidence < 0.5
    assert niche_confidences("", ["had a coffee this morning"], [])["food"] < 0.5


def test_a_creator_with_two_topics_gets_both_most_confident_first() -> None:
    scores = classify_niches(
        "Mum of two and home baker",
        [
            "Toddler snacks for the school run #momlife #parenting",
            "Banana bread recipe, so easy #baking #foodie",
            "Family weekend: pizza night with the kids #familytime",
        ],
        [],
    )
    assert {s.niche for s in scores} == {"family", "food"}
    assert [s.confidence for s in scores] == sorted((s.confidence for s in scores), reverse=True)
    assert all(0.5 <= s.confidence <= 1.0 for s in scores)


def test_tags_given_twice_count_once_and_mentions_count_not_at_all() -> None:
    model = load_model()
    caption = ["Sunday #ootd #streetstyle"]
    once = model.evidence("", caption, [])[0]
    assert model.evidence("", caption, ["ootd", "#streetstyle"])[0] == once
    assert model.evidence("", ["thanks @foodie @recipe"], [])[0] == [0.0] * len(NICHES)


def test_emoji_and_accents_are_read() -> None:
    assert niches_of(captions=("🐶🐾 walkies",)) == ["pets"]
    assert niches_of(captions=("DÉCORATION intérieur",)) == ["home"]


# Word characters, tag and mention signs, pictographs (some of them word characters too, such
# as the dingbat digit), a combining accent, a variation selector and separators.
_TRICKY = ["a", "é", "_", "1", "²", "٣", "#", "@", " ", ".", "\n", "😀", "⌚", "\u2776", "\u0301",
           "\ufe0f", "ß"]  # fmt: skip
_ASCII = ["a", "b", "_", "1", "#", "@", " ", ".", "\n", "-"]


def test_the_fast_readers_find_what_the_word_and_hashtag_patterns_find() -> None:
    short = ("".join(chars) for n in range(4) for chars in itertools.product(_TRICKY, repeat=n))
    rng = random.Random(7)
    long = ("".join(rng.choices(_TRICKY, k=rng.randint(4, 16))) for _ in range(20_000))
    ascii_short = (
        "".join(chars) for n in range(5) for chars in itertools.product(_ASCII, repeat=n)
    )
    ascii_long = ("".join(rng.choices(_ASCII, k=rng.randint(4, 30))) for _ in range(20_000))
    odd = ["#❶x @a😀b ❶x #x❶ 😀❶b ##tag a#b", "b #a a b #a #b @a a@b", "#a b #a @b #"]
    for text in itertools.chain(short, long, ascii_short, ascii_long, odd):
        words, tags = _WORD.findall(text), _HASHTAG.findall(text)
        assert _words_and_tags(text) == (words, tags), repr(text)
        counts = _word_and_tag_counts(text)
        assert [list(c.items()) for c in counts] == [
            list(Counter(words).items()),
            list(Counter(tags).items()),
        ], repr(text)


def test_results_are_deterministic() -> None:
    creators = [
        ("yoga teacher", ["morning yoga flow #yogi"], ["fitness"]),
        ("", ["road trip to the mountains #travelgram"], []),
        ("", [], []),
    ]
    first = [classify_niches(*c) for c in creators]
    load_model.cache_clear()
    assert [classify_niches(*c) for c in creators] == first
    confidences = niche_confidences("yoga teacher", ["morning yoga flow"], [])
    assert list(confidences) == list(NICHES)
    assert all(0.0 <= c <= 1.0 for c in confidences.values())


@pytest.mark.parametrize("niche", vocab.NICHE_KEYS)
def test_creators_written_like_the_synthetic_generator_get_their_niche(niche: str) -> None:
    words = vocab.NICHES[niche]
    captions = [
        f"{vocab.CAPTION_OPENERS[i % 12].format(noun=noun)}. #{words['tags'][i % 10]}"
        for i, noun in enumerate(words["nouns"])
    ]
    assert niches_of(words["bio"][0], tuple(captions))[0] == niche
