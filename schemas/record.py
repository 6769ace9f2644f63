"""A record dataset's rows (seed data, synthetic instruction or QA pairs read from JSONL or Parquet).

The columns are the record's id, the text fields the recipe names (as text; a list of strings is joined
by newlines), its other fields as one JSON object in `extra`, so nothing of the input is lost, and what
the stages found (schema version 1).
"""

from __future__ import annotations

import json

import pyarrow as pa

VERSION = 1
RESERVED = ("id", "extra", "source", "language", "language_score", "quality_score", "contamination")


def record_schema(text_fields: list[str]) -> pa.Schema:
    return pa.schema(
        [pa.field("id", pa.string(), nullable=False)]
        + [pa.field(f, pa.string()) for f in text_fields if f not in RESERVED]
        + [
            pa.field("extra", pa.string()),  # the record's other fields, as JSON
            pa.field("source", pa.string()),
            pa.field("language", pa.string()),
            pa.field("language_score", pa.float32()),
            pa.field("quality_score", pa.float32()),
            pa.field("contamination", pa.list_(pa.string())),
        ],
        metadata={"schema": "record", "schema_version": str(VERSION), "text_fields": json.dumps(text_fields)},
    )


def record_row(doc_id: str, metadata: dict, text_fields: list[str], id_field: str) -> dict:
    """A row of record_schema(text_fields) from a document read by a record reader."""
    record = metadata["record"]
    row = {"id": doc_id}
    for field in text_fields:
        if field not in RESERVED:
            value = record.get(field)
            row[field] = "\n".join(value) if isinstance(value, list) else value
    extra = {k: v for k, v in record.items() if k not in text_fields and k != id_field}
    row["extra"] = json.dumps(extra, ensure_ascii=False, sort_keys=True, default=str) if extra else None
    for key in RESERVED[2:]:
        row[key] = metadata.get(key)
    return row
