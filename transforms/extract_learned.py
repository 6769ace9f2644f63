"""The learned extraction backend: the blocks of transforms/extract_blocks.py, scored by shipped trees.

    learned_text(html, model_path, threshold=None, max_nodes=100_000) -> str

The model (extract_model.json, written by bench/train_extractor.py) is two stages of gradient-boosted
trees as padded arrays. The first scores each block from its own features; the second sees those
scores around it too (its neighbours', its containers' mean, the page's), which is how a reader
decides: a short line among kept paragraphs is content, the same line in a column of links is not.
The trees are walked for all blocks and all trees at once with numpy, so scoring a page costs a few
array operations per tree level, and no scikit-learn is needed at run time.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

from transforms.errors import TransformError
from transforms.extract_blocks import FEATURES, KINDS, page_blocks

MODEL = Path(__file__).with_name("extract_model.json")
_ROW = KINDS.index("row")
_LI = KINDS.index("li")


CONTEXT = ["p", "p_prev", "p_prev2", "p_prev3", "p_next", "p_next2", "p_next3", "p_up1", "p_up2", "p_up3",
           "p_page_mean", "p_page_max"]


def context(p: np.ndarray, chains: np.ndarray) -> np.ndarray:
    """The second stage's extra columns (CONTEXT): first-stage scores around each block."""
    n = len(p)
    cols = [p]
    for by in (1, 2, 3, -1, -2, -3):
        shifted = np.zeros(n)
        if by > 0:
            shifted[by:] = p[:-by]
        else:
            shifted[:by] = p[-by:]
        cols.append(shifted)
    for level in (1, 2, 3):
        c = chains[:, level]
        has = c >= 0
        at = np.where(has, c, 0)
        size = int(at.max()) + 1
        sums, count = np.bincount(at[has], p[has], size), np.bincount(at[has], None, size)
        cols.append(np.where(has, sums[at] / np.maximum(count[at], 1), p.mean()))
    cols.append(np.full(n, p.mean()))
    cols.append(np.full(n, p.max()))
    return np.stack(cols, 1)


class Trees:
    """Gradient-boosted trees over feature rows: the probability that each row is main content."""

    def __init__(self, spec: dict):
        feature = np.asarray(spec["feature"], np.intp)
        n_trees, width = feature.shape
        # flat arrays, a tree's nodes at tree * width: one 1-D gather per array and level, which is
        # several times faster than 2-D indexing; children as pairs, so the branch is an index too
        self.width = width
        self.feature = feature.ravel()
        self.cut = np.asarray(spec["cut"], np.float64).ravel()  # cuts lie between float32 values
        offset = (np.arange(n_trees) * width)[:, None]
        left = np.asarray(spec["left"], np.intp) + offset
        right = np.asarray(spec["right"], np.intp) + offset
        self.children = np.stack([left.ravel(), right.ravel()], 1).ravel()  # [2 * node + go right]
        self.value = np.asarray(spec["value"], np.float64).ravel()
        self.roots = offset.ravel()
        self.baseline = spec["baseline"]
        self.depth = spec["depth"]

    def proba(self, rows: np.ndarray) -> np.ndarray:
        """P(main content) of each row."""
        if not len(rows):
            return np.zeros(0)
        n, width = rows.shape
        flat = np.ascontiguousarray(rows, np.float64).ravel()
        node = np.broadcast_to(self.roots, (n, len(self.roots))).copy()
        base = (np.arange(n) * width)[:, None]
        for _ in range(self.depth):
            right = flat[base + self.feature[node]] > self.cut[node]
            node = self.children[2 * node + right]
        raw = self.baseline + self.value[node].sum(1)
        return 1.0 / (1.0 + np.exp(-raw))


class BlockModel:
    """The two stages: P(main content) of each block of a page."""

    def __init__(self, spec: dict):
        if spec["features"] != FEATURES:  # a model trained on other features would score nonsense
            raise TransformError("extract: the learned model was trained on other block features; retrain it "
                                 "with bench/train_extractor.py")
        self.stages = [Trees(stage) for stage in spec["stages"]]
        self.threshold = spec["threshold"]

    def proba(self, rows: np.ndarray, chains: np.ndarray) -> np.ndarray:
        p = self.stages[0].proba(rows)
        for stage in self.stages[1:]:
            p = stage.proba(np.hstack([rows, context(p, chains)]).astype(np.float32))
        return p


@lru_cache(maxsize=4)
def load_model(path: str) -> BlockModel:
    try:
        return BlockModel(json.loads(Path(path).read_text()))
    except (OSError, ValueError, KeyError) as e:
        raise TransformError(f"extract: cannot load the learned model {path}: {e}") from e


def learned_text(html: str, model_path: str, threshold: float | None = None, max_nodes: int = 100_000) -> str:
    """The kept blocks of the page, one per line; "" when none is kept."""
    page = page_blocks(html, max_nodes)
    if not page.blocks:
        return ""
    model = load_model(model_path)
    keep = model.proba(page.rows, page.chains) >= (model.threshold if threshold is None else threshold)
    return "\n".join(b.text for b, k in zip(page.blocks, keep, strict=True) if k)
