"""Writes a split as Parquet shards named as the Hub expects: <split>-00000-of-000NN.parquet."""

from __future__ import annotations

import heapq
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ROW_GROUP_ROWS = 1_000


def merge_in_input_order(streams: Iterable[Iterator], key) -> Iterator:
    """Merge per-task streams, each in input order, into one stream in input order.

    Every task keeps the order of the files it reads, so the merged order (and the Parquet bytes)
    do not depend on how many tasks ran.
    """
    return heapq.merge(*streams, key=key)


def write_split(rows: Iterable[dict], schema: pa.Schema, data_dir: Path, split: str,
                max_rows_per_shard: int, compression: str) -> list[Path]:
    """Stream rows into shards of at most `max_rows_per_shard` rows; returns the shard paths."""
    data_dir.mkdir(parents=True, exist_ok=True)
    codec = None if compression == "none" else compression
    parts: list[Path] = []
    writer: pq.ParquetWriter | None = None
    batch: list[dict] = []
    in_shard = 0

    def flush() -> None:
        if batch:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            batch.clear()

    def open_shard() -> pq.ParquetWriter:
        parts.append(data_dir / f".part-{len(parts):05d}.parquet")
        return pq.ParquetWriter(parts[-1], schema, compression=codec)

    for row in rows:
        if writer is None or in_shard == max_rows_per_shard:
            if writer is not None:
                flush()
                writer.close()
            writer, in_shard = open_shard(), 0
        batch.append(row)
        in_shard += 1
        if len(batch) == ROW_GROUP_ROWS:
            flush()
    if writer is None:  # no rows: one empty shard keeps the split loadable
        writer = open_shard()
    flush()
    writer.close()
    # The shard count is known only at the end.
    final = []
    for i, part in enumerate(parts):
        name = data_dir / f"{split}-{i:05d}-of-{len(parts):05d}.parquet"
        os.rename(part, name)
        final.append(name)
    return final
