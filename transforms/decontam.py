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

import functools
import hashlib
import json
import re
import unicodedata
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

import numpy as np

from transforms.errors import TransformError
from transforms.table_files import NotATable, detect_format, open_lines

try:
    import xxhash

    _token_hash = xxhash.xxh3_64_intdigest
    HASH_NAME = "xxh3_64"
except ImportError:  # pragma: no cover - xxhash is installed with datatrove
    def _token_hash(token: str) -> int:
        return int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little")

    HASH_NAME = "blake2b_64"

# Runs of Unicode letters and digits: \w without the underscore, so snake_case and a_b split like a-b.
_WORD = re.compile(r"[^\W_]+")
# The polynomial hash of a window is sum(h[i + t] * B**t) over its token hashes h, modulo 2**64: B is odd
# (2**64 / golden ratio), so it has an inverse and a window's hash can be taken from prefix sums.
_B = 0x9E3779B97F4A7C15
_B_INVERSE = pow(_B, -1, 1 << 64)
# An item text of fewer tokens is not indexed (counted as too_short): a 1-3 word answer ("42", "True",
# "return a b") indexed whole would flag every document that happens to contain those words.
MIN_TOKENS = 4
BATCH = 8192
MAX_LISTED_COLUMNS = 20
# Recall per edit kind of each method, measured by bench/decontam.py --write: what a dataset card quotes.
RECALL_FILE = Path(__file__).with_name("decontam_recall.json")


def recall_table() -> dict:
    """The measured recall of each method ({} where it was never measured)."""
    return json.loads(RECALL_FILE.read_text()) if RECALL_FILE.exists() else {}


class Match(NamedTuple):
    """An item found in a text: by which tier, how much of it (1.0 whole), and where (characters)."""

    benchmark: str
    item: str
    tier: str
    score: float
    start: int
    end: int


class Shape(NamedTuple):
    """Where a common benchmark keeps its item texts and its item id."""

    fields: tuple[str, ...]
    id_field: str | None


BENCHMARK_SHAPES: dict[str, Shape] = {
    "gsm8k": Shape(("question", "answer"), None),  # the HF dataset has no id column: row index
    "humaneval": Shape(("prompt", "canonical_solution"), "task_id"),
    "mmlu": Shape(("question", "choices"), None),  # choices: a list of strings, joined
}


def normalize_tokens(text: str) -> list[str]:
    """The word tokens of a text: NFKC, case-folded, split on every non-alphanumeric character."""
    if text.isascii():  # NFKC leaves ASCII as it is: skip it for the common case
        return _WORD.findall(text.lower())
    # NFKC folds full-width and compatibility forms (ｑ, ﬁ, ²); casefold is Unicode lower-casing (ß -> ss),
    # and can decompose a character (ǰ), so the result is composed again.
    return _WORD.findall(unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold()))


def _token_hashes(tokens: list[str]) -> np.ndarray:
    return np.fromiter(map(_token_hash, tokens), dtype=np.uint64, count=len(tokens))


@functools.cache
def _length_seed(k: int) -> np.uint64:
    """Added to every k-token window's hash, so a short item's whole-text hash is apart from any n-gram's."""
    return np.uint64(_token_hash(f"decontam window of {k} tokens"))


class _Powers:
    """B**t and B**-t modulo 2**64 for t up to the longest document seen, grown by doubling."""

    def __init__(self):
        self._both = (np.ones(1, dtype=np.uint64), np.ones(1, dtype=np.uint64))

    def get(self, length: int) -> tuple[np.ndarray, np.ndarray]:
        up, down = self._both  # one read of one tuple: a thread growing it meanwhile cannot mix sizes
        if len(up) < length:
            size = max(length, 2 * len(up))
            up, down = (np.cumprod(np.r_[np.uint64(1), np.full(size - 1, b, dtype=np.uint64)])
                        for b in (_B, _B_INVERSE))  # uint64 arithmetic wraps: modulo 2**64
            self._both = (up, down)
        return up[:length], down[:length]


_POWERS = _Powers()


def _window_hashes(hashes: np.ndarray, lengths: list[int]) -> np.ndarray:
    """The 64-bit hash of every k-token window of a document for each k in `lengths`, concatenated."""
    # Prefix sums P[i] = sum(h[j] * B**j, j < i) make each window (P[i + k] - P[i]) * B**-i: a few
    # vectorised passes per length, linear in the document, with no string built per window.
    up, down = _POWERS.get(len(hashes))
    prefix = np.zeros(len(hashes) + 1, dtype=np.uint64)
    np.cumsum(hashes * up, out=prefix[1:])
    out = []
    for k in lengths:
        window = prefix[k:] - prefix[:-k]
        window *= down[:len(window)]
        window += _length_seed(k)
        out.append(window)
    return np.concatenate(out) if len(out) > 1 else out[0]


