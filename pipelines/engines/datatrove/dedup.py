"""Exact and MinHash dedup on datatrove's MinHash stages (signatures, buckets, clusters, filter).

Exact dedup is the same four stages with a one-bucket "signature" that is the hash of the normalised
text, so both share one clustering rule and one report. datatrove's stages are used as they are,
except where a dataset needs more than they give, each said in its class:
- which copy survives: datatrove joins clusters by size, so the survivor depends on task layout; here
  it is the copy first in input order (input file, then position), whatever the number of tasks;
- the report: every clustered record's cluster, and whether it was kept, goes to a side table.
"""

from __future__ import annotations

import json
import struct
import tempfile
from array import array
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from datatrove.data import Document, DocumentsPipeline
from datatrove.io import get_datafolder
from datatrove.pipeline.dedup.minhash import (
    SENTINEL,
    MinhashConfig,
    MinhashDedupBuckets,
    MinhashDedupCluster,
    MinhashDedupFilter,
    MinhashDedupSignature,
)
from datatrove.utils.binaryio import read_tuples_from_file

from pipelines.engines.datatrove.cache import DropTally, side_file, words
from pipelines.engines.datatrove.records import compared_text
from transforms.dedup import exact_key

ORDER_SUFFIX = ".order"  # per signature task: each document's (source_index, record_index), int64
KEEP_RULE = "first in input order (input file, then position in it)"


class _OrderedSignature:
    """Signs what the recipe compares (its fields, or the text) and notes each document's input order."""

    def _setup(self, order_dir: str, fields: Sequence[str] | None) -> None:
        self.order_dir, self.fields = order_dir, list(fields) if fields else None

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> None:
        with side_file(self.order_dir, rank, ORDER_SUFFIX[1:], "wb") as order:
            super().run(self._compared(data, order), rank, world_size)  # consumes the documents

    def _compared(self, data: DocumentsPipeline, order) -> DocumentsPipeline:
        for doc in data:
            order.write(struct.pack("<2q", doc.metadata["source_index"], doc.metadata["record_index"]))
            text = compared_text(doc, self.fields)
            if text is None:  # kept as it is: it has nothing to compare
                self.stat_update("uncompared_missing_fields")
                text = ""
            # Only this run sees the swapped text: signatures are written, documents are not.
            doc.text = text
            yield doc


class NearDupSignature(_OrderedSignature, MinhashDedupSignature):
    """datatrove's MinHash signature of each document's compared text."""

    def __init__(self, output_folder: str, config: MinhashConfig, language: str, order_dir: str,
                 fields: Sequence[str] | None):
        super().__init__(output_folder, config, language)
        self._setup(order_dir, fields)


class ExactSignature(_OrderedSignature, MinhashDedupSignature):
    """A one-bucket signature that is the 122-bit hash of the normalised text: equal means a copy."""

    name = "💥 exact-content signature"

    def __init__(self, output_folder: str, order_dir: str, fields: Sequence[str] | None):
        super().__init__(output_folder, exact_config())
        self._setup(order_dir, fields)

    def get_shingles(self, text: str) -> np.ndarray:
        return exact_key(text)

    def get_signature(self, shingles: np.ndarray) -> list[list[int]]:
        return [shingles.tolist()]


def exact_config() -> MinhashConfig:
    return MinhashConfig(num_buckets=1, hashes_per_bucket=2)


