"""Benchmark decontamination that survives edits: the IDF-weighted share of an item's 5-grams in a document.

    index = OverlapIndex(n=5, threshold=0.8)
    index.add_benchmark("gsm8k", load_benchmark("gsm8k", "test.jsonl", shape="gsm8k"))
    index.match(text)        -> [("gsm8k", "17"), ...]          (distinct, sorted; [] when clean)
    index.match_scores(text) -> [("gsm8k", "17", 0.93), ...]

The allenai/decon recipe. Texts are word tokens as in transforms.decontam (NFKC, case-folded, any non-
alphanumeric character a separator), with every all-digit token (3, 2026, the 1 and 250 of 1,250) one value,
so a copy with its numbers changed has the item's n-grams. Each text of an item (a question, its answer) is
scored on its own: the share of its tokens, each weighed by its IDF over the texts, log(1 + texts / texts
holding it), covered by those of its n-grams found in one document window of twice its length; it is flagged
at `threshold` or more. A share of tokens, not of n-grams: one word in ten changed leaves ~59% of an item's
5-grams but ~90% of its words covered (the 13-gram index finds none). Candidates come first from the IDF-
weighted share of a text's distinct n-grams in the whole document (at least threshold / (n + 1), the least a
covering needs). A text of `short_tokens` tokens or fewer is matched whole: its whole token sequence,
contiguous in the document (score 1.0). An n-gram held by more than max(64, texts / 64) texts (boilerplate:
"from typing import list def", a run of numbers) is a stop-gram: it finds no candidates (it still covers
tokens), which bounds a document's work by the benchmarks, not by its words.

Memory is bounded by the benchmarks (about 30 bytes per distinct n-gram, 4 per (n-gram, text) pair and 4
per benchmark token);
documents stream through. Only tokens of the benchmarks' vocabulary are hashed per document: a dict
look-up each, then vectorised numpy over the document's windows.
"""

from __future__ import annotations

import functools
import unicodedata
from array import array
from collections import Counter
from collections.abc import Iterable

import numpy as np

from transforms.decontam import (
    _POWERS,
    HASH_NAME,
    MIN_TOKENS,
    BenchmarkReader,
    _summary,
    _token_hash,
)
from transforms.errors import TransformError

_B = np.uint64(0x9E3779B97F4A7C15)
_MIX1, _MIX2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
# Per code point to U+00FF: is it a letter or digit, is it an ASCII digit.
_ALNUM = np.array([chr(c).isalnum() for c in range(256)], dtype=bool)  # what [^\W_] is, to U+00FF
_DIGIT = np.array([48 <= c <= 57 for c in range(256)], dtype=np.int32)
# Every all-digit token (3, the 1 and 250 of 1,250): a changed number is the same token.
_NUMBER_VALUE = np.uint64(_token_hash("overlap: a number"))
STOP_MIN = 64  # an n-gram in more texts than max(STOP_MIN, texts / STOP_SHARE) is a stop-gram
STOP_SHARE = 64


def _mix(h: np.ndarray) -> np.ndarray:
    """A 64-bit finaliser (splitmix64's), in place: token values stop being linear in their characters."""
    h ^= h >> np.uint64(30)
    h *= _MIX1
    h ^= h >> np.uint64(27)
    h *= _MIX2
    h ^= h >> np.uint64(31)
    return h


def _char_values(points: np.ndarray) -> np.ndarray:
    """A random-looking 64-bit value per Unicode code point."""
    return _mix(points.astype(np.uint64) * _MIX2 + _MIX1)


_CHAR = _char_values(np.arange(256))


@functools.cache
def _is_alnum(point: int) -> bool:
    return chr(point).isalnum()


