"""How far a judge agrees with people: raw agreement, Cohen's kappa (quadratic-weighted for ordinal
scores, as JudgeLM and the MT-Bench human-agreement study compare judges), and correlations."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def agreement(a: Sequence, b: Sequence) -> float:
    """The share of items given the same label by both."""
    return float(np.mean([x == y for x, y in zip(a, b, strict=True)])) if len(a) else float("nan")


def confusion(a: Sequence, b: Sequence, labels: Sequence) -> np.ndarray:
    """Counts of (label of a, label of b), rows a's labels in `labels` order."""
    index = {label: i for i, label in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels)))
    for x, y in zip(a, b, strict=True):
        matrix[index[x], index[y]] += 1
    return matrix


def cohen_kappa(a: Sequence, b: Sequence, labels: Sequence, weights: str | None = None) -> float:
    """Cohen's kappa of two raters over `labels` (in order); weights "quadratic" for ordinal labels
    (disagreements cost the squared distance between ranks), "linear", or None (nominal)."""
    observed = confusion(a, b, labels)
    total = observed.sum()
    if total == 0:
        return float("nan")
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / total
    k = len(labels)
    ranks = np.arange(k)
    distance = np.abs(ranks[:, None] - ranks[None, :]).astype(float)
    cost = {None: (distance > 0).astype(float), "linear": distance, "quadratic": distance**2}[weights]
    chance = (cost * expected).sum()
    if chance == 0:  # both raters gave one and the same label throughout: agreement is not chance's
        return 1.0 if (cost * observed).sum() == 0 else float("nan")
    return float(1 - (cost * observed).sum() / chance)


def pearson(x: Sequence[float], y: Sequence[float]) -> float:
    """Pearson's correlation; nan where either is constant or there are fewer than 3 items."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(x) < 3 or x.std() == 0 or y.std() == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman's rank correlation (ties at their mean rank)."""
    return pearson(_ranks(x), _ranks(y))


def _ranks(values: Sequence[float]) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values), dtype=float)
    for value in np.unique(values):  # ties share their mean rank
        same = values == value
        ranks[same] = ranks[same].mean()
    return ranks
