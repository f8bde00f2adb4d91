"""Peer groups: percentile ranks, group fallback, priors by hand and on synthetic data."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, datetime

import pytest

from microreach.science.engagement import account_engagement
from microreach.science.observations import AccountObservation, PostObservation
from microreach.science.peers import (
    GroupKey,
    PeerLookup,
    PeerMember,
    build_peer_stats,
    build_peer_table,
    choose_group,
    default_prior,
    group_keys,
    kim_median_rate,
    percentile_rank,
    prior_for,
    prior_from_log_rates,
    ranking_group,
)
from microreach.science.tiers import tier_for
from microreach.synthetic import writer
from microreach.synthetic.generator import generate_chunk

AS_OF_US = int(datetime(2026, 6, 1, tzinfo=UTC).timestamp() * 1_000_000)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.5, 0.0), (1.0, 12.5), (2.0, 37.5), (2.5, 50.0), (4.0, 87.5), (9.0, 100.0)],
)
def test_percentile_rank_is_mid_rank(value: float, expected: float) -> None:
    assert percentile_rank(value, [1.0, 2.0, 3.0, 4.0]) == pytest.approx(expected)


def test_percentile_rank_counts_ties_as_half() -> None:
    assert percentile_rank(2.0, [1.0, 2.0, 2.0, 2.0, 5.0]) == pytest.approx(50.0)
    assert percentile_rank(7.0, [7.0, 7.0, 7.0]) == pytest.approx(50.0)
    with pytest.raises(ValueError, match="at least one"):
        percentile_rank(1.0, [])


def test_group_keys_go_from_narrow_to_broad() -> None:
    assert [k.label for k in group_keys("tiktok", "micro", "food")] == [
        "tiktok/micro/food",
        "tiktok/micro",
        "tiktok",
    ]
    assert [k.label for k in group_keys("tiktok", "micro", None)] == ["tiktok/micro", "tiktok"]


def test_choose_group_falls_back_when_a_group_is_small() -> None:
    niche, tier, platform = group_keys("instagram", "micro", "pets")
    counts = {niche: 29, tier: 30, platform: 500}
    assert choose_group("instagram", "micro", "pets", counts) == tier
    assert choose_group("instagram", "micro", "pets", {**counts, niche: 30}) == niche
    assert choose_group("instagram", "micro", "pets", {niche: 5, platform: 31}) == platform
    assert choose_group("instagram", "micro", "pets", {platform: 29}) is None
    assert choose_group("instagram", "micro", "pets", counts, min_accounts=600) is None


def test_prior_from_log_rates_hand_vector() -> None:
    # Means 0.1, 1.1, 2.2; squared deviations 0.02 + 0.02 + 0.08 over 3 degrees of freedom.
    prior = prior_from_log_rates([[0.0, 0.2], [1.0, 1.2], [2.0, 2.4], []], "g")
    assert prior is not None
    assert prior.post_sd == pytest.approx(0.2)
    assert prior.mean == pytest.approx(1.1)
    # MAD of the means is 1.0; minus post noise 0.2^2 / 2 from the variance.
    assert prior.account_sd == pytest.approx(math.sqrt(1.4826**2 - 0.02))
    assert (prior.accounts, prior.source) == (3, "g")


def test_prior_floors_and_too_few_accounts() -> None:
    assert prior_from_log_rates([[1.0, 1.0]], "g") is None
    flat = prior_from_log_rates([[1.0, 1.0], [1.0, 1.0], [1.0]], "g")
    assert flat is not None
    assert (flat.account_sd, flat.post_sd) == (0.10, 0.10)


def test_kim_median_interpolates_on_log_followers_and_clamps() -> None:
    assert kim_median_rate(5_000) == pytest.approx(0.0396 + (0.69897 - 0.5) / 0.85 * -0.0101)
    assert kim_median_rate(10**3.5) == pytest.approx(0.0396)
    assert kim_median_rate(100) == pytest.approx(0.046)
    assert kim_median_rate(50_000_000) == pytest.approx(0.0232)
    assert kim_median_rate(0) == pytest.approx(0.046)


def test_default_prior_uses_platform_factors() -> None:
    instagram, tiktok = default_prior("instagram", 5_000), default_prior("tiktok", 5_000)
    assert math.exp(instagram.mean) == pytest.approx(0.0372358, rel=1e-5)
    assert tiktok.mean - instagram.mean == pytest.approx(math.log(1.6))
    assert default_prior("pinterest", 5_000).mean == instagram.mean
    assert (instagram.account_sd, instagram.post_sd, instagram.source) == (
        0.8,
        0.45,
        "global-default",
    )


def members(platform: str, tier: str, niche: str, count: int, centre: float) -> list[PeerMember]:
    return [
        PeerMember(platform, tier, niche, [centre + 0.01 * i, centre - 0.01 * i], float(i))
        for i in range(count)
    ]


def test_peer_table_priors_fall_back_to_broader_groups() -> None:
    table = build_peer_table(
        members("instagram", "micro", "pets", 10, -2.0)
        + members("instagram", "micro", "food", 40, -3.0)
        + members("instagram", "nano", "food", 5, -4.0)
    )
    assert table[GroupKey("instagram")].accounts == 55
    assert table[GroupKey("instagram", "micro")].accounts == 50
    food = prior_for(table, "instagram", "micro", "food", 20_000)
    assert food.source == "instagram/micro/food"
    assert food.mean == pytest.approx(-3.0)
    assert prior_for(table, "instagram", "micro", "pets", 20_000).source == "instagram/micro"
    assert prior_for(table, "instagram", "nano", "food", 800).source == "instagram"
    assert prior_for(table, "instagram", "micro", None, 20_000).source == "instagram/micro"
    assert prior_for(table, "tiktok", "micro", "food", 20_000).source == "global-default"


def test_ranking_group_needs_enough_values() -> None:
    table = build_peer_table(members("youtube", "mid", "tech", 35, -4.0))
    group = ranking_group(table, "youtube", "mid", "tech")
    assert group is not None
    assert group.sorted_values == tuple(float(i) for i in range(35))
    assert percentile_rank(17.0, group.sorted_values) == pytest.approx(50.0)
    assert ranking_group(table, "youtube", "mid", "tech", min_accounts=36) is None


def synthetic_members(chunks: int) -> list[PeerMember]:
    """Honest accounts of generated chunks as peer members (per-post log-rates)."""
    out = []
    for index in range(chunks):
        chunk = generate_chunk(5, index, AS_OF_US, "test-key")
        latest: dict[object, tuple[object, ...]] = {}
        for snap in chunk.rows[writer.POST_SNAPSHOTS.name]:
            if snap[0] not in latest or str(snap[1]) > str(latest[snap[0]][1]):
                latest[snap[0]] = snap
        posts: dict[object, list[PostObservation]] = defaultdict(list)
        for row in chunk.rows[writer.POSTS.name]:
            snap = latest[row[0]]
            posts[row[1]].append(
                PostObservation(
                    posted_at=_time(row[8]), post_type=str(row[4]), likes=_int(snap[2]),
                    comments=_int(snap[3]), views=_int(snap[4]), shares=_int(snap[5]),
                    captured_at=_time(snap[1]),
                )
            )  # fmt: skip
        truth = {row[0]: row for row in chunk.rows[writer.TRUTH.name]}
        for row in chunk.rows[writer.ACCOUNTS.name]:
            niche, fraud = truth[row[0]][1], truth[row[0]][2]
            if fraud is not None:
                continue
            followers = int(str(row[7]))
            observed = AccountObservation(
                platform=str(row[2]), followers=followers, posts=tuple(posts[row[0]]),
                captured_at=_time(row[18]),
            )  # fmt: skip
            rates = account_engagement(observed).log_rates
            tier = tier_for(followers).name
            out.append(PeerMember(str(row[2]), tier, str(niche), rates))
    return out


def _time(value: object) -> datetime:
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def _int(value: object) -> int | None:
    return None if value is None else int(str(value))


def test_priors_measured_on_synthetic_data_recover_its_spreads() -> None:
    """The generator draws account log-sd 0.8 and post log-sd 0.45 (plus Poisson noise)."""
    table = build_peer_table(synthetic_members(2))
    prior = prior_for(table, "instagram", "micro", None, 20_000)
    assert prior.source == "instagram/micro"
    assert prior.account_sd == pytest.approx(0.8, abs=0.12)
    assert 0.42 < prior.post_sd < 0.56
    # Kim median for an Instagram micro account is about 3%; the generator's sit near it.
    assert math.exp(prior.mean) == pytest.approx(0.032, rel=0.2)
    youtube = prior_for(table, "youtube", "micro", None, 20_000)
    assert youtube.mean < prior.mean - 0.7  # YouTube factor 0.35: log(0.35) = -1.05


def test_the_table_and_the_lookup_give_the_per_group_definitions() -> None:
    """build_peer_table (moments once per member) equals build_peer_stats on each group's
    members, and PeerLookup equals prior_for and ranking_group for every member."""
    rates = [[-3.0, -3.4, -2.9], [], [-4.1], [-3.3, -3.1], [-2.2, -2.8, -2.5, -2.6]]
    members = [
        PeerMember(platform, tier, niche, rates[i % len(rates)], None if i % 7 == 0 else i / 10)
        for i, (platform, tier, niche) in enumerate(
            (p, t, n)
            for p in ("instagram", "tiktok")
            for t in ("nano", "micro")
            for n in ("food", "travel", None)
            for _ in range(12)
        )
    ]
    table = build_peer_table(members)
    by_group: dict[GroupKey, list[PeerMember]] = defaultdict(list)
    for m in members:
        for key in group_keys(m.platform, m.tier, m.niche):
            by_group[key].append(m)
    assert table == {key: build_peer_stats(key, items) for key, items in by_group.items()}
    lookup = PeerLookup(table)
    for m in members:
        prior = lookup.prior(m.platform, m.tier, m.niche, 5_000)
        assert prior == prior_for(table, m.platform, m.tier, m.niche, 5_000)
        assert lookup.ranking(m.platform, m.tier, m.niche) == ranking_group(
            table, m.platform, m.tier, m.niche
        )
