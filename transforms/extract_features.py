"""A page's blocks as rows of numbers, in Python with numpy: the reference the C version (transforms/
extract_c/features.c) is checked against, and what runs where that extension is not built.

    rows(blocks, jsonld_bits, title, page_bits) -> (float32 rows, named by extract_vocab.FEATURES;
                                                    where each block sits: CHAIN_COLUMNS ids)
"""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np

from transforms.extract_vocab import (
    ANCESTOR_TAGS,
    CHAIN_COLUMNS,
    FEATURES,
    JSONLD_TYPES,
    KINDS,
    PAGE_FACTS,
    SECTIONS,
    SENTENCE_END,
    WORD_GROUPS,
    Block,
)

_PUNCT = re.compile(r"[.,;:!?]")  # one C pass; six str.count cost 40% more, a Python loop far more
_DIGIT = re.compile(r"\d")  # over a block's first 200 characters


def _bits(values: list[int], n: int) -> np.ndarray:
    """The n low bits of each value as columns of 0/1."""
    return (np.asarray(values, np.int64)[:, None] >> np.arange(n)) & 1


def _shift(column: np.ndarray, by: int, fill: float) -> np.ndarray:
    """The column moved down by `by` rows (up when negative), filled at the edge."""
    out = np.full_like(column, fill)
    if by > 0:
        out[by:] = column[:-by]
    else:
        out[:by] = column[-by:]
    return out


def rows(blocks: list[Block], jsonld_bits: int, title: str, page_bits: int = 0
         ) -> tuple[np.ndarray, np.ndarray]:
    """A row of numbers per block (names in FEATURES), and where each block sits: the ids of its 4
    containers (numbered 0..m-1 in the page, -1: none) and of its structural group (blocks of the same
    kind, depth, ancestor tags and class words: the items of one list, the posts of one thread)."""
    n = len(blocks)
    if not n:
        return np.zeros((0, len(FEATURES)), np.float32), np.zeros((0, CHAIN_COLUMNS), np.int64)
    texts = [b.text for b in blocks]
    sizes = [len(text) for text in texts]
    words = [text.count(" ") + 1 for text in texts]
    heads = [text[:200] for text in texts]
    punct = _PUNCT.findall
    basic = np.array([sizes, [b.link_chars for b in blocks], words, [len(punct(text)) for text in texts],
                      [text[-1] in SENTENCE_END for text in texts], [len(_DIGIT.findall(h)) for h in heads],
                      [text[:1].isupper() for text in texts], ["|" in text for text in texts]], np.float64).T
    basic[:, 1] /= basic[:, 0]
    basic[:, 3] /= basic[:, 2]
    basic[:, 5] /= np.minimum(basic[:, 0], 200)
    size = basic[:, 0].copy()
    links = basic[:, 1] * size
    basic[:, 0] = np.log1p(size)
    basic[:, 2] = np.log1p(basic[:, 2])
    kind = np.array([b.kind for b in blocks])
    total, n_log = float(size.sum()), math.log1p(n)
    page_links = float(links.sum()) / total
    # the containers: each block's first four block elements, their text, link text and block count
    chains = np.array([b.chain for b in blocks], np.int64)
    flat = chains.ravel()  # a view: numbering the containers 0..m-1 numbers them in chains too
    valid = flat >= 0
    ids, flat[valid] = np.unique(flat[valid], return_inverse=True)
    owners = np.repeat(np.arange(n), 4)[valid]
    m = len(ids)
    c_chars = np.bincount(flat[valid], size[owners], m)
    c_links = np.bincount(flat[valid], links[owners], m)
    c_count = np.bincount(flat[valid], None, m)
    cols = [np.eye(len(KINDS))[kind], basic]
    for by, width in ((1, 5), (-1, 5), (2, 2), (-2, 2)):
        cols.append(np.stack([_shift(basic[:, j], by, (0.0, 1.0)[j == 1]) for j in range(width)], 1))
    cols.append(np.stack([_shift(kind.astype(float), 1, -1), _shift(kind.astype(float), -1, -1),
                          [b.depth for b in blocks]], 1))
    cols.append(_bits([b.tag_bits for b in blocks], len(ANCESTOR_TAGS)))
    cols.append(_bits([b.word_bits for b in blocks], len(WORD_GROUPS)))
    cols.append(_bits([b.near_bits for b in blocks], len(WORD_GROUPS)))
    for level in range(4):
        c = chains[:, level]
        has = c >= 0
        cc = np.where(has, c_chars[c], total)
        cols.append(np.stack([np.log1p(cc), np.where(has, c_links[c], links.sum()) / np.maximum(cc, 1),
                              np.log1p(np.where(has, c_count[c], n)), cc / total], 1))
    before = np.cumsum(size) - size
    cols.append(np.stack([np.arange(n) / n, before / total, np.full(n, math.log1p(total)),
                          np.full(n, page_links), np.full(n, n_log)], 1))
    cols.append(np.repeat(_bits([jsonld_bits], len(JSONLD_TYPES)), n, 0))
    # repeated text (menus printed twice, "Reply" under every post) and the page's own title
    times = Counter(texts)
    title_words = set(title.lower().split())
    if title_words:
        common = title_words.intersection
        in_title = [len(common(text.lower().split())) / count if chars < 300 else 0.0
                    for text, chars, count in zip(texts, sizes, words, strict=True)]
    else:
        in_title = [0.0] * n
    cols.append(np.stack([np.log([times[text] for text in texts]), in_title], 1))
    cols.append(_bits([b.sections for b in blocks], len(SECTIONS)))
    cols.append(np.repeat(_bits([page_bits], len(PAGE_FACTS)), n, 0))
    signatures: dict[tuple, int] = {}
    groups = [signatures.setdefault((b.kind, b.depth, b.tag_bits, b.word_bits), len(signatures))
              for b in blocks]
    where = np.hstack([chains, np.asarray(groups, np.int64)[:, None]])
    return np.concatenate(cols, 1).astype(np.float32), where
