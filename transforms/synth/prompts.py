"""What a synthesis stage prompts with besides the documents: a JSONL file of records, or seed tasks."""

from __future__ import annotations

import json
from pathlib import Path

from transforms.errors import TransformError
from transforms.table_files import NotATable, detect_format, open_lines


def check_prompts(path: str, needed: list[str]) -> None:
    """A JSONL file of prompt records whose first has the fields the task reads, or a one-line error."""
    if not Path(path).is_file():
        raise TransformError(f"prompts: {path} does not exist")
    if path.endswith((".gz", ".zst", ".parquet")):
        raise TransformError(f"prompts: {path} must be plain JSONL (one record per line, each with an id)")
    with open(path) as f:
        first = next((line for line in f if line.strip()), None)
    try:
        record = json.loads(first) if first else None
    except ValueError:
        record = None
    if not isinstance(record, dict):
        raise TransformError(f"prompts: {path} is not JSONL of records (its first line is no JSON object)")
    missing = [f for f in needed if f not in record]
    if missing:
        raise TransformError(f"prompts: the records of {path} have no {missing[0]!r} field "
                             f"(fields: {', '.join(record)})")


def read_seeds(path: str, field: str = "instruction") -> list[dict]:
    """Seed tasks: records with a text `field` (JSONL or Parquet); a few hundred, read whole."""
    try:
        kind = detect_format(Path(path))
    except NotATable as e:
        raise TransformError(f"synthesize: seeds {path} {e}") from None
    if kind == "parquet":
        import pyarrow.parquet as pq

        rows = pq.read_table(path).to_pylist()
    elif kind == "jsonl":
        with open_lines(Path(path)) as f:
            rows = [json.loads(line) for line in f if line.strip()]
    else:
        import datasets

        rows = datasets.load_from_disk(path).to_list()
    seeds = [r for r in rows if isinstance(r, dict) and isinstance(r.get(field), str)]
    if not seeds:
        raise TransformError(f"synthesize: seeds {path} has no record with an {field!r} text")
    return seeds


def read_schema(schema: dict | str | None) -> dict | None:
    """An output schema: inline, or read from its file (JSON or YAML)."""
    import yaml

    if not isinstance(schema, str):
        return schema
    path = Path(schema)
    if not path.is_file():
        raise TransformError(f"schema: the schema file {path} does not exist")
    try:
        data = yaml.safe_load(path.read_text())  # JSON is YAML
    except yaml.YAMLError as e:
        raise TransformError(f"schema: {path} is not JSON or YAML: {str(e).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise TransformError(f"schema: {path} holds no JSON Schema object")
    return data


class ToRecord:
    """An input line (JSON) as the record a task prompts with: the fields it reads, renamed as asked. A
    curated record input's own fields (a question and its reference answer) ride in metadata["record"]."""

    def __init__(self, fields: dict[str, str], keep: tuple[str, ...]):
        self.fields, self.keep = fields, keep

    def __call__(self, line: str) -> dict:
        data = json.loads(line)
        record = {"id": data["id"], **{k: _field(data, k) for k in self.keep}}
        return record | {task_field: _field(data, source) for task_field, source in self.fields.items()}


def _field(data: dict, name: str):
    if name in data:
        return data[name]
    return ((data.get("metadata") or {}).get("record") or {}).get(name)
