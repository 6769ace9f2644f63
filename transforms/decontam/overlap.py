"""Benchmark decontamination that survives edits: the IDF-weighted share of an item's 5-grams in a document.

    index = OverlapIndex(n=5, threshold=0.8)
    index.add_benchmark("gsm8k", load_benchmark("gsm8k", "test.jsonl", shape="gsm8k"))
    index.match(text)        -> [("gsm8k", "17"), ...]          (distinct, sorted; [] when clean)
    index.match_scores(text) -> [("gsm8k", "17", 0.93), ...]

The allenai/decon recipe. Texts are word tokens (batch_tokens: runs of letters and digits, ASCII case folded),
with every all-digit token (3, 2026, the 1 and 250 of 1,250) one value, so a copy with its numbers changed
has the item's n-grams. Each text of an item (a question, its answer) is scored on its own: the share
of its tokens, each weighed by its IDF over the texts, log(1 + texts / texts holding it), found in one
document window of twice its length, a token found when one of the text's n-grams hit there covers it or when
the document has it in place in the alignment of a hit; it is flagged at `threshold` or more, or when one
alignment holds `partial` of its weight (a partial copy). The names a code text defines (its function's
and arguments', which a copy may rename) weigh nothing in its share. A share of tokens, not of n-grams: one
word in ten changed leaves ~59% of an item's 5-grams but ~90% of its words in place (the 13-gram index finds
none).
Candidates come first from the IDF-weighted share of a text's distinct n-grams in the whole document (at
least threshold / (n + 1)). A text of `short_tokens` tokens or fewer is matched whole: its whole token
sequence, contiguous in the document (score 1.0). An n-gram held by more than max(64, texts / 64) texts
(boilerplate: "from typing import list def", a run of numbers) is a stop-gram: it finds no candidates (it
still covers tokens), which bounds a document's work by the benchmarks, not by its words.

Memory is bounded by the benchmarks (about 40 bytes per distinct n-gram, 4 per (n-gram, text) pair and 4
per benchmark token); documents stream through in batches of about BATCH_CHARS characters, tokenised and
probed as one array (batch_tokens: a byte table, prefix sums; one gather into a presence table per window),
so that numpy works on arrays large enough to pay for its calls.
"""

from __future__ import annotations

import re
from array import array
from collections import Counter
from collections.abc import Iterable

import numpy as np

from transforms.decontam.alignment import covered_share
from transforms.decontam.batch_tokens import (
    NUMBER_VALUE,
    next_ngram_hashes,
    ngram_hashes,
    token_values,
    tokenise,
    utf8,
)
from transforms.decontam.benchmarks import Match, indexed_twice, nothing_to_index
from transforms.decontam.tokens import HASH_NAME, MIN_TOKENS, check_hash
from transforms.errors import TransformError

STOP_MIN = 64  # an n-gram in more texts than max(STOP_MIN, texts / STOP_SHARE) is a stop-gram
STOP_SHARE = 64
# Python definitions in a code text: the names a copy may rename (def name(a, b: int = 0, *rest)).
_DEF = re.compile(r"\bdef\s+([A-Za-z_]\w*)\s*\(([^)]*)\)")
_ARG = re.compile(r"(?:^|,)\s*\**([A-Za-z_]\w*)")
PARTIAL = 0.4  # a long text with this share of its weight copied in place (one alignment) is flagged
# Texts tokenised and probed as one array, up to about this many characters: the per-call cost of numpy is
# shared, and the arrays (about 13 bytes a character) stay in a core's L2 cache (the size was measured
# against its halves and doubles: bench/README.md).
BATCH_CHARS = 1 << 17


