"""A synthetic config's rows (one JSONL file) as datatrove documents, and the surviving rows written back.

A row's text is the chosen fields joined by a blank line (default: its text fields, less those named in
`skip`); the whole row rides along in metadata["record"], so the record stages (dedup, decontamination,
filters, quality) run on rows as they run on documents, and what survives is written back unchanged.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from datatrove.data import Document
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter

from pipelines.engines.datatrove.cache import words
from transforms.dedup import record_text


def row_text(row: dict, fields: Sequence[str] | None, skip: Sequence[str]) -> str | None:
    """The fields' text, or every text field of the row but those in `skip` (its id, its provenance)."""
    if fields:
        return record_text(row, fields)
    return "\n\n".join(v for k, v in row.items() if isinstance(v, str) and k not in skip and v)


class RowReader(JsonlReader):
    """Reads a config's rows file in order; a row without the compared fields is counted and skipped."""

    name = "🧾 synthetic rows"

    def __init__(self, folder: str, filename: str, config: str, fields: Sequence[str] | None,
                 skip: Sequence[str]):
        # Only that file of the stage's folder (which also holds Beam's shards and logs).
        super().__init__(folder, glob_pattern=filename, recursive=False, compression=None)
        self.config, self.fields, self.unread = config, list(fields) if fields else None, list(skip)

    def _default_adapter(self, data: dict, path: str, id_in_file: int | str) -> dict:
        return {"text": row_text(data, self.fields, self.unread) or "", "id": str(data.get("id", id_in_file)),
                "metadata": {"record": data, "source": self.config, "source_index": 0,
                             "record_index": id_in_file}}

    def get_document_from_dict(self, data: dict, source_file: str, id_in_file: int | str) -> Document | None:
        # datatrove skips a document without text uncounted: here it is counted, never lost silently.
        self.stat_update("records")
        document = super().get_document_from_dict(data, source_file, id_in_file)
        if document is None:
            self.stat_update("dropped_missing_fields")
        return document


def _row(self, document: Document) -> dict:
    return document.metadata["record"]


class RowWriter(JsonlWriter):
    """Writes each surviving row as it was read, one part file per task; `join_parts` makes them one file."""

    name = "🧾 synthetic rows"

    def __init__(self, folder: str):
        super().__init__(folder, output_filename="${rank}.jsonl", compression=None, adapter=_row)

    def write(self, document: Document, rank: int = 0, **kwargs):
        self.stat_update("words", value=words(document.text))
        super().write(document, rank, **kwargs)


def join_parts(parts: Path, out: Path) -> None:
    """The tasks' part files in rank order as one rows file (a task gets whole files: one holds them all)."""
    with open(out, "wb") as f:
        for part in sorted(parts.glob("*.jsonl"), key=lambda p: int(p.stem)) if parts.is_dir() else []:
            with open(part, "rb") as src:
                shutil.copyfileobj(src, f)
