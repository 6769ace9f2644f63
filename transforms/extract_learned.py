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

import hashlib
import json
from collections import Counter
from functools import lru_cache
from pathlib import Path

import numpy as np

from transforms import extract_native
from transforms.errors import TransformError
from transforms.extract_blocks import FEATURES, KINDS, page_rows
from transforms.extract_vocab import ACTION, ACTION_WORDS, REPEAT_BELOW, REPEAT_WORDS

MODEL = Path(__file__).with_name("extract_model.json")
_ROW = KINDS.index("row")
_LI = KINDS.index("li")


CONTEXT = ["p", "p_prev", "p_prev2", "p_prev3", "p_next", "p_next2", "p_next3", "p_up1", "p_up2", "p_up3",
           "p_page_mean", "p_page_max", "p_group_mean", "log_group_size", "p_up0", "p_up1_max"]


def context(p: np.ndarray, chains: np.ndarray) -> np.ndarray:
    """The second stage's extra columns (CONTEXT): first-stage scores around each block. A model trained
    with fewer (the first 12, before the structural groups) reads only those."""
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
    # the block's structural group (the items of a list, the posts of a thread): decided together
    g = chains[:, 4]
    size = int(g.max()) + 1
    sums, count = np.bincount(g, p, size), np.bincount(g, None, size)
    cols += [sums[g] / count[g], np.log(count[g])]
    c = chains[:, 0]  # the block's own element (a div's text pieces)
    has = c >= 0
    at = np.where(has, c, 0)
    size = int(at.max()) + 1
    sums, count = np.bincount(at[has], p[has], size), np.bincount(at[has], None, size)
    cols.append(np.where(has, sums[at] / np.maximum(count[at], 1), p.mean()))
    c = chains[:, 1]  # the best-scored block of the container around it
    has = c >= 0
    at = np.where(has, c, 0)
    top = np.full(int(at.max()) + 1, -1.0)
    np.maximum.at(top, at[has], p[has])
    cols.append(np.where(has, top[at], p.max()))
    return np.stack(cols, 1)


