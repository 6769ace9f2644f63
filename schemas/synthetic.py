"""Synthetic records: instruction, QA, critique and preference rows, each with its provenance (version 1)."""

from __future__ import annotations

import pyarrow as pa

VERSION = 1

# Where every synthetic row came from and how it was made.
PROVENANCE = [
    pa.field("source_id", pa.string(), nullable=False),  # the record it was generated from
    pa.field("sample", pa.int32(), nullable=False),  # which of the n samples
    pa.field("task", pa.string(), nullable=False),
    pa.field("model", pa.string(), nullable=False),
    pa.field("model_revision", pa.string(), nullable=False),  # Hub revision or sha256 of the weights
    pa.field("sampling", pa.string(), nullable=False),  # the sampling parameters, as JSON
    pa.field("template_sha256", pa.string(), nullable=False),
    pa.field("seed", pa.int64(), nullable=False),
]


def _schema(name: str, fields: list[pa.Field]) -> pa.Schema:
    return pa.schema([pa.field("id", pa.string(), nullable=False), *fields, *PROVENANCE],
                     metadata={"schema": name, "schema_version": str(VERSION)})


SCHEMAS: dict[str, pa.Schema] = {
    "instruction": _schema(
        "instruction",
        [
            pa.field("instruction", pa.string(), nullable=False),
            pa.field("response", pa.string(), nullable=False),
        ],
    ),
    "qa": _schema(
        "qa",
        [
            pa.field("question", pa.string(), nullable=False),
            pa.field("answer", pa.string(), nullable=False),
            pa.field("support", pa.float32()),
        ],
    ),  # share of the answer's words in the passage
    "critique": _schema(
        "critique",
        [
            pa.field("prompt", pa.string(), nullable=False),
            pa.field("response", pa.string(), nullable=False),
            pa.field("score", pa.int32(), nullable=False),
            pa.field("rationale", pa.string(), nullable=False),
        ],
    ),
    "preference": _schema(
        "preference",
        [
            pa.field("prompt", pa.string(), nullable=False),
            pa.field("chosen", pa.string(), nullable=False),
            pa.field("rejected", pa.string(), nullable=False),
            pa.field("chosen_score", pa.int32(), nullable=False),
            pa.field("rejected_score", pa.int32(), nullable=False),
        ],
    ),
}
