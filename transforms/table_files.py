"""The local table files users give us (training data, benchmarks): JSONL (gzipped or not), Parquet, or a
folder written by `datasets.Dataset.save_to_disk`."""

from __future__ import annotations

import gzip
import json
from pathlib import Path


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
