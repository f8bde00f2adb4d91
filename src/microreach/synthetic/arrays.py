"""Vectorised helpers the generator builds rows with: ids, times and weighted choices."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

US_PER_HOUR = 3_600_000_000
US_PER_DAY = 24 * US_PER_HOUR


def uuid_hexes(rng: np.random.Generator, count: int, prefix: bytes = b"") -> list[str]:
    """``count`` version-4 UUIDs as 32-digit hex strings, random after ``prefix``.

    A shared prefix per chunk keeps a bulk load's index inserts close together (the reason
    time-ordered UUIDs exist) instead of scattered over the whole index.
    """
    raw = rng.integers(0, 256, size=(count, 16), dtype=np.uint8)
    if prefix:
        raw[:, : len(prefix)] = np.frombuffer(prefix, dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    text = raw.tobytes().hex()
    return [text[i : i + 32] for i in range(0, 32 * count, 32)]


def timestamps(micros: NDArray[np.int64]) -> list[str]:
    """Epoch microseconds (UTC) as 'YYYY-MM-DD HH:MM:SS.ffffff', SQLAlchemy's SQLite form."""
    text = np.datetime_as_string(micros.astype("datetime64[us]"), unit="us")
    return [value.replace("T", " ") for value in text.tolist()]


def weighted_choice(
    rng: np.random.Generator, shares: Sequence[float], size: int
) -> NDArray[np.int64]:
    weights = np.asarray(shares, dtype=np.float64)
    return rng.choice(len(weights), size=size, p=weights / weights.sum())


def lognormal(
    rng: np.random.Generator, median: float | NDArray[np.float64], sigma: float, size: int
) -> NDArray[np.float64]:
    return np.asarray(median * np.exp(rng.normal(0.0, sigma, size)), dtype=np.float64)


def base36(value: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        value, rem = divmod(value, 36)
        out = digits[rem] + out
        if value == 0:
            return out
