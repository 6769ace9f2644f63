"""Bradley-Terry strengths from pairwise outcomes (Hunter's MM algorithm), with bootstrap intervals, as
Chatbot Arena and HelpSteer2-Preference rank responses from pairwise votes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# An outcome: (source a, source b, score of a), the score 1 (a won), 0 (b won) or 0.5 (a tie).
Outcome = tuple[str, str, float]


def _wins(a: np.ndarray, b: np.ndarray, score: np.ndarray, k: int) -> np.ndarray:
    """Wins of i over j among outcomes given as index arrays, ties half to each, as a k x k matrix."""
    wins = np.zeros((k, k))
    np.add.at(wins, (a, b), score)
    np.add.at(wins, (b, a), 1 - score)
    return wins


def fit(wins: np.ndarray, prior: float = 1.0, tol: float = 1e-10, max_iter: int = 10_000) -> np.ndarray:
    """Strengths p (summing to 1) that maximise the likelihood of `wins` under P(i beats j) = p_i/(p_i+p_j).

    `prior` adds that many virtual comparisons between every two sources, a tie each: a source that never
    won (or never lost) keeps a finite strength, and sources never compared directly stay connected.
    """
    k = len(wins)
    wins = wins + prior / 2 * (1 - np.eye(k))
    games = wins + wins.T
    total = wins.sum(axis=1)
    p = np.full(k, 1 / k)
    for _ in range(max_iter):  # MM (Hunter 2004): p_i <- W_i / sum_j n_ij / (p_i + p_j)
        denom = (games / (p[:, None] + p[None, :])).sum(axis=1)
        new = np.where(denom > 0, total / np.where(denom > 0, denom, 1), 0)
        new /= new.sum()
        if np.max(np.abs(new - p)) < tol:
            return new
        p = new
    return p


def strengths(outcomes: Sequence[Outcome], rounds: int = 1000, seed: int = 0, prior: float = 1.0,
              level: float = 0.95) -> list[dict]:
    """Per source: strength, Elo-scale rating, a bootstrap interval of each (outcomes resampled with
    replacement, `rounds` times), and its wins, losses and ties; strongest first."""
    sources = sorted({s for a, b, _ in outcomes for s in (a, b)})
    if not sources:
        return []
    index = {s: i for i, s in enumerate(sources)}
    ai = np.array([index[a] for a, _, _ in outcomes])
    bi = np.array([index[b] for _, b, _ in outcomes])
    score = np.array([s for *_, s in outcomes], dtype=float)
    k = len(sources)
    p = fit(_wins(ai, bi, score, k), prior)
    rng = np.random.default_rng(seed)
    samples = np.empty((rounds, k))
    for r in range(rounds):  # Chatbot Arena's bootstrap: the outcomes resampled with replacement
        drawn = rng.integers(0, len(outcomes), len(outcomes))
        samples[r] = fit(_wins(ai[drawn], bi[drawn], score[drawn], k), prior)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(samples, [tail, 100 - tail], axis=0)
    table = []
    for i, source in enumerate(sources):
        decided = [(a, b, s) for a, b, s in outcomes if source in (a, b)]
        won = sum(1 for a, b, s in decided if s != 0.5 and (s == 1) == (a == source))
        ties = sum(1 for *_, s in decided if s == 0.5)
        table.append({"source": source, "strength": round(float(p[i]), 4),
                      "low": round(float(low[i]), 4), "high": round(float(high[i]), 4),
                      "rating": round(rating(p, i), 1), "rating_low": round(rating(low, i, p), 1),
                      "rating_high": round(rating(high, i, p), 1),
                      "comparisons": len(decided), "wins": won, "losses": len(decided) - won - ties,
                      "ties": ties})
    return sorted(table, key=lambda row: -row["strength"])


def rating(p: np.ndarray, i: int, reference: np.ndarray | None = None) -> float:
    """Source i's strength on Chatbot Arena's Elo scale: 400 log10, the sources' geometric mean at 1000."""
    ref = p if reference is None else reference
    mean = np.exp(np.mean(np.log(np.maximum(ref, 1e-12))))
    return float(1000 + 400 * np.log10(max(p[i], 1e-12) / mean))
