"""A judge scored against people on a labelled sample: agreement, Cohen's kappa, position inconsistency and
length bias, before its labels are used (JudgeLM, MT-Bench's agreement study, TICK report these)."""

from __future__ import annotations

from collections.abc import Callable

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


def calibrate(task, labels: str, label: str | None, field: str,
              generate: Callable[[list[dict], object, str], list[dict]]) -> dict:
    """The judge `task` on the labelled items of `labels` (same model, sampling and template as its real work,
    through `generate(records, task, output)`, which returns that output's records) against the people's
    `label`; the report, with no threshold applied."""
    import copy

    label = label or ("preference" if task.graph == "pairwise" else "score")
    items = read_labels(labels, list(task.inputs), label)
    ided = [i | {"id": str(i["id"])} for i in items]
    if task.graph == "pairwise":
        pairs = [{"id": str(i["id"]), "pair": 0, "prompt": i["prompt"], "response_a": i["response_a"],
                  "response_b": i["response_b"], "source_a": "a", "source_b": "b", "sample_a": 0,
                  "sample_b": 0} for i in items]
        # The sources are named "a" and "b": a comparison's winner is the pair's own a, b or tie.
        found = {c["source_id"]: c for c in generate(pairs, task, "comparisons")}
        report = pairwise_report(ided, found, label)
    else:
        judge = copy.copy(task)
        judge.checks = []  # every score is compared, the ones a threshold would drop too
        records = [{"id": str(i["id"]), **{k: i[k] for k in task.inputs}} for i in items]
        scores = {r["source_id"]: r[field] for r in generate(records, judge, "rows") if r["sample"] == 0}
        prop = task.schema["properties"][field]
        scale = list(range(int(prop["minimum"]), int(prop["maximum"]) + 1)) \
            if prop.get("type") == "integer" and "minimum" in prop and "maximum" in prop else []
        report = score_report(ided, scores, label, scale)
    return report | {"label": label}


def check_calibration(definition, labels: str, label: str | None, field: str) -> None:
    """A labelled sample that exists and has the judge's inputs and the label; a scoring judge's field."""
    from pathlib import Path

    if not Path(labels).is_file():
        raise TransformError(f"calibrate.labels: {labels} does not exist")
    if definition.graph == "pairwise":
        label = label or "preference"
    else:
        label = label or "score"
        if field not in definition.output_schema.get("properties", {}):
            raise TransformError(f"calibrate.field: {field!r} is not a field of {definition.name}'s "
                                 "output: calibration compares a judge's score with a person's")
    read_labels(labels, definition.inputs, label)
