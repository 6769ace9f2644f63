"""The version's rows, written by the tasks of the last documents stage as the documents pass: the version is
then written from these Arrow files (rows made in parallel, nothing to decode), not that stage's cache."""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
from datatrove.pipeline.base import PipelineStep

from schemas.document import DOCUMENT_SCHEMA, document_row
from schemas.record import record_row, record_schema

ORDER = ("__source_index", "__record_index")  # where a row was in the input: the version's order
BATCH = 2048


def version_schema(text_fields: list[str] | None) -> pa.Schema:
    """The version's schema of documents (text_fields None) or of records."""
    return DOCUMENT_SCHEMA if text_fields is None else record_schema(text_fields)


def version_row(doc, text_fields: list[str] | None, id_field: str) -> dict:
    """A document as the version's row."""
    if text_fields is None:
        return document_row(doc.id, doc.text, doc.metadata)
    return record_row(doc.id, doc.metadata, text_fields, id_field)


class VersionRows(PipelineStep):
    """Writes each document as the version's row, with its input position, one Arrow file per task; passes
    the document on."""

    name = "🗂 version rows"
    type = "💽 - WRITER"

    def __init__(self, folder: str, text_fields: list[str] | None, id_field: str = "id"):
        super().__init__()
        self.folder, self.text_fields, self.id_field = folder, text_fields, id_field

    def run(self, data, rank: int = 0, world_size: int = 1):
        from datatrove.io import get_datafolder

        schema = version_schema(self.text_fields)
        schema = schema.append(pa.field(ORDER[0], pa.int64())).append(pa.field(ORDER[1], pa.int64()))
        rows = []
        with get_datafolder(self.folder).open(f"{rank:05d}.arrow", "wb") as f, \
                pa.ipc.new_file(f, schema) as writer:
            for doc in data:
                row = version_row(doc, self.text_fields, self.id_field)
                where = doc.metadata["source_index"], doc.metadata["record_index"]
                rows.append(row | dict(zip(ORDER, where, strict=True)))
                if len(rows) >= BATCH:
                    writer.write_batch(pa.RecordBatch.from_pylist(rows, schema))
                    rows = []
                yield doc
            if rows:
                writer.write_batch(pa.RecordBatch.from_pylist(rows, schema))


def read_version_rows(folder: Path, tasks: int) -> Iterator[dict] | None:
    """The rows of every task's file in input order, merged; None where a task's file is missing (a stage
    cached before they were written, or by fewer tasks)."""
    files = sorted(folder.glob("*.arrow")) if folder.is_dir() else []
    if len(files) != tasks:
        return None

    def rows(path: Path) -> Iterator[dict]:
        with pa.memory_map(str(path)) as source:
            reader = pa.ipc.open_file(source)
            for k in range(reader.num_record_batches):
                yield from reader.get_batch(k).to_pylist()

    def strip(row: dict) -> dict:
        for key in ORDER:
            del row[key]
        return row

    merged = heapq.merge(*(rows(f) for f in files), key=lambda r: (r[ORDER[0]], r[ORDER[1]]))
    return (strip(row) for row in merged)
