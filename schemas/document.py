"""The curated web document: the rows of a curation dataset (schema version 1)."""

from __future__ import annotations

import pyarrow as pa

VERSION = 1

DOCUMENT_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        pa.field("url", pa.string()),
        pa.field("date", pa.string()),
        pa.field("language", pa.string()),
        pa.field("language_score", pa.float32()),
        pa.field("source", pa.string()),
        pa.field("quality_score", pa.float32()),
        pa.field("contamination", pa.list_(pa.string())),  # benchmark:item ids a marked row matched
    ],
    metadata={"schema": "document", "schema_version": str(VERSION)},
)


def document_row(doc_id: str, text: str, metadata: dict) -> dict:
    """A row of DOCUMENT_SCHEMA from a document's id, text and metadata."""
    return {
        "id": doc_id,
        "text": text,
        "url": metadata.get("url"),
        "date": metadata.get("date"),
        "language": metadata.get("language"),
        "language_score": metadata.get("language_score"),
        "source": metadata.get("source"),
        "quality_score": metadata.get("quality_score"),
        "contamination": metadata.get("contamination"),
    }
