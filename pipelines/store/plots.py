"""matplotlib plots for the dataset card where a judge was calibrated (charts.py draws the everyday ones)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402

# No creation time or version in the PNG: the same manifest draws the same bytes.
PNG_METADATA = {"Software": None}


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
