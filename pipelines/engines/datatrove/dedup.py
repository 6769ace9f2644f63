"""Exact and MinHash dedup on datatrove's MinHash stages (signatures, buckets, clusters, filter).

Exact dedup is the same four stages with a one-bucket "signature" that is the hash of the normalised
text, so both share one clustering rule and one report. datatrove's stages are used as they are,
except where a dataset needs more than they give, each said in its class:
- which copy survives: datatrove joins clusters by size, so the survivor depends on task layout; here
  it is the copy first in input order (input file, then position), whatever the number of tasks
  (dedup_cluster.py);
- the report: every clustered record's cluster, and whether it was kept, goes to a side table; a record
  found in a reference's index (dedup_match.py) with the reference and the matched record's own id.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.dedup.minhash import (
    MinhashConfig,
    MinhashDedupBuckets,
    MinhashDedupFilter,
    MinhashDedupSignature,
)

from pipelines.engines.datatrove.cache import DropTally, side_file, words
from pipelines.engines.datatrove.records import compared_text
from transforms.dedup import exact_key

ORDER_SUFFIX = ".order"  # per signature task: each document's (source_index, record_index), int64
IDS_SUFFIX = ".ids"  # per signature task: each document's id, a JSON string a line (what an index names)
MATCHED_SUFFIX = ".matched"  # per task: [document, index source, matched id] a line, of found records
KEEP_RULE = "first in input order (input file, then position in it)"
PRESENT = "already_present"  # the drop reason of a record found in a reference


class _OrderedSignature:
    """Signs what the recipe compares (its fields, or the text) and notes each document's input order and
    id (by the document's index in its task, as the signatures do)."""

    def _setup(self, order_dir: str, ids_dir: str, fields: Sequence[str] | None) -> None:
        self.order_dir, self.ids_dir, self.fields = order_dir, ids_dir, list(fields) if fields else None

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> None:
        with (side_file(self.order_dir, rank, ORDER_SUFFIX[1:], "wb") as order,
              side_file(self.ids_dir, rank, IDS_SUFFIX[1:]) as ids):
            super().run(self._compared(data, order, ids), rank, world_size)  # consumes the documents

    def _compared(self, data: DocumentsPipeline, order, ids) -> DocumentsPipeline:
        for doc in data:
            order.write(struct.pack("<2q", doc.metadata["source_index"], doc.metadata["record_index"]))
            ids.write(json.dumps(doc.id, ensure_ascii=False) + "\n")
            text = compared_text(doc, self.fields)
            if text is None:  # kept as it is: it has nothing to compare
                self.stat_update("uncompared_missing_fields")
                text = ""
            # Only this run sees the swapped text: signatures are written, documents are not.
            doc.text = text
            yield doc


class NearDupSignature(_OrderedSignature, MinhashDedupSignature):
    """datatrove's MinHash signature of each document's compared text."""

    def __init__(self, output_folder: str, config: MinhashConfig, language: str, order_dir: str, ids_dir: str,
                 fields: Sequence[str] | None):
        super().__init__(output_folder, config, language)
        self._setup(order_dir, ids_dir, fields)


class ExactSignature(_OrderedSignature, MinhashDedupSignature):
    """A one-bucket signature that is the 122-bit hash of the normalised text: equal means a copy."""

    name = "💥 exact-content signature"

    def __init__(self, output_folder: str, order_dir: str, ids_dir: str, fields: Sequence[str] | None):
        super().__init__(output_folder, exact_config())
        self._setup(order_dir, ids_dir, fields)

    def get_shingles(self, text: str) -> np.ndarray:
        return exact_key(text)

    def get_signature(self, shingles: np.ndarray) -> list[list[int]]:
        return [shingles.tolist()]


def exact_config() -> MinhashConfig:
    return MinhashConfig(num_buckets=1, hashes_per_bucket=2)


class ClusterFilter(MinhashDedupFilter):
    """datatrove's dedup filter: drops all but the survivor of each cluster, counted under `reason`; every
    clustered record, kept or dropped, goes to the task's side table with its cluster. With references
    (`against`), a record found in one is dropped as already present (or kept and marked), and its row
    names the reference and the matched record."""

    name = "🎯 dedup filter"

    def __init__(self, clusters_dir: str, table_dir: str, reason: str, against: bool = False,
                 action: str = "remove"):
        super().__init__(clusters_dir, exclusion_writer=_Dropped(self), load_cluster_ids=True)
        self.table_dir, self.reason, self.against, self.action = table_dir, reason, against, action
        self._table = None
        self._matched: dict[int, list] = {}

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if self.against:
            self._matched = _matched(self.data_folder, rank)
            data = _numbered(data)
        with side_file(self.table_dir, rank, "jsonl") as self._table:
            for doc in super().run(data, rank, world_size):
                self.note(doc, kept=True)
                yield doc

    def note(self, doc: Document, kept: bool) -> None:
        cluster = doc.metadata.pop("minhash_cluster_id", -1)
        found = self._matched.get(doc.metadata.pop("dedup_index", -1))
        # Named only where the reference decided: removed as already present, or kept and marked.
        present = found is not None and kept == (self.action == "mark")
        if cluster >= 0:
            row = [cluster, doc.metadata["source_index"], doc.metadata["record_index"], doc.id,
                   doc.metadata.get("source"), kept]
            if self.against:
                row += found if present else [None, None]
            self._table.write(json.dumps(row, ensure_ascii=False) + "\n")
        if present and kept:
            self.stat_update(f"marked_{PRESENT}")
        if not kept:
            reason = PRESENT if present else self.reason
            self.stat_update(f"dropped_{reason}")
            self.stat_update(f"words_dropped_{reason}", value=words(doc.text))


def _numbered(data: DocumentsPipeline) -> DocumentsPipeline:
    """Each document with its index in the task, which the cluster step's files name it by."""
    for i, doc in enumerate(data):
        doc.metadata["dedup_index"] = i
        yield doc


def _matched(folder, rank: int) -> dict[int, list]:
    """A task's records found in a reference: document index -> [index source, matched id]."""
    name = f"{rank:06d}{MATCHED_SUFFIX}"
    if not folder.exists(name):
        return {}
    with folder.open(name, "rt") as f:
        return {doc: [source, matched] for doc, source, matched in map(json.loads, f)}


class _Dropped(DropTally):
    """Stands where datatrove's filter takes an exclusion writer: notes each dropped copy."""

    def write(self, document: Document, rank: int = 0) -> None:
        self.step.note(document, kept=False)


def buckets_step(signatures: str, out: str, config: MinhashConfig) -> MinhashDedupBuckets:
    return MinhashDedupBuckets(input_folder=signatures, output_folder=out, config=config)


def write_cluster_table(table_dir: Path, out: Path, labels: list[str] | None = None) -> dict:
    """The side table of every clustered record (cluster, id, source, kept; with references, the reference
    and the matched record's id), in cluster then input order; returns its counts."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [json.loads(line) for path in sorted(table_dir.glob("*.jsonl")) for line in open(path)]
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    width = 6 if labels is None else 8
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in range(width)]
    table = {
        "cluster": pa.array(columns[0], pa.int64()),
        "id": pa.array(columns[3], pa.string()),
        "source": pa.array(columns[4], pa.string()),
        "kept": pa.array(columns[5], pa.bool_()),
    }
    if labels is None:
        pq.write_table(pa.table(table), out, compression="zstd")
        kept = sum(columns[5])
        return {"clusters": kept, "clustered": len(rows), "removed": len(rows) - kept}
    table["reference"] = pa.array([None if k is None else labels[k] for k in columns[6]], pa.string())
    table["matched_id"] = pa.array(columns[7], pa.string())
    pq.write_table(pa.table(table), out, compression="zstd")
    present, marked = {label: 0 for label in labels}, {label: 0 for label in labels}
    for row in rows:
        if row[6] is not None:
            (marked if row[5] else present)[labels[row[6]]] += 1
    return {"clusters": len(set(columns[0])), "clustered": len(rows),
            "removed": sum(1 for r in rows if not r[5] and r[6] is None), PRESENT: present, "marked": marked}