class OverlapIndex:
    """Benchmark texts' word n-grams with IDF weights, and the items a document holds most of."""

    def __init__(self, n: int = 5, threshold: float = 0.8, short_tokens: int = 20,
                 min_tokens: int = MIN_TOKENS, partial: float = PARTIAL):
        if n < 1 or min_tokens < 1 or short_tokens < n:
            raise TransformError(f"decontam: overlap needs n, min_tokens >= 1 and short_tokens >= n, not "
                                 f"n={n}, min_tokens={min_tokens}, short_tokens={short_tokens}")
        if not 0 < threshold <= 1:
            raise TransformError(f"decontam: the overlap threshold is a share in (0, 1], not {threshold}")
        if not 0 < partial <= 1:
            raise TransformError(f"decontam: the overlap partial share is in (0, 1], not {partial}")
        self.n, self.threshold, self.short_tokens, self.min_tokens = n, threshold, short_tokens, min_tokens
        self.partial = partial
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
        # Per code text: the token ids of the names it defines (a function's and its arguments'), which a
        # copy may rename: they weigh nothing in its share.
        self._renameable: dict[int, np.ndarray] = {}
        self._tokens = array("I")
        self._token_start = array("Q", [0])
        self._built = False

    def add_benchmark(self, name: str, items: Iterable[tuple[str, str]]) -> None:
        """Index every text of a benchmark's (item id, text) pairs; several texts may share an id."""
        if name in self._items:
            raise indexed_twice(name)
        marks = (len(self._ids), len(self._text_item), len(self._tokens), len(self._vocab))
        try:
            self._add(name, items)
        except BaseException:  # a file that fails halfway leaves nothing of it behind
            ids, texts, tokens, vocab = marks
            del self._ids[ids:], self._bench[ids:], self._text_item[texts:], self._tokens[tokens:]
            self._renameable = {t: v for t, v in self._renameable.items() if t < texts}
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
            if len(tokens) - tokens.count(int(NUMBER_VALUE)) < self.min_tokens:  # "20 30 60 120" matches any
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
            names = {n for name, args in _DEF.findall(text) for n in (name, *_ARG.findall(args))}
            if names:
                named = {int(v) for n in names - {"self"} for v in token_values(n)} - {int(NUMBER_VALUE)}
                ids = sorted(vocab[v] for v in named)
                self._renameable[len(self._text_item)] = np.array(ids, dtype=np.uint32)
            self._text_item.append(ref)
            short += len(tokens) <= self.short_tokens
        skipped.update(getattr(items, "skipped", {}))  # what the reader skipped, once it has read all
        if not refs:
            raise nothing_to_index(name, items, self.min_tokens, skipped)
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
                whole_keys.append(ngram_hashes(values, int(lengths[t]))[:1])
                whole_texts.append(t)
                continue
            grams = ngram_hashes(values, n)
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
            grams = np.searchsorted(self._keys, ngram_hashes(values, n))
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
        # One byte per slot of a key's top bits, 16 to 32 slots per key (n-grams and whole short texts): a
        # single gather rules out most windows, which are in no text, before any binary search.
        every = np.concatenate([self._keys, *(keys for keys, _ in self._whole.values())])
        bits = max(3, (16 * max(len(every), 1) - 1).bit_length())
        self._shift = np.uint64(64 - bits)
        self._present = np.zeros(1 << bits, dtype=bool)
        self._present[every >> self._shift] = True
        self._lengths_probed = (*sorted(self._whole), *([self.n] if len(self._keys) else []))
        self._built = True

    def match(self, text: str) -> list[tuple[str, str]]:
        """The distinct (benchmark, item id) pairs of the items a text holds (a share >= threshold)."""
        return [(bench, item) for bench, item, _ in self.match_scores(text)]

    def match_scores(self, text: str) -> list[tuple[str, str, float]]:
        """(benchmark, item id, score) of each item flagged in a text, its best text's score, sorted."""
        return self.match_scores_batch([text])[0]

    def match_scores_batch(self, texts: list[str]) -> list[list[tuple[str, str, float]]]:
        """match_scores() of each text, the batch tokenised and probed as one array."""
        return [[(m.benchmark, m.item, m.score) for m in found] for found in self.match_details_batch(texts)]

    def match_details_batch(self, texts: list[str]) -> list[list[Match]]:
        """Each text's matches: benchmark, item id, tier, score and the matched span (characters), sorted."""
        if not self._built:
            self._build()
        found: list[dict[int, tuple[float, int, int]]] = [{} for _ in texts]
        first, size = 0, 0
        for last, text in enumerate(texts, 1):
            size += len(text)
            if size >= BATCH_CHARS or last == len(texts):
                self._probe(texts[first:last], found[first:last])
                first, size = last, 0
        return [self._report(f) for f in found]

    def _probe(self, texts: list[str], found: list[dict[int, tuple[float, int, int]]]) -> None:
        datas = [utf8(t) for t in texts]
        values, bounds, spans = tokenise(datas)
        if not len(values):
            return
        self._find(values, bounds, found)
        starts, ends, text_starts = spans
        for i in np.flatnonzero([bool(f) for f in found]).tolist():  # token places to characters
            first, data, origin = int(bounds[i]), datas[i], int(text_starts[i])
            chars = (lambda b: b) if len(data) == len(texts[i]) else (
                lambda b, data=data: len(data[:b].decode("utf-8", "ignore")))
            found[i].update({t: (score, chars(int(starts[first + a]) - origin),
                                 chars(int(ends[first + b - 1]) - origin))
                             for t, (score, a, b) in found[i].items()})

    def _find(self, values: np.ndarray, bounds: np.ndarray, found: list[dict]) -> None:
        """Per text, each benchmark text flagged in it: (score, first token, end token) of the match."""
        text_of = np.repeat(np.arange(len(bounds) - 1), np.diff(bounds))
        windows, k = values, 1
        for length in self._lengths_probed:
            if length > len(values):
                break
            while k < length:
                windows = next_ngram_hashes(windows, values, k)
                k += 1
            at = np.flatnonzero(np.take(self._present, (windows >> self._shift).view(np.int64)))
            at = at[bounds[text_of[at] + 1] - at >= length]  # windows inside one text
            if not len(at):
                continue
            keys = self._keys if length == self.n else self._whole[length][0]
            key = np.minimum(np.searchsorted(keys, windows[at]), len(keys) - 1)
            hit = keys[key] == windows[at]
            at, key = at[hit], key[hit]
            if length < self.n:  # whole texts shorter than an n-gram
                for i, j, a in zip(text_of[at].tolist(), key.tolist(), at.tolist(), strict=True):
                    local = a - int(bounds[i])
                    found[i][int(self._whole[length][1][j])] = (1.0, local, local + length)
                continue
            self._score_hits(values, bounds, text_of, at, key, found)

    def _score_hits(self, values: np.ndarray, bounds: np.ndarray, text_of: np.ndarray, at: np.ndarray,
                    key: np.ndarray, found: list[dict[int, float]]) -> None:
        """Score the benchmark texts that a batch's n-gram hits make candidates, in their documents."""
        doc = text_of[at]
        # Candidates for the whole batch at once: per (document, long text), the IDF-weighted share of the
        # text's distinct n-grams hit (at least threshold / (n + 1), the least a covering needs).
        pairs = np.unique(doc.astype(np.int64) * len(self._keys) + key)
        pair_doc, pair_key = pairs // len(self._keys), pairs % len(self._keys)
        first = self._post_start[pair_key]
        counts = self._post_start[pair_key + 1] - first
        size = int(counts.sum())
        candidates: dict[int, list[int]] = {}
        if size:
            offsets = np.repeat(first - np.cumsum(counts) + counts, counts) + np.arange(size)
            texts = self._post_refs[offsets].astype(np.int64)
            code = np.repeat(pair_doc, counts) * len(self._total) + texts
            code, inverse = np.unique(code, return_inverse=True)
            weight = np.bincount(inverse, weights=np.repeat(self._weight[pair_key], counts))
            share = weight / self._total[code % len(self._total)]
            for c in code[share >= self.threshold / (self.n + 1)].tolist():
                candidates.setdefault(c // len(self._total), []).append(c % len(self._total))
        probed = np.unique(doc[self._probe_start[key + 1] > self._probe_start[key]]).tolist()
        cut = np.searchsorted(at, bounds)
        for i in sorted(set(candidates) | set(probed)):
            mine = slice(cut[i], cut[i + 1])
            local, keys, doc_values = at[mine] - bounds[i], key[mine], values[bounds[i]:bounds[i + 1]]
            for t in candidates.get(i, ()):
                score, first, end = self._covered_share(t, local, keys, doc_values)
                if score >= self.threshold - 1e-9:
                    found[i][t] = (score, first, end)
            if i in probed:
                self._match_short(doc_values, local, keys, found[i])

    def _report(self, found: dict[int, tuple[float, int, int]]) -> list[Match]:
        """An item's best text's match, per item."""
        best: dict[tuple[str, str], tuple[float, int, int]] = {}
        for t, match in found.items():
            ref = self._text_item[t]
            pair = (self.benchmarks[self._bench[ref]], self._ids[ref])
            if pair not in best or match[0] > best[pair][0]:
                best[pair] = match
        return sorted(Match(bench, item, "overlap", round(score, 4), start, end)
                      for (bench, item), (score, start, end) in best.items())

    def _covered_share(self, t: int, at: np.ndarray, key: np.ndarray,
                       doc: np.ndarray) -> tuple[float, int, int]:
        """alignment.covered_share of text t in a document, its defined names weighing nothing."""
        tokens = self._token_ids[self._starts[t]:self._starts[t + 1]]
        weights = self._token_weight[tokens]
        if t in self._renameable:
            weights = np.where(np.isin(tokens, self._renameable[t]), np.float32(0), weights)
        item = self._value_arr[tokens]
        grams = np.searchsorted(self._keys, ngram_hashes(item, self.n))
        return covered_share(item, grams, weights, at, key, self._weight, doc, self.n, self.threshold,
                             self.partial)

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
                    found[t] = (1.0, start, start + len(want))

    def match_batch(self, texts: Iterable[str]) -> list[list[tuple[str, str]]]:
        """match() of each text."""
        return [[(bench, item) for bench, item, _ in m] for m in self.match_scores_batch(list(texts))]

    def stats(self) -> dict:
        """What is indexed: items, short (whole-match) texts, n-grams, stop-grams, skipped records."""
        if not self._built:
            self._build()
        arrays = (self._keys, self._weight, self._post_refs, self._post_start, self._total, self._present,
                  self._value_arr, self._token_ids, self._token_weight, self._probe_start)
        return {
            "method": "overlap", "n": self.n, "threshold": self.threshold, "partial": self.partial,
            "short_tokens": self.short_tokens,
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
        check_hash(state)
        self.__dict__.update(state)
