"""Benchmark files read as (item id, text) pairs: JSONL, Parquet or a save_to_disk folder, with the fields of
common benchmarks known by shape; what an index reports of an item found in a text."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from transforms.errors import TransformError
from transforms.table_files import MISSING, NotATable, TableReader

MAX_LISTED_COLUMNS = 20


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


def summary(counts: Counter) -> str:
    """Counts by reason as one phrase: "malformed_json 2, too_short 1", or "none"."""
    return ", ".join(f"{reason} {count}" for reason, count in sorted(counts.items())) or "none"


def indexed_twice(name: str) -> TransformError:
    return TransformError(f"decontam: benchmark {name!r} is indexed twice: give each a distinct name")


def nothing_to_index(name: str, items, least: int, skipped: Counter) -> TransformError:
    """A benchmark none of whose items an index could take, with what was skipped and why."""
    where = f" ({items.path})" if isinstance(items, BenchmarkReader) else ""
    return TransformError(f"decontam: benchmark {name!r}{where} has no item with at least {least} "
                          f"words to index (skipped: {summary(skipped)})")


def _as_text(value) -> tuple[str | None, str]:
    """A field value as text to index, or None and the reason it is not one."""
    if value is MISSING:
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
        try:
            self._table = TableReader(self.path, "test", skipped=self.skipped)
        except NotATable as e:
            raise self._error(str(e)) from None
        self.format = self._table.format
        self._columns: list[str] | None = None
        if self._table.columns is not None:  # Parquet and datasets: checked before reading a row
            self._check_columns(self._table.columns)
        self._pairs_iter: Iterator[tuple[str, str]] | None = None

    def _error(self, what: str) -> TransformError:
        return TransformError(f"decontam: benchmark {self.name!r}: {self.path} {what}")

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
            elif id_value is None or id_value is MISSING:
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
            raise self._error(f"has no items (skipped: {summary(self.skipped)})")

    def _rows(self) -> Iterator[tuple[int, object, tuple]]:
        """(row index, id value, text field values) of each record."""
        # A JSONL file's id field is read from every record: whether it is used is known at the first.
        with_id = self.id_field is not None and (self.format == "jsonl" or self._uses_id())
        count = len(self.fields)
        try:
            for row, values in self._table.rows(self.fields + ([self.id_field] if with_id else [])):
                if self._columns is None:  # a JSONL file's fields are those of its first record
                    self._check_columns(self._table.columns)
                yield row, values[count] if self._uses_id() else None, values[:count]
        except NotATable as e:  # a truncated or damaged gzip file
            raise self._error(str(e)) from None


def load_benchmark(name: str, path: str | Path, fields: list[str] | None = None, id_field: str | None = None,
                   shape: str | None = None) -> BenchmarkReader:
    """Stream a benchmark's (item id, text) pairs from JSONL, Parquet or a save_to_disk folder."""
    return BenchmarkReader(name, path, fields=fields, id_field=id_field, shape=shape)