def _fail(name: str, path: Path, what: str) -> TransformError:
    return TransformError(f"decontam: benchmark {name!r}: {path} {what}")


def _summary(counts: Counter) -> str:
    return ", ".join(f"{reason} {count}" for reason, count in sorted(counts.items())) or "none"


_MISSING = object()


def _as_text(value) -> tuple[str | None, str]:
    """A field value as text to index, or None and the reason it is not one."""
    if value is _MISSING:
        return None, "missing_field"
    if value is None:
        return None, "null_field"
    if isinstance(value, str):
        return value, ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value), ""
    if isinstance(value, list | tuple) and all(isinstance(v, str | int | float) for v in value):
        return "\n".join(map(str, value)), ""  # MMLU's choices: one text of all options
    return None, "not_text"


class BenchmarkReader:
    """One benchmark file's (item id, text) pairs, streamed; bad records are counted in `skipped`."""

    def __init__(self, name: str, path: str | Path, fields: list[str] | None = None,
                 id_field: str | None = None, shape: str | None = None):
        self.name, self.path = name, Path(path)
        self.skipped: Counter[str] = Counter()
        self.items = 0
        if shape is not None and shape not in BENCHMARK_SHAPES:
            raise self._error(f"has an unknown shape {shape!r} (known: {', '.join(BENCHMARK_SHAPES)})")
        base = BENCHMARK_SHAPES.get(shape)
        self.fields = list(fields) if fields else list(base.fields) if base else []
        if not self.fields:
            raise self._error("needs its text fields: give fields or a shape "
                              f"({', '.join(BENCHMARK_SHAPES)})")
        # An id field the user names must be there; a shape's (HumanEval's task_id) is used when it is.
        self.id_required = bool(id_field)
        self.id_field = id_field or (base.id_field if base else None)
        self.format = self._detect()
        self._columns: list[str] | None = None
        if self.format == "parquet":
            import pyarrow.parquet as pq

            try:
                self._parquet = pq.ParquetFile(self.path)
            except Exception as e:  # pyarrow raises several types for a damaged file
                raise self._error(f"is not a readable Parquet file ({str(e).splitlines()[0]})") from None
            self._check_columns(self._parquet.schema_arrow.names)
        elif self.format == "datasets":
            import datasets

            try:
                self._dataset = datasets.load_from_disk(str(self.path))
            except Exception as e:  # a damaged folder: missing arrow files, bad state.json
                raise self._error(f"is not a readable datasets folder ({str(e).splitlines()[0]})") from None
            self._check_columns(self._dataset.column_names)
        self._pairs_iter: Iterator[tuple[str, str]] | None = None

    def _error(self, what: str) -> TransformError:
        return _fail(self.name, self.path, what)

    def _detect(self) -> str:
        try:
            return detect_format(self.path, "test")
        except NotATable as e:
            raise self._error(str(e)) from None

    def _open_lines(self):
        return open_lines(self.path)

    def _check_columns(self, columns: list[str]) -> None:
        self._columns = list(columns)
        required = self.fields + ([self.id_field] if self.id_required else [])
        for field in required:
            if field not in columns:
                shown = ", ".join(columns[:MAX_LISTED_COLUMNS])
                more = f", ... ({len(columns)} in all)" if len(columns) > MAX_LISTED_COLUMNS else ""
                raise self._error(f"has no {field!r} field (fields there: {shown or 'none'}{more})")

    def _uses_id(self) -> bool:
        return self.id_field is not None and self.id_field in (self._columns or [])

    def __iter__(self) -> BenchmarkReader:
        return self

    def __next__(self) -> tuple[str, str]:
        if self._pairs_iter is None:
            self._pairs_iter = self._pairs()
        return next(self._pairs_iter)

    def _pairs(self) -> Iterator[tuple[str, str]]:
        for row, id_value, values in self._rows():
            if not self._uses_id():
                item_id = str(row)
            elif id_value is None or id_value is _MISSING:
                self.skipped["null_id" if id_value is None else "missing_id"] += 1
                continue
            else:
                item_id = str(id_value)
            texts = 0
            # Each field is its own text (a GSM8K question and its answer): a document may hold either.
            for value in values:
                text, reason = _as_text(value)
                if text is None:
                    self.skipped[reason] += 1
                    continue
                texts += 1
                yield item_id, text
            self.items += texts > 0
        if not self.items:
            raise self._error(f"has no items (skipped: {_summary(self.skipped)})")

    def _rows(self) -> Iterator[tuple[int, object, tuple]]:
        """(row index, id value, text field values) of each record."""
        if self.format == "jsonl":
            yield from self._jsonl_rows()
            return
        columns = list(dict.fromkeys(self.fields + ([self.id_field] if self._uses_id() else [])))
        if self.format == "parquet":
            batches = self._parquet.iter_batches(batch_size=BATCH, columns=columns)
        else:
            batches = self._dataset.select_columns(columns).with_format("arrow").iter(batch_size=BATCH)
        row = 0
        for batch in batches:
            values = {c: batch.column(c).to_pylist() for c in columns}
            ids = values[self.id_field] if self._uses_id() else [None] * batch.num_rows
            for i, record in enumerate(zip(*(values[f] for f in self.fields), strict=True)):
                yield row + i, ids[i], record
            row += batch.num_rows

    def _jsonl_rows(self) -> Iterator[tuple[int, object, tuple]]:
        try:
            yield from self._jsonl_records()
        except (OSError, EOFError) as e:  # a truncated or damaged gzip file
            raise self._error(f"cannot be read to the end ({e})") from None

    def _jsonl_records(self) -> Iterator[tuple[int, object, tuple]]:
        row = -1
        with self._open_lines() as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                row += 1  # every non-blank line is a row, readable or not: ids stay those of the lines
                try:
                    text = line.decode("utf-8")
                except UnicodeDecodeError as e:
                    raise self._error(f"line {lineno} is not UTF-8 (byte {line[e.start]:#04x} at column "
                                      f"{e.start + 1}): re-encode the file as UTF-8") from None
                try:
                    record = json.loads(text.lstrip("\ufeff") if lineno == 1 else text)
                except ValueError:
                    self.skipped["malformed_json"] += 1
                    continue
                if not isinstance(record, dict):
                    self.skipped["not_an_object"] += 1
                    continue
                if self._columns is None:  # a JSONL file's fields are those of its first record
                    self._check_columns(list(record))
                id_value = record.get(self.id_field, _MISSING) if self._uses_id() else None
                yield row, id_value, tuple(record.get(f, _MISSING) for f in self.fields)