def token_values(text: str) -> np.ndarray:
    """A 64-bit value per word token of a text (normalize_tokens' tokens); every number token one value."""
    # No Python object per token: code points, masks and prefix sums over the whole text.
    if text.isascii():  # the common case: bytes and a table
        points = np.frombuffer(text.lower().encode("ascii"), dtype=np.uint8)
        inside, chars = _ALNUM[points], _CHAR[points]
    else:  # NFKC and casefold as normalize_tokens, then code points; letters beyond Latin-1 looked up once
        text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
        points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        inside = _ALNUM[np.minimum(points, 255)]
        high = points > 255
        if high.any():
            distinct = np.unique(points[high])
            flags = np.fromiter(map(_is_alnum, distinct.tolist()), dtype=bool, count=len(distinct))
            inside[high] = flags[np.searchsorted(distinct, points[high])]
        chars = _char_values(points)
    edges = np.flatnonzero(np.diff(inside, prepend=False, append=False))
    starts, ends = edges[::2], edges[1::2]
    if not len(starts):
        return np.empty(0, dtype=np.uint64)
    up, down = _POWERS.get(len(points) + 1)
    prefix = np.zeros(len(points) + 1, dtype=np.uint64)
    np.cumsum(chars * up[:len(points)], out=prefix[1:])
    values = _mix((prefix[ends] - prefix[starts]) * down[starts])
    digits = np.zeros(len(points) + 1, dtype=np.int32)
    np.cumsum(_DIGIT[np.minimum(points, 255)], out=digits[1:])
    values[digits[ends] - digits[starts] == ends - starts] = _NUMBER_VALUE  # 3, 250, 2026: one token
    return values


def _windows(values: np.ndarray, k: int) -> np.ndarray:
    """The polynomial hash of every k-token window of token values (uint64 arithmetic wraps)."""
    m = len(values) - k + 1
    out = values[:m].copy()
    for t in range(1, k):
        out *= _B
        out += values[t:t + m]
    return out


