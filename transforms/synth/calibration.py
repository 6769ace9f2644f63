"""A judge scored against people on a labelled sample: agreement, Cohen's kappa, position inconsistency and
length bias, before its labels are used (JudgeLM, MT-Bench's agreement study, TICK report these)."""

from __future__ import annotations

from transforms.agreement import agreement, cohen_kappa, confusion, spearman
from transforms.errors import TransformError

PREFERENCES = ("a", "b", "tie")


def read_labels(path: str, needed: list[str], label: str) -> list[dict]:
    """The labelled items of a JSONL file, each with an id, the judge's inputs and the label; a one-line
    error naming the first line that lacks one."""
    import json

    items = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError:
                raise TransformError(f"calibrate: {path} line {n} is not JSON") from None
            missing = [k for k in ("id", *needed, label) if k not in item]
            if missing:
                raise TransformError(f"calibrate: {path} line {n} has no {missing[0]!r} field")
            items.append(item)
    if not items:
        raise TransformError(f"calibrate: {path} holds no labelled items")
    return items


def score_report(items: list[dict], scores: dict[str, float], label: str, scale: list) -> dict:
    """A scoring judge's `scores` (by item id; missing: no valid verdict) against the items' human `label`
    on an ordinal `scale`: agreement, quadratic-weighted kappa, and score against response length."""
    judged = [i for i in items if i["id"] in scores]
    human = [i[label] for i in judged]
    judge = [scores[i["id"]] for i in judged]
    lengths = [len(str(i.get("response", ""))) for i in judged]
    labels = sorted(set(scale) | set(human) | set(judge))
    close = sum(abs(h - j) <= 1 for h, j in zip(human, judge, strict=True)) / max(len(judged), 1)
    return {"kind": "score", "items": len(items), "judged": len(judged),
            "agreement": _round(agreement(human, judge)), "within_one": _round(close),
            "kappa": _round(cohen_kappa(human, judge, labels, "quadratic")), "weights": "quadratic",
            "position_inconsistency_rate": None,
            "length_correlation": _round(spearman(lengths, judge)),
            "human_length_correlation": _round(spearman(lengths, human)),
            "judge_mean": _round(sum(judge) / max(len(judge), 1)),
            "human_mean": _round(sum(human) / max(len(human), 1)),
            "confusion": {"labels": labels, "counts": confusion(human, judge, labels).astype(int).tolist()},
            "points": [[n, h, j] for n, h, j in zip(lengths, human, judge, strict=True)]}


def pairwise_report(items: list[dict], comparisons: dict[str, dict], label: str) -> dict:
    """A pairwise judge's comparisons (by item id, each judged in both orders) against the items' human
    preference (a, b or tie): agreement, kappa, position inconsistency, and preference for the longer."""
    judged = [i for i in items if (comparisons.get(i["id"]) or {}).get("winner") is not None]
    human = [i[label] for i in judged]
    judge = [comparisons[i["id"]]["winner"] for i in judged]
    unknown = sorted(set(human) - set(PREFERENCES))
    if unknown:
        raise TransformError(f"calibrate: a preference is a, b or tie, not {unknown[0]!r}")
    inconsistent = sum(comparisons[i["id"]]["position_inconsistent"] for i in judged)
    longer = [len(str(i["response_a"])) - len(str(i["response_b"])) for i in judged]
    points = {"a": 1.0, "tie": 0.5, "b": 0.0}
    return {"kind": "pairwise", "items": len(items), "judged": len(judged),
            "agreement": _round(agreement(human, judge)), "within_one": None,
            "kappa": _round(cohen_kappa(human, judge, PREFERENCES)), "weights": None,
            "position_inconsistency_rate": _round(inconsistent / max(len(judged), 1)),
            "length_correlation": _round(spearman(longer, [points[j] for j in judge])),
            "human_length_correlation": _round(spearman(longer, [points[h] for h in human])),
            "judge_mean": None, "human_mean": None,
            "confusion": {"labels": list(PREFERENCES),
                          "counts": confusion(human, judge, PREFERENCES).astype(int).tolist()},
            "points": [[n, points[h], points[j]] for n, h, j in zip(longer, human, judge, strict=True)]}


def _round(value: float) -> float | None:
    return None if value != value else round(float(value), 4)  # nan (undefined) as None: JSON has no nan
