"""Finds this build's records in reference indexes (another version's, a corpus's): one task per bucket."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from datatrove.data import DocumentsPipeline
from datatrove.io import get_datafolder
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.dedup.minhash import MinhashConfig

from pipelines.engines.datatrove.cache import side_file
from transforms.dedup_index import INDEX_SUFFIX, ROWS_SUFFIX, join, keys, read_chunks, signature_dtype

# A match: (signature task, document index in it, index source, row of the indexed record).
MATCH_FORMAT = ("I", "I", "I", "Q")
MATCH_DTYPE = np.dtype([("task", "<u4"), ("doc", "<u4"), ("source", "<u4"), ("row", "<u8")])


class IndexMatch(PipelineStep):
    """The records whose band signature a reference's index holds, with the row of the indexed record.

    datatrove's MinhashDedupBuckets(index_folder=...) finds the same records in the same index files, but
    writes SENTINEL for the indexed one: which record matched is lost (datatrove #370). This join reads
    datatrove's index format and the rows beside it, so the matched record is named by its own id. Memory:
    this bucket's new signatures and one chunk of an index at a time, whatever the reference's size.
    """

    type = "🫂 - DEDUP"
    name = "🎯 matches in reference indexes"

    def __init__(self, signatures: str, indexes: list[str], output_folder: str, config: MinhashConfig):
        super().__init__()
        self.signatures, self.indexes, self.output_folder = signatures, list(indexes), output_folder
        self.config = config

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> None:
        assert world_size == self.config.num_buckets, "one task per bucket"
        hashes = self.config.hashes_per_bucket
        with self.track_time():
            tasks, docs, new = self._signatures(rank, hashes)
            with side_file(self.output_folder, rank, "matches", "wb") as out:
                for source, location in enumerate(self.indexes):
                    for values, found in _index_chunks(location, rank, hashes):
                        self.stat_update("index_entries", value=len(found))
                        at_new, at_index = join(new, keys(values))
                        if len(at_new):
                            hits = np.empty(len(at_new), dtype=MATCH_DTYPE)
                            hits["task"], hits["doc"] = tasks[at_new], docs[at_new]
                            hits["source"], hits["row"] = source, found[at_index]
                            out.write(hits.tobytes())
                            self.stat_update("matches", value=len(at_new))

    def _signatures(self, bucket: int, hashes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """This bucket's signatures of every task: (task, document, key), sorted by key."""
        folder = get_datafolder(self.signatures)
        dtype = signature_dtype(hashes)
        parts = []
        for name in folder.list_files(subdirectory=f"bucket_{bucket:03d}"):
            with folder.open(name, "rb") as f:
                records = np.frombuffer(f.read(), dtype=dtype)
            task = int(name.rsplit("/", 1)[-1].split(".")[0])
            parts.append((np.full(len(records), task, dtype="<u4"), records))
        if not parts:
            return np.empty(0, "<u4"), np.empty(0, "<u4"), keys(np.empty((0, hashes), dtype="<u8"))
        tasks = np.concatenate([t for t, _ in parts])
        records = np.concatenate([r for _, r in parts])
        found = keys(records["h"])
        order = np.argsort(found, kind="stable")
        self.stat_update("signatures", value=len(records))
        return tasks[order], records["doc"][order], found[order]


def _index_chunks(location: str, bucket: int, hashes: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """An index's entries in one bucket, a chunk at a time, each with its record's row."""
    folder = get_datafolder(location)
    names = folder.list_files(subdirectory=f"bucket_{bucket:03d}", glob_pattern=f"*{INDEX_SUFFIX}")
    for name in sorted(names):
        rows = f"rows/{name.removesuffix(INDEX_SUFFIX)}{ROWS_SUFFIX}"
        with folder.open(name, "rb") as index, folder.open(rows, "rb") as found:
            yield from read_chunks(index, found, hashes)