class Trees:
    """Gradient-boosted trees over feature rows: the probability that each row is main content.

    Evaluated as QuickScorer does (Lucchese et al., SIGIR 2015), with no walk down the trees: every
    test of every tree is made at once, each outcome rules out the leaves on the side not taken (a
    bit mask per test and side), and the AND of a tree's masks leaves one bit, its exit leaf. That
    is a few array operations per stage instead of several per tree level.
    """

    def __init__(self, spec: dict):
        features, cuts, lefts, rights = spec["feature"], spec["cut"], spec["left"], spec["right"]
        trees = []  # per tree: its tests (feature, cut, mask if left, mask if right) and leaf values
        for t in range(len(features)):
            leaves: list[int] = []  # node numbers, left to right
            tests: list[tuple[int, int, list[int], list[int]]] = []

            def walk(j: int, t: int = t, leaves: list = leaves, tests: list = tests) -> list[int]:
                if lefts[t][j] == rights[t][j] == j:  # a leaf stays where it is
                    leaves.append(j)
                    return [len(leaves) - 1]
                left, right = walk(lefts[t][j]), walk(rights[t][j])
                tests.append((features[t][j], cuts[t][j], left, right))
                return left + right

            walk(0)
            trees.append((tests, [spec["value"][t][j] for j in leaves]))
        n_leaves = max(len(values) for _, values in trees)
        if n_leaves > 64:
            raise TransformError(f"extract: a tree of the learned model has {n_leaves} leaves, more than 64")
        self.dtype = next(d for d in (np.uint16, np.uint32, np.uint64) if np.iinfo(d).bits >= n_leaves)
        every = (1 << n_leaves) - 1
        width = max(len(tests) for tests, _ in trees)
        # a padding test is never true (x > inf) and rules nothing out
        feature, cut = np.zeros((len(trees), width), np.intp), np.full((len(trees), width), np.inf)
        if_left, if_right = np.full((2, len(trees), width), every, np.uint64)
        value = np.zeros((len(trees), n_leaves))
        for t, (tests, values) in enumerate(trees):
            for k, (f, c, left, right) in enumerate(tests):
                feature[t, k], cut[t, k] = f, c
                if_left[t, k] = every & ~sum(1 << leaf for leaf in right)
                if_right[t, k] = every & ~sum(1 << leaf for leaf in left)
            value[t, : len(values)] = values
        self.shape = (len(trees), width)
        # rows are float32: x > cut exactly when x > the largest float32 not above cut
        cut32 = cut.astype(np.float32)
        cut32 = np.where(cut32 > cut, np.nextafter(cut32, np.float32(-np.inf)), cut32)
        self.feature, self.cut = feature.ravel(), cut32.reshape(-1, 1)
        # tests as rows, blocks as columns: each gather and each AND runs over contiguous memory
        self.if_left = if_left.astype(self.dtype).reshape(-1, 1)
        self.flip = (if_left ^ if_right).astype(self.dtype).reshape(-1, 1)
        self.value = value.ravel()
        self.offset = (np.arange(len(trees)) * n_leaves)[:, None]
        self.baseline = spec["baseline"]

    def proba(self, rows: np.ndarray) -> np.ndarray:
        """P(main content) of each row (float32 feature rows)."""
        if not len(rows):
            return np.zeros(0)
        n = len(rows)
        right = np.ascontiguousarray(np.asarray(rows, np.float32).T).take(self.feature, axis=0) > self.cut
        masks = self.if_left ^ (right * self.flip)  # the mask of the side each test took
        exits = np.bitwise_and.reduce(masks.reshape(*self.shape, n), axis=1)
        leaf = np.frexp(exits.astype(np.float64))[1] - 1  # the one bit left: 2**leaf
        raw = self.baseline + self.value[leaf + self.offset].sum(0)
        return 1.0 / (1.0 + np.exp(-raw))


class BlockModel:
    """The two stages: P(main content) of each block of a page."""

    def __init__(self, spec: dict):
        # a model trained on other features would score nonsense; one trained on the first columns of
        # today's (features added since are appended) reads those columns only
        self.n_features = len(spec["features"])
        if spec["features"] != FEATURES[: self.n_features]:
            raise TransformError("extract: the learned model was trained on other block features; retrain it "
                                 "with bench/train_extractor.py")
        self.stages = [Trees(stage) for stage in spec["stages"]]
        self.threshold = spec["threshold"]
        # the same trees in C, walked block by block: a page's few hundred blocks cost less than the
        # hundred numpy calls of the stages above
        self.native = extract_native.model(spec, self.n_features) if extract_native.AVAILABLE else None

    def proba(self, rows: np.ndarray, chains: np.ndarray, native: bool | None = None) -> np.ndarray:
        rows = rows[:, : self.n_features]
        if self.native is not None and native is not False:
            return extract_native.score(self.native, rows, chains)
        p = self.stages[0].proba(rows)
        for stage in self.stages[1:]:
            p = stage.proba(np.hstack([rows, context(p, chains)]).astype(np.float32))
        return p


@lru_cache(maxsize=4)
def model_identity(path: str) -> dict:
    """The model file's name, sha256 and threshold: what a version's manifest names it by."""
    try:
        data = Path(path).read_bytes()
        spec = json.loads(data)
    except (OSError, ValueError) as e:
        raise TransformError(f"extract: cannot read the learned model {path}: {e}") from e
    return {"file": Path(path).name, "sha256": hashlib.sha256(data).hexdigest(),
            "features": len(spec.get("features", ())), "threshold": spec.get("threshold")}