class OverlapIndex:
    """Benchmark texts' word n-grams with IDF weights, and the items a document holds most of."""

    def __init__(self, n: int = 5, threshold: float = 0.8, short_tokens: int = 20,
                 min_tokens: int = MIN_TOKENS):
        if n < 1 or min_tokens < 1 or short_tokens < n:
            raise TransformError(f"decontam: overlap needs n, min_tokens >= 1 and short_tokens >= n, not "
                                 f"n={n}, min_tokens={min_tokens}, short_tokens={short_tokens}")
        if not 0 < threshold <= 1:
            raise TransformError(f"decontam: the overlap threshold is a share in (0, 1], not {threshold}")
        self.n, self.threshold, self.short_tokens, self.min_tokens = n, threshold, short_tokens, min_tokens
        self.hash = HASH_NAME
        self.benchmarks: list[str] = []
        self.skipped: dict[str, Counter[str]] = {}
        self._items: dict[str, int] = {}
        self._short: dict[str, int] = {}
        self._vocab: dict[int, int] = {}  # a benchmark token's value -> its id
        self._values = array("Q")  # token id -> its value
        self._ids: list[str] = []  # item ref -> item id
        self._bench = array("I")  # item ref -> benchmark
        # Per text (a field of an item): its item ref, its token ids and where they start.
        self._text_item = array("I")
        self._tokens = array("I")
        self._token_start = array("Q", [0])
        self._built = False

    def add_benchmark(self, name: str, items: Iterable[tuple[str, str]]) -> None:
        """Index every text of a benchmark's (item id, text) pairs; several texts may share an id."""
        if name in self._items:
            raise TransformError(f"decontam: benchmark {name!r} is indexed twice: give each a distinct name")
        marks = (len(self._ids), len(self._text_item), len(self._tokens), len(self._vocab))
        try:
            self._add(name, items)
        except BaseException:  # a file that fails halfway leaves nothing of it behind
            ids, texts, tokens, vocab = marks
            del self._ids[ids:], self._bench[ids:], self._text_item[texts:], self._tokens[tokens:]
            del self._token_start[texts + 1:], self._values[vocab:]
            for token in list(self._vocab)[vocab:]:
                del self._vocab[token]
            raise

    def _add(self, name: str, items: Iterable[tuple[str, str]]) -> None:
        bench, refs, skipped, short = len(self.benchmarks), {}, Counter(), 0
        vocab, values = self._vocab, self._values
        for item_id, text in items:
            tokens = token_values(text).tolist()
            if len(tokens) < self.min_tokens:
                skipped["empty_text" if not tokens else "too_short"] += 1
                continue
            if len(tokens) - tokens.count(int(_NUMBER_VALUE)) < self.min_tokens:  # "20 30 60 120" matches any
                skipped["numbers_only"] += 1  # four numbers in a row once numbers are one token
                continue
            item_id = str(item_id)
            ref = refs.get(item_id)
            if ref is None:
                ref = refs[item_id] = len(self._ids)
                self._ids.append(item_id)
                self._bench.append(bench)
            for token in tokens:
                if token not in vocab:
                    vocab[token] = len(values)
                    values.append(token)
            self._tokens.extend(vocab[t] for t in tokens)
            self._token_start.append(len(self._tokens))
            self._text_item.append(ref)
            short += len(tokens) <= self.short_tokens
        skipped.update(getattr(items, "skipped", {}))  # what the reader skipped, once it has read all
        if not refs:
            where = f" ({items.path})" if isinstance(items, BenchmarkReader) else ""
            raise TransformError(f"decontam: benchmark {name!r}{where} has no item with at least "
                                 f"{self.min_tokens} words to index (skipped: {_summary(skipped)})")
        self.benchmarks.append(name)
        self._items[name], self._short[name], self.skipped[name] = len(refs), short, skipped
        self._built = False

    def _build(self) -> None:
        """The lookup arrays over every text indexed: keys, IDF weights, postings, short-text probes."""
        n, starts = self.n, np.frombuffer(self._token_start, dtype=np.uint64).astype(np.int64)
        self._value_arr = np.frombuffer(self._values, dtype=np.uint64).copy()
        token_ids = np.frombuffer(self._tokens, dtype=np.uint32)
        lengths = np.diff(starts)
        texts = len(lengths)
        pair_keys, pair_texts, whole_keys, whole_texts = [], [], [], []
        for t in range(texts):
            values = self._value_arr[token_ids[starts[t]:starts[t + 1]]]
            if lengths[t] < n:  # below one n-gram: only its whole window, kept apart
                whole_keys.append(_windows(values, int(lengths[t]))[:1])
                whole_texts.append(t)
                continue
            grams = _windows(values, n)
            pair_keys.append(grams)
            pair_texts.append(np.full(len(grams), t, dtype=np.uint32))
        keys = np.concatenate(pair_keys) if pair_keys else np.empty(0, dtype=np.uint64)
        refs = np.concatenate(pair_texts) if pair_texts else np.empty(0, dtype=np.uint32)
        self._keys, pair_key = np.unique(keys, return_inverse=True)
        pair_key = pair_key.astype(np.uint32)
        # Distinct (key, text) pairs: a text's repeated n-gram counts once.
        order = np.lexsort((refs, pair_key))
        pair_key, refs = pair_key[order], refs[order]
        keep = np.ones(len(refs), dtype=bool)
        keep[1:] = (pair_key[1:] != pair_key[:-1]) | (refs[1:] != refs[:-1])
        pair_key, refs = pair_key[keep], refs[keep]
        df = np.bincount(pair_key, minlength=len(self._keys))
        scored_texts = int(np.count_nonzero(lengths >= n))
        stop = df > max(STOP_MIN, scored_texts / STOP_SHARE)
        weight = np.log1p(scored_texts / np.maximum(df, 1))
        weight[stop] = 0.0
        self._weight = weight.astype(np.float32)
        self._stop_ngrams = int(np.count_nonzero(stop))
        is_long = lengths > self.short_tokens
        # Long texts' postings (key -> texts), stop-grams left out: what a document's hits score.
        live = is_long[refs] & ~stop[pair_key]
        self._post_refs = refs[live]
        self._post_start = np.zeros(len(self._keys) + 1, dtype=np.int64)
        np.cumsum(np.bincount(pair_key[live], minlength=len(self._keys)), out=self._post_start[1:])
        total = np.bincount(refs, weights=weight[pair_key], minlength=texts)
        self._unscorable = int(np.count_nonzero(is_long & (total <= 0)))
        total[~is_long | (total <= 0)] = np.inf  # no share of it can reach the threshold
        self._total = total
        # Token weights: IDF over the texts of each token, for the covering share of a candidate.
        text_of_token = np.repeat(np.arange(texts), lengths)
        distinct = np.unique(token_ids.astype(np.int64) * texts + text_of_token) // max(texts, 1)
        self._token_weight = np.log1p(texts / np.maximum(
            np.bincount(distinct, minlength=len(self._value_arr)), 1)).astype(np.float32)
        # A short text (n to short_tokens tokens) is probed by its rarest n-gram, then compared whole.
        probe_key, probe_text, probe_offset = [], [], []
        for t in np.flatnonzero(~is_long & (lengths >= n)):
            values = self._value_arr[token_ids[starts[t]:starts[t + 1]]]
            grams = np.searchsorted(self._keys, _windows(values, n))
            at = int(np.argmin(df[grams]))
            probe_key.append(int(grams[at])), probe_text.append(int(t)), probe_offset.append(at)
        probe_key = np.asarray(probe_key, dtype=np.int64)
        order = np.argsort(probe_key, kind="stable")
        self._probe_text = np.asarray(probe_text, dtype=np.uint32)[order]
        self._probe_offset = np.asarray(probe_offset, dtype=np.int64)[order]
        self._probe_start = np.zeros(len(self._keys) + 1, dtype=np.int64)
        np.cumsum(np.bincount(probe_key, minlength=len(self._keys)), out=self._probe_start[1:])
        # Texts shorter than n: their whole-window hashes, per length.
        self._whole: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for k in sorted({int(lengths[t]) for t in whole_texts}):
            mine = [t for t in whole_texts if lengths[t] == k]
            h = np.concatenate([whole_keys[whole_texts.index(t)] for t in mine])
            o = np.argsort(h)
            self._whole[k] = (h[o], np.asarray(mine, dtype=np.uint32)[o])
        self._starts, self._lengths, self._token_ids = starts, lengths, token_ids
        # One bit per slot of a key's top bits, 16 to 32 slots per key: most windows are in no text.
        bits = max(3, (16 * max(len(self._keys), 1) - 1).bit_length())
        self._shift = np.uint64(64 - bits)
        slots = np.unique(self._keys >> self._shift)
        self._bitmap = np.zeros(1 << (bits - 3), dtype=np.uint8)
        np.bitwise_or.at(self._bitmap, slots >> np.uint64(3), (1 << (slots & np.uint64(7))).astype(np.uint8))
        self._built = True

    def match(self, text: str) -> list[tuple[str, str]]:
        """The distinct (benchmark, item id) pairs of the items a text holds (a share >= threshold)."""
        return [(bench, item) for bench, item, _ in self.match_scores(text)]

    def match_scores(self, text: str) -> list[tuple[str, str, float]]:
        """(benchmark, item id, score) of each item flagged in a text, its best text's score, sorted."""
        if not self._built:
            self._build()
        values = token_values(text)
        if len(values) < self.min_tokens:
            return []
        found: dict[int, float] = {}
        for k, (keys, texts) in self._whole.items():
            if k <= len(values):
                windows = _windows(values, k)
                at = np.minimum(np.searchsorted(keys, windows), len(keys) - 1)
                for i in np.unique(at[keys[at] == windows]):
                    found[int(texts[i])] = 1.0
        if len(values) >= self.n and len(self._keys):
            windows = _windows(values, self.n)
            slots = windows >> self._shift
            bit = self._bitmap[slots >> np.uint64(3)] >> (slots & np.uint64(7)).astype(np.uint8)
            at = np.flatnonzero(bit & 1)
            if len(at):
                key = np.minimum(np.searchsorted(self._keys, windows[at]), len(self._keys) - 1)
                hit = self._keys[key] == windows[at]
                at, key = at[hit], key[hit]
                if len(at):
                    self._score_long(at, key, found)
                    self._match_short(values, at, key, found)
        best: dict[tuple[str, str], float] = {}
        for t, score in found.items():
            ref = self._text_item[t]
            pair = (self.benchmarks[self._bench[ref]], self._ids[ref])
            best[pair] = max(best.get(pair, 0.0), score)
        return sorted((bench, item, round(score, 4)) for (bench, item), score in best.items())

    def _score_long(self, at: np.ndarray, key: np.ndarray, found: dict[int, float]) -> None:
        """Long texts whose share of weight in the document, then in a window, reaches the threshold."""
        distinct = np.unique(key)
        first, last = self._post_start[distinct], self._post_start[distinct + 1]
        counts = last - first
        size = int(counts.sum())
        if not size:
            return
        # The postings of every distinct key hit, gathered without a Python loop.
        offsets = np.repeat(first - np.cumsum(counts) + counts, counts) + np.arange(size)
        texts, inverse = np.unique(self._post_refs[offsets], return_inverse=True)
        share = np.bincount(inverse, weights=np.repeat(self._weight[distinct], counts)) / self._total[texts]
        for t in texts[share >= self.threshold / (self.n + 1)]:
            score = self._covered_share(int(t), at, key)
            if score >= self.threshold - 1e-9:
                found[int(t)] = max(found.get(int(t), 0.0), score)

    def _covered_share(self, t: int, at: np.ndarray, key: np.ndarray) -> float:
        """The IDF-weighted share of text t's tokens its n-grams cover in its best document window."""
        tokens = self._token_ids[self._starts[t]:self._starts[t + 1]]
        grams = np.searchsorted(self._keys, _windows(self._value_arr[tokens], self.n))
        keep = np.isin(key, grams)
        positions, keys = at[keep], key[keep]
        # The window of twice the text's length holding the most hits (positions ascend).
        ends = np.searchsorted(positions, positions + 2 * len(tokens))
        best = int(np.argmax(ends - np.arange(len(ends))))
        present = np.isin(grams, keys[best:ends[best]])
        covered = np.convolve(present.astype(np.int32), np.ones(self.n, dtype=np.int32))[:len(tokens)] > 0
        weights = self._token_weight[tokens]
        return float(weights[covered].sum() / weights.sum())

    def _match_short(self, values: np.ndarray, at: np.ndarray, key: np.ndarray,
                     found: dict[int, float]) -> None:
        """Short texts whose probe n-gram is hit and whose whole token sequence is there."""
        counts = self._probe_start[key + 1] - self._probe_start[key]
        for i in np.flatnonzero(counts):
            for j in range(self._probe_start[key[i]], self._probe_start[key[i] + 1]):
                t = int(self._probe_text[j])
                if t in found:
                    continue
                start = int(at[i]) - int(self._probe_offset[j])
                want = self._value_arr[self._token_ids[self._starts[t]:self._starts[t + 1]]]
                if start >= 0 and np.array_equal(values[start:start + len(want)], want):
                    found[t] = 1.0

    def match_batch(self, texts: Iterable[str]) -> list[list[tuple[str, str]]]:
        """match() of each text."""
        return [self.match(text) for text in texts]

    def stats(self) -> dict:
        """What is indexed: items, short (whole-match) texts, n-grams, stop-grams, skipped records."""
        if not self._built:
            self._build()
        arrays = (self._keys, self._weight, self._post_refs, self._post_start, self._total, self._bitmap,
                  self._value_arr, self._token_ids, self._token_weight, self._probe_start)
        return {
            "method": "overlap", "n": self.n, "threshold": self.threshold, "short_tokens": self.short_tokens,
            "min_tokens": self.min_tokens, "hash": self.hash,
            "items": dict(self._items), "short_texts": dict(self._short), "texts": len(self._text_item),
            "ngrams": int(len(self._keys)), "stop_ngrams": self._stop_ngrams,
            "unscorable_texts": self._unscorable,
            "bytes": int(sum(a.nbytes for a in arrays)),
            "skipped": {name: dict(sorted(c.items())) for name, c in self.skipped.items()},
        }

    def __getstate__(self) -> dict:
        if not self._built:
            self._build()
        return self.__dict__.copy()

    def __setstate__(self, state: dict) -> None:
        # Hashes from another function would never match: refuse rather than find nothing.
        if state["hash"] != HASH_NAME:
            raise TransformError(f"decontam: the index was built with {state['hash']} hashes but this worker "
                                 f"has {HASH_NAME}: install the same xxhash on every worker")
        self.__dict__.update(state)
