"""Thresholds over a whole run's scores, found in bounded memory."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import numpy as np

BINS = 1 << 16


def top_fraction_threshold(chunks: Callable[[], Iterable[np.ndarray]], fraction: float) -> float:
    """The lowest score among the top `fraction` of all scores in [0, 1] (the k-th largest).

    Two passes over the scores: a fixed histogram finds the bin holding the k-th largest, then
    only that bin's scores are kept and sorted, so memory does not grow with the corpus.
    """
    counts = np.zeros(BINS, dtype=np.int64)
    for chunk in chunks():
        counts += np.bincount(_bins(chunk), minlength=BINS)
    total = int(counts.sum())
    if total == 0:
        return math.inf
    k = max(1, math.ceil(fraction * total))
    from_top = np.cumsum(counts[::-1])
    rank = int(np.searchsorted(from_top, k))  # bins counted from the top until k scores
    b = BINS - 1 - rank
    above = int(from_top[rank - 1]) if rank > 0 else 0
    in_bin = np.concatenate([c[_bins(c) == b] for c in chunks()] or [np.empty(0, np.float32)])
    return float(np.sort(in_bin)[::-1][k - above - 1])


def _bins(scores: np.ndarray) -> np.ndarray:
    return np.clip((scores.astype(np.float64) * BINS).astype(np.int64), 0, BINS - 1)


def histogram(chunks: Iterable[np.ndarray], bins: int = 20) -> dict:
    """Counts of scores in `bins` equal bins over [0, 1], for plots and cards."""
    counts = np.zeros(bins, dtype=np.int64)
    for chunk in chunks:
        counts += np.histogram(chunk, bins=bins, range=(0.0, 1.0))[0]
    return {"edges": np.linspace(0, 1, bins + 1).round(6).tolist(), "counts": counts.tolist()}
