"""Brand fit: factor contributions add up to the score; hand-checked values."""

from __future__ import annotations

import random

from microreach.discovery.fit import Brand, CreatorFacts, fit, fit_score, found_phrases
from microreach.science.niches import NICHES


def _creator(**overrides: object) -> CreatorFacts:
    values: dict[str, object] = {
        "niches": {"food": 0.9, "travel": 0.6},
        "country": "US",
        "language": "en",
        "audience": {"country": {"US": 0.45, "GB": 0.15}, "age": {"18-24": 0.4, "25-34": 0.3}},
        "er_percentile": 80.0,
        "authenticity": 60,
        "search_doc": "best vegan burger in town with craft beer",
        "mentions": ("rivalfoods",),
    }
    values.update(overrides)
    return CreatorFacts(**values)  # type: ignore[arg-type]


def test_hand_checked_fit() -> None:
    brand = Brand(niches=("food",), countries=("US", "GB"), age_bands=("18-24", "25-34"))
    result = fit(brand, _creator())
    # niche 40*0.9=36; audience 25*mean(ramp(0.6,0,0.6)=1, ramp(0.7,0,0.7)=1)=25;
    # engagement 20*0.8 + 15*0.6 = 25; no safety or competitor terms: 0 + 0.
    assert [f.points for f in result.factors] == [36, 25, 25, 0, 0]
    assert result.score == 86


def test_safety_keywords_and_competitors_take_points_away() -> None:
    brand = Brand(
        niches=("food",), safety_keywords=("craft beer", "casino"), competitors=("@RivalFoods",)
    )
    result = fit(brand, _creator())
    by_key = {f.key: f for f in result.factors}
    assert by_key["safety"].points == -15 and "craft beer" in by_key["safety"].explanation
    assert by_key["competitors"].points == -10
    assert result.score == sum(f.points for f in result.factors)


def test_phrases_match_whole_words_in_order() -> None:
    assert found_phrases(["craft beer", "beer craft", "burg"], "vegan burger craft beer") == [
        "craft beer"
    ]


def test_contributions_always_sum_to_the_score_fit_score_gives() -> None:
    rng = random.Random(5)
    for _ in range(500):
        niches = {n: rng.random() for n in NICHES}
        brand = Brand(
            niches=tuple(rng.sample(NICHES, rng.randint(0, 3))),
            countries=tuple(rng.sample(["US", "GB", "DE"], rng.randint(0, 2))),
            languages=("en",) if rng.random() < 0.3 else (),
            age_bands=("18-24",) if rng.random() < 0.5 else (),
            gender=rng.choice([None, "female", "male"]),
            safety_keywords=("beer",) if rng.random() < 0.5 else (),
            competitors=("rivalfoods",) if rng.random() < 0.5 else (),
        )
        creator = _creator(
            niches=niches,
            er_percentile=rng.choice([None, rng.uniform(0, 100)]),
            authenticity=rng.choice([None, rng.randint(0, 100)]),
            audience=rng.choice([{}, {"country": {"US": rng.random()}, "gender": {"female": 0.7}}]),
        )
        result = fit(brand, creator)
        assert 0 <= result.score <= 100
        assert sum(f.points for f in result.factors) == result.score
        assert fit_score(brand, creator) == result.score
