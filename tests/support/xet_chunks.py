"""What a chunk-deduplicating store (the Hub's Xet) would have to upload: gear-hash content-defined chunks.

Xet cuts every file into chunks where a rolling gear hash of the last 64 bytes hits a mask (chunks of
8 to 128 KiB, 64 KiB on average) and stores each distinct chunk once; a new version costs the bytes of
the chunks it does not share with what is already stored. This reproduces that cut (with its own gear
table, so the chunks are not Xet's own but behave alike), vectorized with numpy.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np

TARGET = 64 * 1024
MIN_CHUNK, MAX_CHUNK = TARGET // 8, TARGET * 2
# A cut where the top 16 bits of the hash are zero: 1 in 65,536 positions. The top bits are the ones
# that depend on all of the last 64 bytes.
MASK_SHIFT = 64 - 16
GEAR = np.random.default_rng(0).integers(0, 2**64, size=256, dtype=np.uint64)


def chunk_bounds(data: bytes) -> list[int]:
    """The end offset of every chunk of `data`."""
    n = len(data)
    if n == 0:
        return []
    gear = GEAR[np.frombuffer(data, dtype=np.uint8)]
    # h[i] = sum over k < 64 of gear[i - k] << k (mod 2**64): the gear hash after byte i.
    h = np.zeros(n, dtype=np.uint64)
    for k in range(64):
        h[k:] += gear[: n - k] << np.uint64(k)
    candidates = np.flatnonzero((h >> np.uint64(MASK_SHIFT)) == 0) + 1  # a cut after byte i
    bounds, start = [], 0
    for end in candidates.tolist():
        while end - start > MAX_CHUNK:
            start += MAX_CHUNK
            bounds.append(start)
        if end - start >= MIN_CHUNK:
            bounds.append(end)
            start = end
    while n - start > MAX_CHUNK:
        start += MAX_CHUNK
        bounds.append(start)
    if start < n:
        bounds.append(n)
    return bounds


def chunks(data: bytes) -> list[tuple[str, int]]:
    """(digest, size) of each chunk of `data`."""
    out, start = [], 0
    for end in chunk_bounds(data):
        out.append((hashlib.blake2b(data[start:end], digest_size=16).hexdigest(), end - start))
        start = end
    return out


def reupload_fraction(old: Iterable[Path], new: Iterable[Path]) -> float:
    """Of the bytes of the files `new`, the share a store already holding the files `old` must receive."""
    stored = {digest for path in old for digest, _ in chunks(Path(path).read_bytes())}
    total = sent = 0
    for path in new:
        for digest, size in chunks(Path(path).read_bytes()):
            total += size
            if digest not in stored:
                stored.add(digest)  # sent once, even if the new files repeat it
                sent += size
    return sent / total if total else 0.0