def load_benchmark(name: str, path: str | Path, fields: list[str] | None = None, id_field: str | None = None,
                   shape: str | None = None) -> BenchmarkReader:
    """Stream a benchmark's (item id, text) pairs from JSONL, Parquet or a save_to_disk folder."""
    return BenchmarkReader(name, path, fields=fields, id_field=id_field, shape=shape)


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
            raise TransformError(f"decontam: benchmark {name!r} is indexed twice: give each a distinct name")
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
            hashes = _window_hashes(_token_hashes(tokens), [k])
            keys.frombytes(hashes.tobytes())
            key_refs.frombytes(np.full(len(hashes), ref, dtype=np.uint32).tobytes())
        skipped.update(getattr(items, "skipped", {}))  # what the reader skipped, once it has read all
        if not refs:
            where = f" ({items.path})" if isinstance(items, BenchmarkReader) else ""
            least = min(self.n, self.min_tokens)
            raise TransformError(f"decontam: benchmark {name!r}{where} has no item with at least {least} "
                                 f"words to index (skipped: {_summary(skipped)})")
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
        windows = _window_hashes(_token_hashes(tokens), lengths)
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
        folded = text if text.isascii() else unicodedata.normalize(
            "NFKC", unicodedata.normalize("NFKC", text).casefold())
        places = [(m.start(), m.end()) for m in _WORD.finditer(folded.lower())]
        hashes = _token_hashes([folded.lower()[a:b] for a, b in places])
        spans: dict[int, tuple[int, int]] = {}
        for k in self._lengths:
            if k > len(places):
                continue
            windows = _window_hashes(hashes, [k])
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
        # Hashes from another function would never match: refuse rather than find nothing.
        if state["hash"] != HASH_NAME:
            raise TransformError(f"decontam: the index was built with {state['hash']} hashes but this worker "
                                 f"has {HASH_NAME}: install the same xxhash on every worker")
        self.__dict__.update(state)
