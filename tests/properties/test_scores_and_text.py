"""Properties of the scores (authenticity, relationship) and of the text readers (disclosure
markers, niches): bounded, explained, and never crashing on what people write."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from microreach.science import disclosure, niches
from microreach.science.authenticity import GrowthAnomaly, authenticity_score
from microreach.science.observations import AccountObservation, PostObservation
from microreach.science.relationship import relationship_score
from microreach.science.signals import Score
from tests.properties.strategies import AS_OF, accounts, comment_threads

unit = st.floats(min_value=0.0, max_value=1.0)
rates = st.one_of(st.none(), st.floats(min_value=-0.1, max_value=5.0))
anomaly = st.builds(
    GrowthAnomaly,
    kind=st.sampled_from(["follower_spike", "follower_drop", "follow_churn", "other"]),
    start=st.just(AS_OF - timedelta(days=9)),
    end=st.just(AS_OF - timedelta(days=8)),
    magnitude=st.floats(min_value=-5.0, max_value=5.0),
)


def assert_bounded_and_explained(score: Score) -> None:
    if score.score is None:
        assert score.reason
        assert all(s.contribution == 0 for s in score.signals)
    else:
        assert 0 <= score.score <= 100
        assert score.base + sum(s.contribution for s in score.signals) == score.score
        assert score.reason is None


@settings(max_examples=60)
@given(
    account=accounts(),
    followers=st.integers(min_value=-10, max_value=10_000_000),
    comments=comment_threads(max_size=40),
    typical=rates,
    expected=rates,
    fake=st.one_of(st.none(), st.lists(unit, max_size=60)),
    anomalies=st.one_of(st.none(), st.lists(anomaly, max_size=3)),
)
def test_authenticity_is_a_score_from_0_to_100_or_none_with_a_reason(
    account: AccountObservation,
    followers: int,
    comments: list[object],
    typical: float | None,
    expected: float | None,
    fake: list[float] | None,
    anomalies: list[GrowthAnomaly] | None,
) -> None:
    observed = AccountObservation(
        platform=account.platform,
        followers=followers,
        following=account.following,
        posts=account.posts,
        comments=tuple(comments),  # type: ignore[arg-type]
        captured_at=AS_OF,
    )
    score = authenticity_score(
        observed,
        typical_rate=typical,
        expected_rate=expected,
        fake_probabilities=fake,
        anomalies=anomalies,
    )

    assert_bounded_and_explained(score)
    if followers <= 0:
        assert score.score is None


@settings(max_examples=60)
@given(comments=comment_threads(), previous=st.sets(st.sampled_from(["h00", "h05", "zz"])))
def test_relationship_is_a_score_from_0_to_100_or_none_with_a_reason(
    comments: list[object], previous: set[str]
) -> None:
    score = relationship_score(comments, previous_commenters=previous)  # type: ignore[arg-type]

    assert_bounded_and_explained(score)
    for signal in score.signals:
        assert signal.percentile is None or 0 <= signal.percentile <= 100


# Disclosure

# Words and near-misses that are no disclosure marker on their own or side by side.
SAFE_WORDS = (
    "summer", "new", "look", "love", "this", "the", "with", "to", "my", "in", "bio", "link",
    "code", "SAVE20", "15%", "off", "thanks", "@glowskin", "@friend", "partner", "adventure",
    "#adventure", "#adidas", "#advice", "#adorable", "#badminton", "#publicity", "#spongebob",
    "advert-free", "ads-on", "sponsorship", "publish", "#ootd", "☀️", "🔥", "!!",
)  # fmt: skip
SEPARATORS = (" ", " ", "\n", ", ", ". ", " - ", " | ")


@st.composite
def plain_captions(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.sampled_from(SAFE_WORDS), max_size=25))
    parts = []
    for word in words:
        parts.extend((word, draw(st.sampled_from(SEPARATORS))))
    return "".join(parts)


def _post(caption: str, hashtags: tuple[str, ...] = ()) -> PostObservation:
    return PostObservation(AS_OF, "photo", 10, 1, caption=caption, hashtags=hashtags)


@given(caption=st.text(max_size=300), tag=st.sampled_from(["#ad", "#AD", "#Ad", "#werbung"]))
def test_adding_an_ad_hashtag_always_discloses(caption: str, tag: str) -> None:
    result = disclosure.detect_disclosure(_post(f"{caption} {tag}"))

    assert result.disclosed and result.is_sponsored and not result.likely_undisclosed
    assert result.how == "marker"


@given(
    caption=st.text(max_size=200),
    tag=st.sampled_from(sorted(disclosure.MARKER_TAGS)),
    case=st.sampled_from([str.lower, str.upper, str.title]),
    first=st.booleans(),
)
def test_every_marker_hashtag_discloses_in_any_case_and_place(
    caption: str, tag: str, case: object, first: bool
) -> None:
    marker = "#" + case(tag)  # type: ignore[operator]
    text = f"{marker} {caption}" if first else f"{caption} {marker}"

    assert disclosure.detect_disclosure(_post(text)).disclosed


@given(caption=plain_captions())
def test_a_caption_without_markers_is_never_disclosed(caption: str) -> None:
    assert not disclosure.detect_disclosure(_post(caption)).disclosed


@given(caption=st.text(max_size=300), hashtags=st.lists(st.text(max_size=20), max_size=5))
def test_disclosure_never_crashes_and_spans_point_into_the_caption(
    caption: str, hashtags: list[str]
) -> None:
    result = disclosure.detect_disclosure(_post(caption, tuple(hashtags)))

    for evidence in (*result.disclosures, *result.evidence):
        if evidence.start is not None and evidence.end is not None:
            assert 0 <= evidence.start <= evidence.end <= len(caption)
    assert not (result.disclosed and result.likely_undisclosed)


# Niches


@settings(max_examples=60)
@given(
    bio=st.text(max_size=200),
    captions=st.lists(st.text(max_size=200), max_size=5),
    hashtags=st.lists(st.text(max_size=30), max_size=8),
)
def test_niches_have_confidences_in_0_1_and_accept_any_text(
    bio: str, captions: list[str], hashtags: list[str]
) -> None:
    found = niches.classify_niches(bio, captions, hashtags)
    everything = niches.niche_confidences(bio, captions, hashtags)

    assert found and len({s.niche for s in found}) == len(found)
    assert all(s.niche in niches.NICHES and 0.0 <= s.confidence <= 1.0 for s in found)
    assert set(everything) == set(niches.NICHES)
    assert all(0.0 <= c <= 1.0 for c in everything.values())
    assert [s.confidence for s in found] == sorted((s.confidence for s in found), reverse=True)
