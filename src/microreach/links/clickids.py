"""Click ids: UUID version 7, so a click's id tells when it happened.

The id a redirect gives a click (and passes to the destination as `mr_cid`) holds the Unix
millisecond of the redirect in its top 48 bits and 74 random bits below. Two things follow:

- New ids sort after older ones, so a batch of clicks adds to the end of the primary-key
  index instead of touching one random page per click.
- The clicks of a time range are a range of ids: the rollup job reads an hour's clicks from
  the primary key (`id_range`), so the clicks table needs no index of its own on time.

The redirect reads the clock for the id a few microseconds after it reads `occurred_at`, so
the two can differ; `CLOCK_SLACK` widens every id range by far more than that, and the
readers still filter on `occurred_at` itself.
"""

from __future__ import annotations

import os
import time
import uuid
from datetime import datetime, timedelta

# Version 7 in bits 76-79, variant 0b10 in bits 62-63; RANDOM_MASK clears them in the 80 random
# bits below the timestamp.
UUID7_BITS = 0x7 << 76 | 0x2 << 62
RANDOM_MASK = (1 << 80) - 1 ^ (0xF << 76 | 0x3 << 62)
# How far a click's id time may be from its `occurred_at`, at most.
CLOCK_SLACK = timedelta(minutes=1)
# An enum member read through its class costs 0.2 µs on Python 3.11 (a descriptor call).
_SAFE_UNKNOWN = uuid.SafeUUID.unknown


def uuid_of_int(value: int) -> uuid.UUID:
    """`uuid.UUID(int=value)` for a value known to fit 128 bits, at a third of the cost (the
    constructor's argument checks): the same two attributes its `__init__` sets."""
    made = object.__new__(uuid.UUID)
    object.__setattr__(made, "int", value)
    object.__setattr__(made, "is_safe", _SAFE_UNKNOWN)
    return made


def id_floor(at: datetime) -> uuid.UUID:
    """The smallest id of a click whose id time is `at` or later (ids below it are earlier)."""
    return uuid_of_int(int(at.timestamp() * 1000) << 80)


def id_range(start: datetime, end: datetime) -> tuple[uuid.UUID, uuid.UUID]:
    """Ids [low, high) holding every click that occurred in [start, end), with CLOCK_SLACK
    on both sides (and maybe some clicks just outside it: filter on the time too)."""
    return id_floor(start - CLOCK_SLACK), id_floor(end + CLOCK_SLACK)


def click_id_at(at: datetime, random_bits: int | None = None) -> uuid.UUID:
    """A click id of the time `at`, for clicks built outside a redirect (the tests)."""
    bits = int.from_bytes(os.urandom(10)) if random_bits is None else random_bits
    return uuid_of_int(int(at.timestamp() * 1000) << 80 | bits & RANDOM_MASK | UUID7_BITS)


class ClickIds:
    """Time-ordered random ids (UUID version 7: 48 bits of Unix milliseconds, 74 random bits).

    74 random bits keep an id unguessable. The random bits are cut from one `os.urandom` read
    per 409 ids, not one read each.
    """

    POOL_BYTES = 4090

    def __init__(self) -> None:
        self._pool = b""
        self._at = 0
        # A forked child must not hand out the ids its parent already holds.
        os.register_at_fork(after_in_child=self.reset)

    def reset(self) -> None:
        self._pool, self._at = b"", 0

    def next(self) -> uuid.UUID:
        if self._at >= len(self._pool):
            self._pool, self._at = os.urandom(self.POOL_BYTES), 0
        random_bits = int.from_bytes(self._pool[self._at : self._at + 10])
        self._at += 10
        value = (time.time_ns() // 1_000_000) << 80 | random_bits & RANDOM_MASK
        return uuid_of_int(value | UUID7_BITS)
