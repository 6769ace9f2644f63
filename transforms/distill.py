"""Classifier distillation (FineWeb-Edu): a deterministic sample of documents, and their ratings as labels."""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterable, Iterator


def sample_key(doc_id: str, seed: int) -> int:
    """A document's place in the sample order: a keyed hash of its id, so the sample is the same however
    the documents are split into tasks or ordered, and another seed draws another sample."""
    digest = hashlib.blake2b(doc_id.encode(), digest_size=8, key=str(seed).encode()).digest()
    return int.from_bytes(digest)


def smallest(items: Iterable[tuple[int, str, dict]], n: int) -> list[tuple[int, str, dict]]:
    """The n items of smallest (key, id), in that order: a uniform sample of n when keys are hashes."""
    return heapq.nsmallest(n, items, key=lambda item: (item[0], item[1]))


def ratings_by_document(rows: Iterable[dict], field: str = "score") -> Iterator[tuple[str, dict, float]]:
    """(document id, its first row, its mean rating) for rows in source order; several samples of one
    document are averaged, as FineWeb-Edu's classifier target is one score per page."""
    current, first, scores = None, None, []
    for row in rows:
        if row["source_id"] != current:
            if current is not None:
                yield current, first, sum(scores) / len(scores)
            current, first, scores = row["source_id"], row, []
        scores.append(float(row[field]))
    if current is not None:
        yield current, first, sum(scores) / len(scores)


def distribution(scores: Iterable[float], low: int = 0, high: int = 5) -> dict[str, int]:
    """How many documents got each rating (a mean of several samples rounded half up), every point shown."""
    counts = {str(k): 0 for k in range(low, high + 1)}
    for score in scores:
        key = str(min(high, max(low, int(score + 0.5))))
        counts[key] += 1
    return counts
