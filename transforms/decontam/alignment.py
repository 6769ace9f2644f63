"""How much of a benchmark text a document holds, from the text's n-grams hit there: the overlap tier's
score."""

from __future__ import annotations

import numpy as np


def covered_share(item: np.ndarray, grams: np.ndarray, weights: np.ndarray, at: np.ndarray, key: np.ndarray,
                  key_weight: np.ndarray, doc: np.ndarray, n: int, threshold: float,
                  partial: float) -> tuple[float, int, int]:
    """The weighted share of a text's tokens found in place in its best window of a document, and the
    document tokens of the hits there (first, end).

    `item` is the text's token values, `grams` its n-grams' keys, `weights` its tokens'; `at` and `key` the
    document's n-gram hits (positions ascending) and their keys, `key_weight` each key's weight, `doc` the
    document's token values. A token is found when an n-gram of the text hit there covers it, or when the
    document has it at its place in the alignment (document position minus text position) of a hit: a word
    substituted every ten leaves gaps shorter than n that no n-gram covers, but the words in them are the
    item's, where the item has them. A partial copy (at least `partial` of the text's weight found in one
    alignment) scores as the threshold at least.
    """
    keep = np.isin(key, grams)
    positions, keys = at[keep], key[keep]
    # The window of twice the text's length holding the most weight of hits (positions ascend): not the
    # most hits, which can be stop-grams elsewhere in the document (a table of numbers).
    ends = np.searchsorted(positions, positions + 2 * len(item))
    held = np.concatenate([[0.0], np.cumsum(key_weight[keys] + 1e-6)])
    best = int(np.argmax(held[ends] - held[:-1]))
    positions, keys = positions[best:ends[best]], keys[best:ends[best]]
    present = np.isin(grams, keys)
    covered = np.convolve(present.astype(np.int32), np.ones(n, dtype=np.int32))[:len(item)] > 0
    # Each hit's place in the text (a repeated n-gram: its first), and so its alignment.
    order = np.argsort(grams, kind="stable")
    place = order[np.searchsorted(grams, keys, sorter=order)]
    shift = positions - place
    total, in_place = float(weights.sum()), 0.0
    every = np.arange(len(item))
    for offset in np.unique(shift).tolist():
        span = every[max(0, -offset):max(0, min(len(item), len(doc) - offset))]
        same = span[item[span] == doc[span + offset]]
        covered[same] = True
        in_place = max(in_place, float(weights[same].sum()))
    share = float(weights[covered].sum()) / total
    span = int(positions.min()), int(positions.max()) + n  # the document tokens of the hits
    return (max(share, threshold) if in_place / total >= partial else share), *span
