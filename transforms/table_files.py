"""The local table files users give us (training data, benchmarks): JSONL (gzipped or not), Parquet, or a
folder written by `datasets.Dataset.save_to_disk`, read as a stream of records' fields."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

BATCH = 8192
MISSING = object()  # the value of a field a JSONL record lacks


class NotATable(Exception):
    """What a path is instead of a table file, as the end of a sentence that starts with the path."""


def detect_format(path: Path, example_split: str = "train") -> str:
    """'jsonl', 'parquet' or 'datasets'; NotATable says what the path is otherwise."""
    if not path.exists():
        raise NotATable("does not exist")
    if path.is_dir():
        if (path / "dataset_dict.json").is_file():
            raise NotATable(f"is a DatasetDict folder: give one split's folder (e.g. {path}/{example_split})")
        if (path / "state.json").is_file() and (path / "dataset_info.json").is_file():
            return "datasets"
        raise NotATable("is a folder not written by datasets.Dataset.save_to_disk")
    with open(path, "rb") as f:
        head = f.read(4)
    if head == b"PAR1":
        return "parquet"
    if path.name.lower().removesuffix(".gz").endswith((".jsonl", ".json", ".ndjson")):
        return "jsonl"
    try:  # no telling suffix: JSONL only if its first line is a JSON object
        with open_lines(path) as f:
            first = next((line for line in f if line.strip()), b"")
        if isinstance(json.loads(first), dict):
            return "jsonl"
    except (ValueError, OSError, EOFError):
        pass
    raise NotATable("is not JSONL, Parquet or a datasets.save_to_disk folder")


def open_lines(path: Path):
    """The file's lines as bytes, gunzipped when it is gzip."""
    with open(path, "rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gzipped else open(path, "rb")


class TableReader:
    """A table file's records as tuples of some of their fields, streamed.

    One policy for a bad line of a JSONL file: one that is not UTF-8 (undecodable_line), not JSON
    (malformed_json) or not a JSON object (not_an_object) is counted in `skipped` and skipped, never fatal.
    A file that is not a table at all, or cannot be read to its end, raises NotATable.
    """

    def __init__(self, path: str | Path, example_split: str = "train", skipped: Counter | None = None):
        self.path = Path(path)
        self.format = detect_format(self.path, example_split)
        self.skipped: Counter[str] = Counter() if skipped is None else skipped
        # The fields there: a Parquet file's or datasets folder's columns; a JSONL file's first record's,
        # once read (None before).
        self.columns: list[str] | None = None
        if self.format == "parquet":
            import pyarrow.parquet as pq

            try:
                self._parquet = pq.ParquetFile(self.path)
            except Exception as e:  # pyarrow raises several types for a damaged file
                raise NotATable(f"is not a readable Parquet file ({str(e).splitlines()[0]})") from None
            self.columns = list(self._parquet.schema_arrow.names)
        elif self.format == "datasets":
            import datasets

            try:
                self._dataset = datasets.load_from_disk(str(self.path))
            except Exception as e:  # a damaged folder: missing arrow files, bad state.json
                raise NotATable(f"is not a readable datasets folder ({str(e).splitlines()[0]})") from None
            self.columns = list(self._dataset.column_names)

    def rows(self, fields: list[str]) -> Iterator[tuple[int, tuple]]:
        """(row, its values of `fields`) of each record, MISSING for a field a JSONL record lacks. A row is a
        record's place: every non-blank line of a JSONL file counts, readable or not, so ids made of rows
        stay those of the lines."""
        if self.format == "jsonl":
            yield from self._jsonl_rows(fields)
            return
        columns = list(dict.fromkeys(fields))
        if self.format == "parquet":
            batches = self._parquet.iter_batches(batch_size=BATCH, columns=columns)
        else:
            batches = self._dataset.select_columns(columns).with_format("arrow").iter(batch_size=BATCH)
        row = 0
        for batch in batches:
            values = {c: batch.column(c).to_pylist() for c in columns}
            for i, record in enumerate(zip(*(values[f] for f in fields), strict=True)):
                yield row + i, record
            row += batch.num_rows

    def _jsonl_rows(self, fields: list[str]) -> Iterator[tuple[int, tuple]]:
        try:
            yield from self._jsonl_records(fields)
        except (OSError, EOFError) as e:  # a truncated or damaged gzip file
            raise NotATable(f"cannot be read to the end ({e})") from None

    def _jsonl_records(self, fields: list[str]) -> Iterator[tuple[int, tuple]]:
        row = -1
        with open_lines(self.path) as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                row += 1
                try:
                    text = line.decode("utf-8")
                except UnicodeDecodeError:
                    self.skipped["undecodable_line"] += 1
                    continue
                try:
                    record = json.loads(text.lstrip("\ufeff") if lineno == 1 else text)
                except ValueError:
                    self.skipped["malformed_json"] += 1
                    continue
                if not isinstance(record, dict):
                    self.skipped["not_an_object"] += 1
                    continue
                if self.columns is None:
                    self.columns = list(record)
                yield row, tuple(record.get(f, MISSING) for f in fields)
