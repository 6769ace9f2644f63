"""A dedup index on disk: datatrove's MinHash index files (its sorted band signatures, byte for byte), the
record of each entry beside them, and the records' own ids; written a bucket at a time, read a chunk at a
time, and joined with new signatures by sorted merge.

    <index>/bucket_000/<name>_00.minhash.index   datatrove's format: `hashes` little-endian uint64 an entry
    <index>/rows/bucket_000/<name>_00.rows       each entry's record: a little-endian uint64 row of ids.arrow
    <index>/ids.arrow                            the records' ids in row order (Arrow IPC, fixed batches)

datatrove's `MinhashDedupBuckets(index_folder=<index>)` reads the bucket folders as its own index; the rows
live outside them because datatrove takes every file of a bucket folder for an index file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa

HASH = np.dtype("<u8")
ROW = np.dtype("<u8")
SHARD_ENTRIES = 1 << 22  # entries per index file: a bucket's entries are cut into hash ranges of this size
CHUNK_ENTRIES = 1 << 16  # entries read at a time: what a join holds of an index
ID_BATCH = 1 << 16  # ids per Arrow batch: row r is in batch r // ID_BATCH
IDS = "ids.arrow"
INDEX_SUFFIX = ".minhash.index"
ROWS_SUFFIX = ".rows"


def signature_dtype(hashes: int) -> np.dtype:
    """A record of datatrove's signature files (`<{hashes}QI`): a band's hashes and the document's index."""
    return np.dtype([("h", HASH, (hashes,)), ("doc", "<u4")])


def keys(hashes: np.ndarray) -> np.ndarray:
    """Each row of hashes as one byte string that sorts as the tuple of integers does (big-endian)."""
    hashes = np.ascontiguousarray(hashes, dtype=">u8").reshape(len(hashes), -1)
    return hashes.view(f"S{8 * hashes.shape[1]}").ravel()


def write_bucket(folder: Path, bucket: int, name: str, hashes: np.ndarray, rows: np.ndarray,
                 shard_entries: int = SHARD_ENTRIES) -> list[Path]:
    """One bucket's entries (hashes, the record row of each), sorted by hash then row, as index shards of
    contiguous hash ranges and their rows files; returns the files written."""
    order = np.lexsort((rows, *reversed(hashes.T))) if len(rows) else np.empty(0, dtype=np.int64)
    hashes, rows = hashes[order], rows[order]
    written = []
    for shard, start in enumerate(range(0, len(rows), shard_entries)):
        part = f"bucket_{bucket:03d}/{name}_{shard:02d}"
        index, row_file = folder / f"{part}{INDEX_SUFFIX}", folder / "rows" / f"{part}{ROWS_SUFFIX}"
        for path, values, dtype in ((index, hashes, HASH), (row_file, rows, ROW)):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(np.ascontiguousarray(values[start:start + shard_entries], dtype=dtype).tobytes())
            written.append(path)
    return written


def read_chunks(index: BinaryIO, rows: BinaryIO, hashes: int,
                chunk: int = CHUNK_ENTRIES) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """An index file and its rows file, `chunk` entries at a time: (hashes (n, hashes), rows (n,))."""
    width = HASH.itemsize * hashes
    while block := index.read(width * chunk):
        values = np.frombuffer(block, dtype=HASH).reshape(-1, hashes)
        found = np.frombuffer(rows.read(ROW.itemsize * len(values)), dtype=ROW)
        if len(found) != len(values):
            raise ValueError(f"index rows end before its entries ({len(found)} rows for {len(values)})")
        yield values, found


def join(new: np.ndarray, chunk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where sorted keys `new` equal keys of a sorted index chunk: (positions in new, positions in chunk),
    the first equal entry of the chunk for each."""
    if not len(new) or not len(chunk):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    lo, hi = np.searchsorted(new, chunk[0], "left"), np.searchsorted(new, chunk[-1], "right")
    candidates = new[lo:hi]
    at = np.searchsorted(chunk, candidates, "left")
    hit = chunk[np.minimum(at, len(chunk) - 1)] == candidates
    return lo + np.flatnonzero(hit), at[hit]


def write_ids(ids: Iterable[str], path: Path) -> int:
    """Record ids in row order as an Arrow IPC file of ID_BATCH-row batches; returns how many."""
    schema = pa.schema([("id", pa.string())])
    count, batch = 0, []
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, schema) as writer:
        for record_id in ids:
            batch.append(record_id)
            if len(batch) == ID_BATCH:
                writer.write_batch(pa.record_batch([pa.array(batch, pa.string())], schema=schema))
                count, batch = count + len(batch), []
        if batch or not count:
            writer.write_batch(pa.record_batch([pa.array(batch, pa.string())], schema=schema))
    return count + len(batch)


def lookup_ids(source: BinaryIO | Path, rows: np.ndarray) -> dict[int, str]:
    """The ids of the given rows (any order), reading only the batches that hold them."""
    reader = pa.ipc.open_file(pa.PythonFile(source) if not isinstance(source, Path) else str(source))
    wanted = np.unique(np.asarray(rows, dtype=np.int64))
    found: dict[int, str] = {}
    for batch_no in np.unique(wanted // ID_BATCH):
        in_batch = wanted[wanted // ID_BATCH == batch_no]
        column = reader.get_batch(int(batch_no)).column(0)
        found.update(zip(in_batch.tolist(), column.take(pa.array(in_batch % ID_BATCH)).to_pylist(),
                         strict=True))
    return found