class InputOrderCluster(MinhashDedupCluster):
    """Clusters duplicate pairs; the copy first in input order survives, and clusters are numbered so."""

    name = "🎯 clusters (first copy kept)"

    def __init__(self, input_folder: str, output_folder: str, config: MinhashConfig, order_dir: str):
        super().__init__(input_folder, output_folder, config)
        self.order_dir = order_dir

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1):
        assert world_size == 1, "clustering runs as one task"
        with self.track_time(), tempfile.TemporaryDirectory() as scratch:
            # (task, doc) -> input order, read from disk only for documents found in a pair.
            orders = _order_files(self.order_dir, Path(scratch))
            parent: dict[tuple[int, int], tuple[int, int]] = {}
            key: dict[tuple[int, int], tuple[int, int]] = {}

            def find(x):
                root = x
                while parent[root] != root:
                    root = parent[root]
                while parent[x] != root:  # path compression
                    parent[x], x = root, parent[x]
                return root

            def add(x):
                if x not in parent:
                    parent[x] = x
                    key[x] = tuple(orders[x[0]][x[1]].tolist())

            buffered = self.lines_to_buffer
            for dup_file in self.input_folder.list_files(glob_pattern="*.dups"):
                with self.input_folder.open(dup_file, "rb") as f:
                    for f1, d1, f2, d2 in read_tuples_from_file(f, "4I", lines_to_buffer=buffered):
                        if f1 == SENTINEL:  # a match against an index: there is none here
                            continue
                        a, b = (f1, d1), (f2, d2)
                        add(a), add(b)
                        ra, rb = find(a), find(b)
                        if ra != rb:  # the root is the member first in input order
                            parent[max(ra, rb, key=key.__getitem__)] = min(ra, rb, key=key.__getitem__)
            roots = sorted({find(x) for x in parent}, key=key.__getitem__)
            cluster_of = {root: i for i, root in enumerate(roots)}
            removals: dict[int, list[int]] = {task: [] for task in orders}
            clusters: dict[int, list[tuple[int, int]]] = {task: [] for task in orders}
            for node in sorted(parent):
                root = find(node)
                task, doc = node
                if node != root:
                    removals[task].append(doc)
                    self.stat_update("to_remove")
                clusters[task].append((doc, cluster_of[root]))
            self.stat_update("clusters", value=len(roots))
            # Every task gets its files, empty or not: datatrove's filter loads cluster ids only where
            # a .remove file exists, and a task may hold survivors only.
            for task in orders:
                with self.output_folder.open(f"{task:06d}.remove", "wb") as f:
                    f.write(array("I", removals[task]).tobytes())
                with self.output_folder.open(f"{task:06d}.clusters", "wb") as f:
                    f.write(array("I", [v for pair in clusters[task] for v in pair]).tobytes())


def _order_files(order_dir: str, scratch: Path) -> dict[int, np.ndarray]:
    """Each signature task's order file, by task, mapped from local disk: copied to `scratch` first where
    the stage's folder is on object storage (memory stays a page cache's, whatever the corpus)."""
    folder = get_datafolder(order_dir)
    orders = {}
    for name in sorted(folder.list_files(glob_pattern=f"*{ORDER_SUFFIX}")):
        path = Path(folder.resolve_paths(name))
        if not folder.is_local():
            path = scratch / name
            folder.get_file(name, str(path))
        orders[int(name.removesuffix(ORDER_SUFFIX))] = _order_keys(path)
    return orders


def _order_keys(path: Path) -> np.ndarray:
    """A signature task's (source_index, record_index) per document, mapped from disk."""
    if not path.stat().st_size:
        return np.empty((0, 2), dtype="<i8")
    return np.memmap(path, dtype="<i8", mode="r").reshape(-1, 2)


class ClusterFilter(MinhashDedupFilter):
    """datatrove's dedup filter: drops all but the survivor of each cluster, counted under `reason`; every
    clustered record, kept or dropped, goes to the task's side table with its cluster."""

    name = "🎯 dedup filter"

    def __init__(self, clusters_dir: str, table_dir: str, reason: str):
        super().__init__(clusters_dir, exclusion_writer=_Dropped(self), load_cluster_ids=True)
        self.table_dir, self.reason = table_dir, reason
        self._table = None

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        with side_file(self.table_dir, rank, "jsonl") as self._table:
            for doc in super().run(data, rank, world_size):
                self.note(doc, kept=True)
                yield doc

    def note(self, doc: Document, kept: bool) -> None:
        cluster = doc.metadata.pop("minhash_cluster_id", -1)
        if cluster >= 0:
            self._table.write(json.dumps([cluster, doc.metadata["source_index"], doc.metadata["record_index"],
                                          doc.id, doc.metadata.get("source"), kept]) + "\n")
        if not kept:
            self.stat_update(f"dropped_{self.reason}")
            self.stat_update(f"words_dropped_{self.reason}", value=words(doc.text))


class _Dropped(DropTally):
    """Stands where datatrove's filter takes an exclusion writer: notes each dropped copy."""

    def write(self, document: Document, rank: int = 0) -> None:
        self.step.note(document, kept=False)


def buckets_step(signatures: str, out: str, config: MinhashConfig) -> MinhashDedupBuckets:
    return MinhashDedupBuckets(input_folder=signatures, output_folder=out, config=config)


def write_cluster_table(table_dir: Path, out: Path) -> dict:
    """The side table of every clustered record (cluster, id, source, kept), in cluster then input
    order; returns its counts."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [json.loads(line) for path in sorted(table_dir.glob("*.jsonl")) for line in open(path)]
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in range(6)]
    table = pa.table({
        "cluster": pa.array(columns[0], pa.int64()),
        "id": pa.array(columns[3], pa.string()),
        "source": pa.array(columns[4], pa.string()),
        "kept": pa.array(columns[5], pa.bool_()),
    })
    pq.write_table(table, out, compression="zstd")
    kept = sum(columns[5])
    return {"clusters": kept, "clustered": len(rows), "removed": len(rows) - kept}
