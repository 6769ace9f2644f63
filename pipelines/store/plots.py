"""PNG plots for the dataset card: the stage funnel and the quality-score histogram."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402

# No creation time or version in the PNG: the same manifest draws the same bytes.
PNG_METADATA = {"Software": None}


def funnel_png(manifest: dict, path: Path) -> Path:
    """Documents kept and dropped at each stage, one horizontal bar per stage."""
    stages = manifest["stages"]
    names = [s["name"] for s in stages][::-1]
    kept = [s["out"] for s in stages][::-1]
    dropped = [s["in"] - s["out"] for s in stages][::-1]
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(stages) + 1.2))
    ax.barh(names, kept, color="#4c72b0", label="kept")
    ax.barh(names, dropped, left=kept, color="#dd8452", label="dropped")
    ax.set_xlabel("documents")
    ax.set_title(f"{manifest['dataset']} {manifest['version']}: documents per stage")
    ax.legend(loc="lower right")
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
