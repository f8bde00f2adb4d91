"""Content vectors for lookalikes: hashed, sublinear term counts of a creator's words, projected
to CONTENT_DIMENSIONS signed buckets and L2-normalised, stored as float16 bytes.

Feature hashing needs no vocabulary, no fitted state and no download, so every process (the
indexer, the web app) computes the same vector for the same text; collisions in 128 signed
buckets add a little noise to the cosine, which is one of three parts of the lookalike score.
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

CONTENT_DIMENSIONS = 128
# Words too common to say anything about content (after the search tokenizer).
_STOP = (
    "a an and are as at be but by for from has have i in is it its me my of on or our so that "
    "the this to up was we what which with you your all new one out just more can will do get "
    "how who why when there their they them here im dm link bio use code off"
)
STOP_WORDS = frozenset(_STOP.split(" "))

Vector = npt.NDArray[np.float32]


@functools.lru_cache(maxsize=1 << 16)
def _bucket(word: str) -> tuple[int, float]:
    digest = hashlib.blake2b(word.encode(), digest_size=4).digest()
    value = int.from_bytes(digest, "little")
    return value % CONTENT_DIMENSIONS, 1.0 if value & 0x80000000 else -1.0


def content_vector(words: Sequence[str], hashtags: Sequence[str] = ()) -> Vector:
    """The unit vector of ``words`` (search words) with hashtags counted twice; zeros if empty."""
    counts = Counter(w for w in words if w not in STOP_WORDS and len(w) > 1)
    for tag in hashtags:
        counts[tag] += 1
    vector = np.zeros(CONTENT_DIMENSIONS, dtype=np.float32)
    for word, count in counts.items():
        index, sign = _bucket(word)
        vector[index] += sign * (1.0 + math.log(count))
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


def to_bytes(vector: Vector) -> bytes:
    return vector.astype(np.float16).tobytes()


def from_bytes(data: bytes) -> Vector:
    if not data:
        return np.zeros(CONTENT_DIMENSIONS, dtype=np.float32)
    return np.frombuffer(data, dtype=np.float16).astype(np.float32)
