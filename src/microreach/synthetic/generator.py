"""One chunk of synthetic data: every row of CHUNK_SIZE creators, from (seed, chunk index) alone."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from microreach.synthetic import writer
from microreach.synthetic.arrays import uuid_hexes
from microreach.synthetic.content import make_content
from microreach.synthetic.people import make_people
from microreach.synthetic.threads import make_comments

# Creators are generated in fixed-size chunks, each from its own random stream, so creator i
# of a seed is the same whatever the requested total: re-runs and larger runs add no duplicates.
CHUNK_SIZE = 1000
PODS_PER_CHUNK = 1000


@dataclass
class Chunk:
    rows: dict[str, list[writer.Row]]

    @property
    def row_count(self) -> int:
        return sum(len(rows) for rows in self.rows.values())

    def creator_ids(self) -> list[str]:
        return [str(row[0]) for row in self.rows[writer.CREATORS.name]]


def chunk_rng(seed: int, chunk_index: int) -> np.random.Generator:
    return np.random.default_rng([seed, chunk_index])


def chunk_id_prefix(seed: int, chunk_index: int) -> bytes:
    """Six bytes every id of a chunk starts with: two from the seed, four from the index."""
    return hashlib.blake2b(str(seed).encode(), digest_size=2).digest() + chunk_index.to_bytes(
        4, "big"
    )


def chunk_creator_ids(seed: int, chunk_index: int) -> list[str]:
    """The creator ids of a chunk without generating it (they are the stream's first draw)."""
    return uuid_hexes(chunk_rng(seed, chunk_index), CHUNK_SIZE, chunk_id_prefix(seed, chunk_index))


def generate_chunk(
    seed: int,
    chunk_index: int,
    as_of_us: int,
    secret_key: str,
    posts_per_account: int = 12,
    keep: int = CHUNK_SIZE,
) -> Chunk:
    """Rows for creators [chunk_index * CHUNK_SIZE, + keep) of ``seed``."""
    rng = chunk_rng(seed, chunk_index)
    prefix = chunk_id_prefix(seed, chunk_index)
    people = make_people(
        rng, chunk_index * CHUNK_SIZE, CHUNK_SIZE, as_of_us, chunk_index * PODS_PER_CHUNK, prefix
    )
    content = make_content(rng, people.accounts, posts_per_account, prefix)
    comments = make_comments(rng, people.accounts, content.posts, posts_per_account, secret_key)
    chunk = Chunk(
        rows={
            writer.CREATORS.name: people.creator_rows,
            writer.ACCOUNTS.name: people.account_rows,
            writer.TRUTH.name: people.truth_rows,
            writer.ACCOUNT_SNAPSHOTS.name: people.snapshot_rows,
            writer.AUDIENCE.name: people.audience_rows,
            writer.POSTS.name: content.post_rows,
            writer.POST_SNAPSHOTS.name: content.snapshot_rows,
            writer.COMMENTS.name: comments,
        }
    )
    if keep < CHUNK_SIZE:
        kept = set(chunk.creator_ids()[:keep])
        chunk = without_creators(chunk, set(chunk.creator_ids()) - kept, set())
    return chunk


def without_creators(chunk: Chunk, skipped: set[str], existing_accounts: set[str]) -> Chunk:
    """The chunk less ``skipped`` creators and everything of theirs.

    Comments that name a dropped account as their known commenter keep that link only when
    the account is in ``existing_accounts`` (already stored); otherwise the link is cleared.
    """
    rows = chunk.rows
    accounts = [r for r in rows[writer.ACCOUNTS.name] if r[1] not in skipped]
    dropped_accounts = {r[0] for r in rows[writer.ACCOUNTS.name] if r[1] in skipped}
    posts = [r for r in rows[writer.POSTS.name] if r[1] not in dropped_accounts]
    dropped_posts = {r[0] for r in rows[writer.POSTS.name] if r[1] in dropped_accounts}
    gone = dropped_accounts - existing_accounts
    comments = [
        (*r[:8], None, *r[9:]) if r[8] in gone else r
        for r in rows[writer.COMMENTS.name]
        if r[1] not in dropped_posts
    ]
    return Chunk(
        rows={
            writer.CREATORS.name: [r for r in rows[writer.CREATORS.name] if r[0] not in skipped],
            writer.ACCOUNTS.name: accounts,
            writer.TRUTH.name: [r for r in rows[writer.TRUTH.name] if r[0] not in dropped_accounts],
            writer.ACCOUNT_SNAPSHOTS.name: [
                r for r in rows[writer.ACCOUNT_SNAPSHOTS.name] if r[0] not in dropped_accounts
            ],
            writer.AUDIENCE.name: [
                r for r in rows[writer.AUDIENCE.name] if r[0] not in dropped_accounts
            ],
            writer.POSTS.name: posts,
            writer.POST_SNAPSHOTS.name: [
                r for r in rows[writer.POST_SNAPSHOTS.name] if r[0] not in dropped_posts
            ],
            writer.COMMENTS.name: comments,
        }
    )
