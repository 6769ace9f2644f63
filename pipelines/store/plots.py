"""PNG plots for the dataset card: the stage funnel and the quality-score histogram."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402

# No creation time or version in the PNG: the same manifest draws the same bytes.
PNG_METADATA = {"Software": None}


def funnel_png(manifest: dict, path: Path) -> Path:
    """Documents and words kept and dropped at each stage, the drops stacked by reason."""
    stages = manifest["stages"][::-1]
    names = [s["name"] for s in stages]
    panels = [("documents", "out", "dropped"), ("words", "words_out", "words_dropped")]
    fig, axes = plt.subplots(1, 2, figsize=(12, 0.45 * len(stages) + 1.6), sharey=True)
    for ax, (unit, kept_key, dropped_key) in zip(axes, panels, strict=True):
        kept = [s.get(kept_key, 0) for s in stages]
        widest = max(k + sum(s.get(dropped_key, {}).values()) for k, s in zip(kept, stages, strict=True))
        ax.barh(names, kept, color="#4c72b0", label="kept")
        left = list(kept)
        for stage_i, stage in enumerate(stages):
            for reason, n in stage.get(dropped_key, {}).items():
                ax.barh(names[stage_i], n, left=left[stage_i], color="#dd8452", edgecolor="white")
                if n > 0.1 * widest:  # name the segments wide enough to hold a label
                    ax.text(left[stage_i] + n / 2, stage_i, reason, ha="center", va="center", fontsize=6)
                left[stage_i] += n
        ax.set_xlabel(unit if unit == "documents" else "words (whitespace tokens)")
        ax.set_title(f"{unit}: kept (blue) and dropped by reason (orange)")
    fig.suptitle(f"{manifest['dataset']} {manifest['version']}: stage funnel")
    fig.tight_layout()
    fig.savefig(path, metadata=PNG_METADATA)
    plt.close(fig)
    return path


def scores_png(scores: dict, path: Path) -> Path:
    """Histogram of quality scores with the keep threshold marked."""
    edges, counts = scores["edges"], scores["counts"]
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.bar(edges[:-1], counts, width=[b - a for a, b in zip(edges, edges[1:], strict=False)],
           align="edge", color="#4c72b0", edgecolor="white")
    if scores.get("threshold") is not None:
        ax.axvline(scores["threshold"], color="#c44e52", linestyle="--",
                   label=f"threshold {scores['threshold']:.4f}")
        ax.legend(loc="upper left")
    ax.set_xlabel("quality score")
    ax.set_ylabel("documents")
    ax.set_title("Quality scores")
    fig.tight_layout()
    fig.savefig(path, metadata=PNG_METADATA)
    plt.close(fig)
    return path


def calibration_png(report: dict, path: Path) -> Path:
    """A judge against people on a labelled sample: the confusion matrix, and both verdicts by length."""
    labels, counts = report["confusion"]["labels"], report["confusion"]["counts"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    left.imshow(counts, cmap="Blues")
    left.set_xticks(range(len(labels)), [str(x) for x in labels])
    left.set_yticks(range(len(labels)), [str(x) for x in labels])
    for i, row in enumerate(counts):
        for j, n in enumerate(row):
            if n:
                left.text(j, i, str(n), ha="center", va="center", fontsize=7)
    left.set_xlabel("judge")
    left.set_ylabel("people")
    left.set_title(f"agreement {report['agreement']}, kappa {report['kappa']}")
    points = report["points"]
    lengths = [p[0] for p in points]
    right.scatter(lengths, [p[1] for p in points], color="#4c72b0", label="people", alpha=0.7)
    right.scatter(lengths, [p[2] for p in points], color="#dd8452", label="judge", marker="x")
    pairwise = report["kind"] == "pairwise"
    right.set_xlabel("first response's lead in length (characters)" if pairwise
                     else "response length (characters)")
    right.set_ylabel("preference for the first (1 a, 0.5 tie, 0 b)" if pairwise else "score")
    right.set_title(f"length bias: judge {report['length_correlation']}, "
                    f"people {report['human_length_correlation']}")
    right.legend(loc="best")
    fig.tight_layout()
    fig.savefig(path, metadata=PNG_METADATA)
    plt.close(fig)
    return path
