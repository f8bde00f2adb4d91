"""The generator's data: deterministic, calibrated against Kim et al. 2020, and well-formed."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from datetime import UTC, datetime

import numpy as np
import pytest

from microreach.db.models import metadata
from microreach.science.tiers import tier_for
from microreach.synthetic import calibration as cal
from microreach.synthetic import writer
from microreach.synthetic.generator import (
    CHUNK_SIZE,
    Chunk,
    chunk_creator_ids,
    generate_chunk,
    without_creators,
)

AS_OF_US = int(datetime(2026, 6, 1, tzinfo=UTC).timestamp() * 1_000_000)


@pytest.fixture(scope="module")
def chunks() -> list[Chunk]:
    return [generate_chunk(11, index, AS_OF_US, "test-key") for index in range(5)]


def rows(chunks: list[Chunk], spec: writer.TableSpec) -> list[writer.Row]:
    return [row for chunk in chunks for row in chunk.rows[spec.name]]


def col(spec: writer.TableSpec, name: str) -> int:
    return spec.columns.index(name)


def test_specs_name_every_column_of_their_tables() -> None:
    for spec in writer.TABLES:
        table = metadata.tables[spec.name]
        assert set(spec.columns) == {c.name for c in table.columns}, spec.name
        for name in spec.timestamps:
            assert "DateTime" in type(table.c[name].type.impl).__name__ or hasattr(
                table.c[name].type, "impl"
            )


def test_same_seed_and_chunk_give_identical_rows(chunks: list[Chunk]) -> None:
    again = generate_chunk(11, 2, AS_OF_US, "test-key")
    assert again.rows == chunks[2].rows


def test_creator_ids_are_known_before_generating(chunks: list[Chunk]) -> None:
    assert chunk_creator_ids(11, 3) == chunks[3].creator_ids()


def test_a_partial_chunk_is_a_prefix_of_the_full_one(chunks: list[Chunk]) -> None:
    part = generate_chunk(11, 0, AS_OF_US, "test-key", keep=10)
    assert part.creator_ids() == chunks[0].creator_ids()[:10]
    kept_accounts = {r[0] for r in part.rows[writer.ACCOUNTS.name]}
    full_accounts = {r[0]: r for r in chunks[0].rows[writer.ACCOUNTS.name]}
    assert all(
        full_accounts[a] == r
        for a, r in zip(kept_accounts, [full_accounts[a] for a in kept_accounts], strict=True)
    )
    posts_accounts = {r[1] for r in part.rows[writer.POSTS.name]}
    assert posts_accounts <= kept_accounts
    known = {r[8] for r in part.rows[writer.COMMENTS.name]} - {None}
    assert known <= kept_accounts


def test_ids_are_unique_and_well_formed(chunks: list[Chunk]) -> None:
    for spec in (writer.CREATORS, writer.ACCOUNTS, writer.POSTS, writer.COMMENTS):
        ids = [r[0] for r in rows(chunks, spec)]
        assert len(ids) == len(set(ids)), spec.name
        assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)


def test_handles_are_unique_per_platform(chunks: list[Chunk]) -> None:
    spec = writer.ACCOUNTS
    keys = [(r[col(spec, "platform")], r[col(spec, "handle")]) for r in rows(chunks, spec)]
    assert len(keys) == len(set(keys))


def test_followers_span_500_to_10_million_with_a_micro_majority(chunks: list[Chunk]) -> None:
    spec = writer.ACCOUNTS
    followers = np.array([r[col(spec, "followers")] for r in rows(chunks, spec)])
    assert followers.min() >= cal.FOLLOWERS_MIN
    assert followers.max() <= cal.FOLLOWERS_MAX * 1.7  # bought followers sit on top
    tiers = Counter(tier_for(int(f)).name for f in followers)
    assert tiers["micro"] / len(followers) > 0.6
    assert tiers["nano"] > 0 and tiers["mega"] > 0


def _account_medians(chunks: list[Chunk]) -> list[tuple[int, float]]:
    """(followers, median engagement per follower) per honest Instagram account."""
    acc = writer.ACCOUNTS
    truth = {r[0]: r[2] for r in rows(chunks, writer.TRUTH)}
    accounts = {
        r[0]: r[col(acc, "followers")]
        for r in rows(chunks, acc)
        if r[col(acc, "platform")] == "instagram" and truth[r[0]] is None
    }
    post_account = {r[0]: r[1] for r in rows(chunks, writer.POSTS)}
    latest: dict[str, list[float]] = {}
    seen = set()
    for r in sorted(rows(chunks, writer.POST_SNAPSHOTS), key=lambda r: r[1], reverse=True):
        account = post_account[r[0]]
        if account not in accounts or r[0] in seen or r[2] is None:
            continue
        seen.add(r[0])
        latest.setdefault(account, []).append((r[2] + r[3]) / accounts[account])
    return [(accounts[a], float(np.median(v))) for a, v in latest.items()]


def test_engagement_falls_with_followers_as_in_kim_2020(chunks: list[Chunk]) -> None:
    medians = _account_medians(chunks)
    bands = {"1K-10K": (1e3, 1e4, 0.0396), "10K-50K": (1e4, 5e4, 0.0295)}
    for name, (low, high, kim) in bands.items():
        values = [er for f, er in medians if low <= f < high]
        assert len(values) > 200, name
        # Latest snapshots include posts still gathering engagement: allow a 25% band.
        assert kim * 0.75 < float(np.median(values)) < kim * 1.25, name
    small = np.median([er for f, er in medians if 1e3 <= f < 1e4])
    large = np.median([er for f, er in medians if f >= 1e5])
    assert small > large


def test_niche_shares_follow_the_calibration(chunks: list[Chunk]) -> None:
    niches = Counter(r[1] for r in rows(chunks, writer.TRUTH))
    total = sum(niches.values())
    assert set(niches) <= set(cal.NICHE_SHARES)
    assert abs(niches["fashion"] / total - cal.NICHE_SHARES["fashion"]) < 0.04
    assert niches.most_common(1)[0][0] == "fashion"


def test_a_known_share_of_accounts_is_fraudulent(chunks: list[Chunk]) -> None:
    truth = rows(chunks, writer.TRUTH)
    frauds = Counter(r[2] for r in truth if r[2] is not None)
    expected = sum(cal.FRAUD_SHARES.values())
    assert abs(sum(frauds.values()) / len(truth) - expected) < 0.03
    assert set(frauds) == set(cal.FRAUD_SHARES)
    pods = Counter(r[3] for r in truth if r[3] is not None)
    assert all(size <= cal.POD_SIZE[1] for size in pods.values())
    assert np.median(list(pods.values())) >= cal.POD_SIZE[0]


def test_bought_followers_show_as_a_jump_in_the_series(chunks: list[Chunk]) -> None:
    truth = {r[0]: r[2] for r in rows(chunks, writer.TRUTH)}
    series: dict[str, list[tuple[str, int]]] = {}
    for r in rows(chunks, writer.ACCOUNT_SNAPSHOTS):
        series.setdefault(str(r[0]), []).append((str(r[1]), int(r[2])))  # type: ignore[call-overload]

    def biggest_jump(points: list[tuple[str, int]]) -> float:
        values = [v for _, v in sorted(points)]
        return max(b / a - 1 for a, b in itertools.pairwise(values))

    bought = [biggest_jump(series[a]) for a, f in truth.items() if f == "bought_followers"]
    honest = [biggest_jump(series[a]) for a, f in truth.items() if f is None]
    assert np.median(bought) > 0.12
    assert np.percentile(honest, 95) < 0.05


def test_sponsored_posts_are_mostly_disclosed(chunks: list[Chunk]) -> None:
    spec = writer.POSTS
    posts = rows(chunks, spec)
    sponsored = [r for r in posts if json.loads(str(r[col(spec, "mentions")]))]
    share = len(sponsored) / len(posts)
    assert abs(share - cal.SPONSORED_SHARE) < 0.02
    disclosed = [
        r
        for r in sponsored
        if r[col(spec, "has_disclosure")] or r[col(spec, "is_paid_partnership")]
    ]
    assert 0.65 < len(disclosed) / len(sponsored) < 0.85
    for r in posts:
        tags = json.loads(str(r[col(spec, "hashtags")]))
        assert all(f"#{t}" in str(r[col(spec, "caption")]) for t in tags)


def test_no_time_lies_after_its_capture(chunks: list[Chunk]) -> None:
    capture = {
        r[0]: r[col(writer.ACCOUNTS, "last_captured_at")] for r in rows(chunks, writer.ACCOUNTS)
    }
    post_account = {r[0]: r[1] for r in rows(chunks, writer.POSTS)}
    for r in rows(chunks, writer.POSTS):
        assert str(r[8]) <= str(capture[r[1]])
    for r in rows(chunks, writer.COMMENTS):
        assert str(r[5]) <= str(capture[post_account[r[1]]])
    for r in rows(chunks, writer.POST_SNAPSHOTS):
        assert str(r[1]) <= str(capture[post_account[r[0]]])


def test_comment_threads_have_replies_returning_fans_and_pods(chunks: list[Chunk]) -> None:
    comments = rows(chunks, writer.COMMENTS)
    assert len(comments) > 1000
    replies = [r for r in comments if r[col(writer.COMMENTS, "by_creator")]]
    assert replies and all(r[3] is not None for r in replies)
    by_post = Counter((r[1], r[7]) for r in comments if not r[6])
    assert any(n > 1 for n in by_post.values()), "some fans comment more than once"
    truth = {r[0]: r[3] for r in rows(chunks, writer.TRUTH)}
    known = [r for r in comments if r[8] is not None and not r[6]]
    assert known and all(truth[str(r[8])] is not None for r in known), (
        "known commenters are pod peers"
    )


def test_post_series_only_grow(chunks: list[Chunk]) -> None:
    series: dict[str, list[writer.Row]] = {}
    for r in rows(chunks, writer.POST_SNAPSHOTS):
        series.setdefault(str(r[0]), []).append(r)
    grown = [sorted(v, key=lambda r: str(r[1])) for v in series.values() if len(v) > 1]
    assert grown
    for points in grown:
        comments = [int(p[3]) for p in points]  # type: ignore[call-overload]
        assert comments == sorted(comments)


def test_without_creators_drops_their_whole_tree(chunks: list[Chunk]) -> None:
    chunk = chunks[1]
    skipped = set(chunk.creator_ids()[: CHUNK_SIZE // 2])
    left = without_creators(chunk, skipped, existing_accounts=set())
    accounts = {r[0] for r in left.rows[writer.ACCOUNTS.name]}
    posts = {r[0] for r in left.rows[writer.POSTS.name]}
    assert not skipped & set(left.creator_ids())
    assert all(r[1] in accounts for r in left.rows[writer.POSTS.name])
    assert all(r[0] in posts for r in left.rows[writer.POST_SNAPSHOTS.name])
    assert all(r[8] is None or r[8] in accounts for r in left.rows[writer.COMMENTS.name])
