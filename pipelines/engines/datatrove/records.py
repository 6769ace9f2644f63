"""Reads records (JSONL, Parquet: seed data, synthetic instruction or QA rows) as datatrove documents.

A record's text is the recipe's text fields joined by a blank line; the whole record rides along in
metadata["record"], so stages that compare named fields (dedup, decontamination) and the writer see it.
"""

from __future__ import annotations

from pathlib import Path

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.readers import JsonlReader, ParquetReader

from transforms.dedup import record_text


class _RecordDocuments:
    """Turns a record into a document, or names why it cannot be one; counted where it happens."""

    def _setup(self, text_fields: list[str], id_field: str, max_record_bytes: int,
               source_index: dict[str, int], per_file: int | None) -> None:
        self.text_fields, self.id_field = text_fields, id_field
        self.max_record_bytes = max_record_bytes
        self.source_index = source_index
        self.per_file = per_file  # the first N documents of each file (input.limit)

    def _document(self, record, filepath: str, index: int) -> Document | None:
        self.stat_update("records")
        if not isinstance(record, dict):
            self.stat_update("dropped_not_an_object")
            return None
        text = record_text(record, self.text_fields)
        if text is None:
            self.stat_update("dropped_missing_text_field")
            return None
        if not text.strip():
            self.stat_update("dropped_empty")
            return None
        if len(text) > self.max_record_bytes:
            self.stat_update("dropped_too_large")
            return None
        name = Path(filepath).name
        record_id = record.get(self.id_field)
        return Document(
            text=text,
            id=str(record_id) if record_id not in (None, "") else f"{name}#{index}",
            metadata={"record": record, "source": name, "source_index": self.source_index[filepath],
                      "record_index": index},
        )


class JsonlRecordReader(_RecordDocuments, JsonlReader):
    """JSONL records; a line that is not UTF-8 or not JSON is counted and skipped, not the file's end."""

    name = "📄 JSONL records (counted)"

    # datatrove's JsonlReader skips malformed lines uncounted and stops a file at undecodable bytes.
    def __init__(self, data_folder, paths_file, text_fields, id_field, max_record_bytes, source_index,
                 per_file=None):
        super().__init__(data_folder, paths_file=paths_file, compression="infer")
        self._setup(text_fields, id_field, max_record_bytes, source_index, per_file)

    def read_file(self, filepath: str) -> DocumentsPipeline:
        import orjson

        with self.data_folder.open(filepath, "rb", compression=self.compression) as f:
            index, kept = -1, 0
            for line in f:
                if kept == self.per_file:
                    return
                if not line.strip():
                    continue
                index += 1  # every non-blank line is a record, readable or not: positions stay the lines'
                with self.track_time():
                    try:
                        record = orjson.loads(line)  # rejects bytes that are not UTF-8
                    except orjson.JSONDecodeError as e:
                        self.stat_update("records")
                        self.stat_update("dropped_undecodable" if "utf-8" in str(e).lower()
                                         else "dropped_malformed_json")
                        continue
                    doc = self._document(record, filepath, index)
                if doc is not None:
                    kept += 1
                    yield doc


class ParquetRecordReader(_RecordDocuments, ParquetReader):
    """Parquet records, streamed a batch at a time."""

    name = "📒 Parquet records (counted)"

    def __init__(self, data_folder, paths_file, text_fields, id_field, max_record_bytes, source_index,
                 per_file=None):
        super().__init__(data_folder, paths_file=paths_file)
        self._setup(text_fields, id_field, max_record_bytes, source_index, per_file)

    def read_file(self, filepath: str) -> DocumentsPipeline:
        import pyarrow.parquet as pq

        with self.data_folder.open(filepath, "rb") as f, pq.ParquetFile(f) as pqf:
            index, kept = 0, 0
            for batch in pqf.iter_batches(batch_size=self.batch_size):
                for record in batch.to_pylist():
                    if kept == self.per_file:
                        return
                    with self.track_time():
                        doc = self._document(record, filepath, index)
                    index += 1
                    if doc is not None:
                        kept += 1
                        yield doc


def compared_text(doc: Document, fields: list[str] | None) -> str | None:
    """What a stage compares: the named fields of a record (or "text"), else the document's text."""
    if not fields:
        return doc.text
    return record_text({"text": doc.text, **doc.metadata.get("record", {})}, fields)
