"""Benchmark decontamination, GPT-3 style: a document is flagged when it shares a word 13-gram with an item.

    index = NGramIndex(n=13)
    index.add_benchmark("gsm8k", load_benchmark("gsm8k", "test.jsonl", shape="gsm8k"))
    index.match(text) -> [("gsm8k", "17"), ...]     (distinct, sorted; [] when clean)

Texts are compared as normalised word tokens (NFKC, case-folded, any non-alphanumeric character a
separator), so case, punctuation and whitespace changes do not hide an item. An item text shorter than
n tokens is indexed whole and matches only as that contiguous whole. Memory is bounded by the benchmarks,
14 to 16 bytes per distinct (n-gram, item) pair (hash, item ref, prefilter bits); documents stream through.
"""

from __future__ import annotations

import unicodedata
from array import array
from collections import Counter
from collections.abc import Iterable

import numpy as np

from transforms.decontam.benchmarks import Match, indexed_twice, nothing_to_index
from transforms.decontam.tokens import (
    HASH_NAME,
    MIN_TOKENS,
    WORD,
    check_hash,
    normalize_tokens,
    token_hashes,
    window_hashes,
)
from transforms.errors import TransformError


class NGramIndex:
    """Benchmark items' word n-grams as 64-bit hashes, and the items a document shares one with."""

    def __init__(self, n: int = 13, min_tokens: int = MIN_TOKENS):
        if n < 1 or min_tokens < 1:
            raise TransformError(f"decontam: n and min_tokens must be at least 1, not {n} and {min_tokens}")
        self.n, self.min_tokens = n, min_tokens
        self.hash = HASH_NAME
        self.benchmarks: list[str] = []
        self.skipped: dict[str, Counter[str]] = {}
        self._items: dict[str, int] = {}
        self._short: dict[str, int] = {}
        # Item refs are positions in these two: the index itself holds only uint32 refs.
        self._ids: list[str] = []
        self._bench = array("I")
        # Sorted, deduplicated (hash, ref) pairs, rebuilt once per benchmark added: lookups only read.
        self._keys = np.empty(0, dtype=np.uint64)
        self._refs = np.empty(0, dtype=np.uint32)
        # One bit per slot of a key's top bits, 16 to 32 slots per key: most of a document's windows are
        # in no benchmark, and a bit test rules ~95% of them out before the binary search.
        self._bitmap = np.zeros(1, dtype=np.uint8)
        self._shift = np.uint64(61)
        self._short_lengths: set[int] = set()
        self._lengths: tuple[int, ...] = (n,)

    def add_benchmark(self, name: str, items: Iterable[tuple[str, str]]) -> None:
        """Index every text of a benchmark's (item id, text) pairs; several texts may share an id."""
        if name in self._items:
            raise indexed_twice(name)
        mark, short_lengths = len(self._ids), set(self._short_lengths)
        try:
            self._add(name, items)
        except BaseException:  # a file that fails halfway leaves nothing of it behind
            del self._ids[mark:], self._bench[mark:]
            self._short_lengths = short_lengths
            raise

    def _add(self, name: str, items: Iterable[tuple[str, str]]) -> None:
        bench = len(self.benchmarks)
        refs: dict[str, int] = {}
        keys, key_refs = array("Q"), array("I")
        skipped: Counter[str] = Counter()
        short = 0
        for item_id, text in items:
            tokens = normalize_tokens(text)
            if len(tokens) < min(self.n, self.min_tokens):
                skipped["empty_text" if not tokens else "too_short"] += 1
                continue
            item_id = str(item_id)
            ref = refs.get(item_id)
            if ref is None:
                ref = refs[item_id] = len(self._ids)
                self._ids.append(item_id)
                self._bench.append(bench)
            k = min(len(tokens), self.n)
            if k < self.n:
                self._short_lengths.add(k)
                short += 1
            hashes = window_hashes(token_hashes(tokens), [k])
            keys.frombytes(hashes.tobytes())
            key_refs.frombytes(np.full(len(hashes), ref, dtype=np.uint32).tobytes())
        skipped.update(getattr(items, "skipped", {}))  # what the reader skipped, once it has read all
        if not refs:
            raise nothing_to_index(name, items, min(self.n, self.min_tokens), skipped)
        self._merge(np.frombuffer(keys, dtype=np.uint64), np.frombuffer(key_refs, dtype=np.uint32))
        self.benchmarks.append(name)
        self._items[name], self._short[name], self.skipped[name] = len(refs), short, skipped

    def _merge(self, keys: np.ndarray, refs: np.ndarray) -> None:
        """Merge new (hash, ref) pairs into the sorted arrays and rebuild the prefilter bitmap."""
        keys, refs = np.concatenate([self._keys, keys]), np.concatenate([self._refs, refs])
        order = np.lexsort((refs, keys))
        keys, refs = keys[order], refs[order]
        keep = np.ones(len(keys), dtype=bool)
        keep[1:] = (keys[1:] != keys[:-1]) | (refs[1:] != refs[:-1])
        keys, refs = keys[keep], refs[keep]
        bits = max(3, (16 * len(keys) - 1).bit_length())
        shift = np.uint64(64 - bits)
        slots = np.unique(keys >> shift)
        bitmap = np.zeros(1 << (bits - 3), dtype=np.uint8)
        np.bitwise_or.at(bitmap, slots >> np.uint64(3), (1 << (slots & np.uint64(7))).astype(np.uint8))
        self._keys, self._refs, self._bitmap, self._shift = keys, refs, bitmap, shift
        self._lengths = (self.n, *sorted(self._short_lengths))

    def match(self, text: str) -> list[tuple[str, str]]:
        """The distinct (benchmark, item id) pairs sharing an n-gram (or a whole short item) with a text."""
        tokens = normalize_tokens(text)
        lengths = [k for k in self._lengths if k <= len(tokens)]
        if not lengths or not len(self._keys):
            return []
        windows = window_hashes(token_hashes(tokens), lengths)
        slots = windows >> self._shift
        bit = self._bitmap[slots >> np.uint64(3)] >> (slots & np.uint64(7)).astype(np.uint8)
        windows = windows[(bit & 1).astype(bool)]
        if not len(windows):
            return []
        pos = np.minimum(np.searchsorted(self._keys, windows), len(self._keys) - 1)
        hits = windows[self._keys[pos] == windows]
        if not len(hits):
            return []
        hits = np.unique(hits)
        starts = np.searchsorted(self._keys, hits, side="left")
        ends = np.searchsorted(self._keys, hits, side="right")
        refs = {int(r) for s, e in zip(starts, ends, strict=True) for r in self._refs[s:e]}
        return sorted((self.benchmarks[self._bench[r]], self._ids[r]) for r in refs)

    def match_batch(self, texts: Iterable[str]) -> list[list[tuple[str, str]]]:
        """match() of each text."""
        return [self.match(text) for text in texts]

    def match_details_batch(self, texts: list[str]) -> list[list[Match]]:
        """Each text's matches (tier ngram, score 1.0) and the span of the first window shared with each."""
        return [self._details(text, matches) if matches else [] for text, matches in
                zip(texts, self.match_batch(texts), strict=True)]

    def _details(self, text: str, matches: list[tuple[str, str]]) -> list[Match]:
        # Only for a flagged text: its tokens again, with where they are.
        folded = (text if text.isascii() else unicodedata.normalize(
            "NFKC", unicodedata.normalize("NFKC", text).casefold())).lower()
        places = [(m.start(), m.end()) for m in WORD.finditer(folded)]
        hashes = token_hashes([folded[a:b] for a, b in places])
        spans: dict[int, tuple[int, int]] = {}
        for k in self._lengths:
            if k > len(places):
                continue
            windows = window_hashes(hashes, [k])
            for at in np.flatnonzero(np.isin(windows, self._keys)).tolist():
                lo, hi = (np.searchsorted(self._keys, windows[at], side) for side in ("left", "right"))
                for ref in self._refs[lo:hi].tolist():
                    spans.setdefault(ref, (places[at][0], places[at + k - 1][1]))
        by_pair = {(self.benchmarks[self._bench[r]], self._ids[r]): span for r, span in spans.items()}
        return [Match(bench, item, "ngram", 1.0, *by_pair.get((bench, item), (0, 0)))
                for bench, item in matches]

    def stats(self) -> dict:
        """What is indexed: items and short (whole-text) items per benchmark, n-grams, skipped records."""
        keys = self._keys
        return {
            "n": self.n, "min_tokens": self.min_tokens, "hash": self.hash,
            "items": dict(self._items), "short_items": dict(self._short),
            "short_lengths": sorted(self._short_lengths),
            "ngrams": int(len(keys) and 1 + np.count_nonzero(keys[1:] != keys[:-1])), "pairs": int(len(keys)),
            "bytes": int(keys.nbytes + self._refs.nbytes + self._bitmap.nbytes),
            "skipped": {name: dict(sorted(c.items())) for name, c in self.skipped.items()},
        }

    def __setstate__(self, state: dict) -> None:
        check_hash(state)
        self.__dict__.update(state)
