"""Measure the statistics the synthetic generator is calibrated on, from the Kim et al. 2020 data.

Reads ../shared/data/kim2020-instagram-influencers (research use; never copied into the
project) and prints the figures src/microreach/synthetic/calibration.py quotes, next to the
same figures measured on data the generator makes, so drift is visible at a glance.
Exits cleanly, saying so, when the data folder is absent.

    python scripts/calibrate_synthetic.py [--data-dir ../shared/data] [--creators 5000]
"""

from __future__ import annotations

import argparse
import csv
import math
import statistics
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from microreach.synthetic import writer
from microreach.synthetic.generator import CHUNK_SIZE, generate_chunk

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
KIM = "kim2020-instagram-influencers"
TIERS = ((1e3, 1e4), (1e4, 5e4), (5e4, 1e5), (1e5, 5e5), (5e5, 1e6), (1e6, 1e12))


def quartiles(values: list[float]) -> tuple[float, float, float]:
    q = statistics.quantiles(values, n=4)
    return q[0], statistics.median(values), q[2]


def tier_table(
    per_account: Iterable[tuple[float, float]],
) -> dict[str, tuple[int, float, float, float]]:
    """Per tier: accounts, and quartiles of each account's median engagement per follower."""
    items = list(per_account)
    table = {}
    for low, high in TIERS:
        values = [er for followers, er in items if low <= followers < high]
        if len(values) >= 4:
            label = f"{low:,.0f}+" if high >= 1e12 else f"{low:,.0f}-{high:,.0f}"
            table[label] = (len(values), *quartiles(values))
    return table


def kim_statistics(folder: Path) -> dict[str, object]:
    per_user: dict[str, list[float]] = defaultdict(list)
    followers: dict[str, float] = {}
    ratios: list[float] = []
    with (folder / "posts_dev.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            try:
                count, likes, comments = (
                    float(row["followers"]),
                    int(row["likes"]),
                    int(row["comments"]),
                )
            except ValueError:
                continue
            if count <= 0:
                continue
            per_user[row["username"]].append((likes + comments) / count)
            followers[row["username"]] = count
            if likes > 0:
                ratios.append(comments / likes)
    with (folder / "influencers.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    categories = Counter(r["category"] for r in rows)
    log_followers = [math.log10(int(r["followers"])) for r in rows if int(r["followers"]) > 0]
    return {
        "tiers": tier_table((followers[u], statistics.median(v)) for u, v in per_user.items()),
        "comment_ratio": quartiles(ratios),
        "followees": quartiles([float(r["followees"]) for r in rows]),
        "posts": quartiles([float(r["posts"]) for r in rows]),
        "log10_followers": (statistics.mean(log_followers), statistics.pstdev(log_followers)),
        "categories": {k: v / len(rows) for k, v in categories.most_common(9)},
    }


def synthetic_statistics(creators: int) -> dict[str, object]:
    as_of = int(datetime(2026, 6, 1, tzinfo=UTC).timestamp() * 1_000_000)
    chunks = [generate_chunk(1, i, as_of, "calibration") for i in range(-(-creators // CHUNK_SIZE))]
    acc = writer.ACCOUNTS
    accounts = {
        r[0]: float(r[acc.columns.index("followers")])  # type: ignore[arg-type]
        for c in chunks
        for r in c.rows[acc.name]
        if r[acc.columns.index("platform")] == "instagram"
    }
    post_account = {r[0]: r[1] for c in chunks for r in c.rows[writer.POSTS.name]}
    per_account: dict[object, list[float]] = defaultdict(list)
    ratios = []
    seen: set[object] = set()
    for c in chunks:
        # Each post's latest capture is its first snapshot row; early captures follow.
        for r in c.rows[writer.POST_SNAPSHOTS.name]:
            owner = post_account[r[0]]
            if r[0] in seen:
                continue
            seen.add(r[0])
            if owner in accounts and r[2] is not None:
                per_account[owner].append((int(r[2]) + int(r[3])) / accounts[owner])  # type: ignore[call-overload]
                if int(r[2]) > 0:  # type: ignore[call-overload]
                    ratios.append(int(r[3]) / int(r[2]))  # type: ignore[call-overload]
    log_followers = [math.log10(f) for f in accounts.values()]
    truth = Counter(r[1] for c in chunks for r in c.rows[writer.TRUTH.name])
    return {
        "tiers": tier_table((accounts[a], statistics.median(v)) for a, v in per_account.items()),
        "comment_ratio": quartiles(ratios),
        "log10_followers": (statistics.mean(log_followers), statistics.pstdev(log_followers)),
        "categories": {k: v / sum(truth.values()) for k, v in truth.most_common(9)},
    }


def show(title: str, stats: dict[str, object]) -> None:
    print(f"\n{title}")
    print("  engagement per follower by tier (accounts, q1 / median / q3):")
    for tier, (n, q1, med, q3) in stats["tiers"].items():  # type: ignore[attr-defined]
        print(f"    {tier:>22}: {n:6d}  {q1:6.2%} / {med:6.2%} / {q3:6.2%}")
    q1, med, q3 = stats["comment_ratio"]  # type: ignore[misc]
    print(f"  comments per like: {q1:.3f} / {med:.3f} / {q3:.3f}")
    mean, sd = stats["log10_followers"]  # type: ignore[misc]
    print(f"  log10 followers: mean {mean:.2f}, sd {sd:.2f}")
    for key in ("followees", "posts"):
        if key in stats:
            print(f"  {key}: {' / '.join(f'{v:,.0f}' for v in stats[key])}")  # type: ignore[attr-defined]
    shares = ", ".join(f"{k} {v:.1%}" for k, v in stats["categories"].items())  # type: ignore[attr-defined]
    print(f"  categories: {shares}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--creators", type=int, default=5000)
    args = parser.parse_args()
    folder = args.data_dir / KIM
    if not (folder / "posts_dev.csv").exists():
        print(f"skipped: {folder} is not there (the Kim et al. 2020 data is read, never shipped)")
        sys.exit(0)
    show("Kim et al. 2020 (posts_dev.csv, influencers.csv)", kim_statistics(folder))
    show(f"microreach synthetic ({args.creators:,} creators, Instagram, latest captures)",
         synthetic_statistics(args.creators))  # fmt: skip


if __name__ == "__main__":
    main()