@lru_cache(maxsize=4)
def load_model(path: str) -> BlockModel:
    try:
        return BlockModel(json.loads(Path(path).read_text()))
    except (OSError, ValueError, KeyError) as e:
        raise TransformError(f"extract: cannot load the learned model {path}: {e}") from e


def learned_text(html: str, model_path: str, threshold: float | None = None, max_nodes: int = 100_000,
                 native: bool | None = None) -> str:
    """The kept blocks of the page, one per line; "" when none is kept (native: the C walk, rows and
    trees; None: them where they are built)."""
    texts, rows, chains = page_rows(html, max_nodes, native)
    if not texts:
        return ""
    model = load_model(model_path)
    p = model.proba(rows, chains, native)
    keep = furniture(tidy(p >= (model.threshold if threshold is None else threshold), rows, chains), texts, p)
    return "\n".join(text for text, k in zip(texts, keep, strict=True) if k)


_COL = {name: i for i, name in enumerate(FEATURES)}
_TABLE = [_COL["kind=row"], _COL["kind=pre"]]
_HEADING = [_COL["kind=h1"], _COL["kind=h2"], _COL["kind=h3"]]
_SIDE = [_COL["in_aside"], _COL["in_nav"], _COL["in_footer"], _COL["words_side"]]


def tidy(keep: np.ndarray, rows: np.ndarray, chains: np.ndarray) -> np.ndarray:
    """Two rules of a reader after the trees (each measured neutral or better on wcxb-dev's tuning half,
    bench/README.md): a table row or code block whose nearest other blocks before and after are kept is
    part of that text; a heading in a sidebar, menu or footer stays only if some other kept block shares
    its container (the title of a list of other stories whose items went), unless it is all the page
    keeps."""
    n = len(keep)
    at = np.arange(n)
    table = rows[:, _TABLE].sum(1) > 0
    if table.any():
        before = np.concatenate([[-1], np.maximum.accumulate(np.where(table, -1, at))[:-1]])
        after = np.concatenate([np.minimum.accumulate(np.where(table, n, at)[::-1])[::-1][1:], [n]])
        keep = keep | (table & (before >= 0) & keep[np.maximum(before, 0)] & (after < n)
                       & keep[np.minimum(after, n - 1)])
    heading = keep & (rows[:, _HEADING].sum(1) > 0) & (rows[:, _SIDE].sum(1) > 0) & (chains[:, 1] >= 0)
    if heading.any():
        inside = chains[:, 1:4]
        size = int(inside.max()) + 1
        everyone = np.bincount(inside[inside >= 0], None, size)
        kept = inside[keep & (rows[:, _HEADING].sum(1) == 0)]
        kept_text = np.bincount(kept[kept >= 0], None, size)
        c = chains[:, 1]
        alone = heading & (everyone[np.maximum(c, 0)] > 1) & (kept_text[np.maximum(c, 0)] == 0)
        if (keep & ~alone).any():  # a rule never empties a page
            keep = keep & ~alone
    return keep


def furniture(keep: np.ndarray, texts: list[str], p: np.ndarray) -> np.ndarray:
    """The site's own lines among the kept blocks (measured on wcxb-dev's tuning half, bench/README.md): a
    short call to action or label (transforms/extract_vocab.py: ACTION), and a short line the page says
    twice or more (a button, a per-post label) unless the trees are sure of it. Never empties a page."""
    said = Counter(texts)  # hashing every block's text is cheap; the rest looks at kept blocks only
    drop = []
    for i in np.flatnonzero(keep).tolist():
        text = texts[i]
        if len(text) > 40 * ACTION_WORDS:  # far more than 16 words
            continue
        n = len(text.split())
        if (n <= REPEAT_WORDS and said[text] >= 2 and p[i] < REPEAT_BELOW) or (
                n <= ACTION_WORDS and ACTION.search(text.lower())):
            drop.append(i)
    if not drop or len(drop) == int(keep.sum()):
        return keep
    keep = keep.copy()
    keep[drop] = False
    return keep
