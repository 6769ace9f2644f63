"""Writes a split as Parquet shards named as the Hub expects: <split>-00000-of-000NN.parquet.

The shards are made for the Hub: each stays under a byte limit (500 MB by default), row groups are
bounded in rows and in bytes for the dataset viewer, every file has a page index, and data pages are
cut by pyarrow's content-defined chunking. Row groups end where a row's id says so (content-defined
too), so a version that adds, drops or edits a few rows writes the pages around the change anew and
every other page byte for byte as the last version did: a chunk-deduplicating store (the Hub's Xet)
receives little more than what changed.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

# A row group's bytes in memory at most, as `datasets` sizes them (config.MAX_ROW_GROUP_SIZE): the viewer
# refuses a row group past ~300 MB, and with the page index it reads single pages of the ones it takes.
ROW_GROUP_BYTES = 100 * 2**20
ROW_GROUP_ROWS = 100_000  # and rows at most, for readers that take a row group at a time
# Between those bounds a row group ends after a row with a chance of (its bytes / a third of the largest
# group), drawn from a hash of the row's id: groups hold many CDC pages (an edit rewrites a page, not a
# group) and end where the rows say so, so an insertion or a deletion moves no later cut. No cut comes
# before a quarter of that third.
MAX_SHARD_BYTES = 500_000_000  # the Hub's recommended largest Parquet file
# `datasets`' DEFAULT_CDC_OPTIONS (pyarrow's defaults), spelled out: they are part of the writer's code.
CDC_OPTIONS = {"min_chunk_size": 256 * 1024, "max_chunk_size": 1024 * 1024, "norm_level": 0}
# What a shard's footer may take beyond its data: schema and key-value metadata, then per column chunk
# its metadata, statistics and page index entries (about 400 bytes each for text columns, measured).
FOOTER_BASE_BYTES = 64 * 1024
FOOTER_CHUNK_BYTES = 1024
# A row group's encoded size over its estimated in-memory size, at worst (incompressible values, with
# page headers and levels); text compresses far below 1.
ENCODED_OVER_ESTIMATE = 1.25


def merge_in_input_order(streams: Iterable[Iterator], key) -> Iterator:
    """Merge per-task streams, each in input order, into one stream in input order.

    Every task keeps the order of the files it reads, so the merged order (and the Parquet bytes)
    do not depend on how many tasks ran.
    """
    return heapq.merge(*streams, key=key)


def row_bytes(value) -> int:
    """A row's (or value's) size in Arrow memory, near enough: data plus offsets, 8 bytes a number."""
    if isinstance(value, str):
        return len(value.encode("utf-8", "surrogatepass")) + 4
    if isinstance(value, bytes):
        return len(value) + 4
    if isinstance(value, dict):
        return sum(row_bytes(v) for v in value.values())
    if isinstance(value, list | tuple):
        return sum(row_bytes(v) for v in value) + 4
    return 1 if value is None or isinstance(value, bool) else 8


def ends_row_group(row: dict, size: int, target: int) -> bool:
    """Whether a row group ends after this row of `size` bytes, with a chance of size / target: decided by
    a hash of its id (of its whole content if it has none), so the same row always decides the same."""
    key = row.get("id")
    if not isinstance(key, str):
        key = json.dumps(row, sort_keys=True, default=str)
    digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little") < 2**64 * size / target


class _ShardWriter:
    """Row groups into shards under a row and a byte limit; shards are named once their count is known."""

    def __init__(self, schema: pa.Schema, data_dir: Path, codec: str | None, max_rows: int, max_bytes: int):
        self.schema, self.data_dir, self.codec = schema, data_dir, codec
        self.max_rows, self.max_bytes = max_rows, max_bytes
        self.parts: list[Path] = []
        self.writer: pq.ParquetWriter | None = None
        self.sink: pa.NativeFile | None = None
        self.rows = self.groups = 0

    def room(self) -> int:
        """Rows the open shard can still take (a new shard's worth if none is open or it is full)."""
        full = self.writer is None or self.rows == self.max_rows
        return self.max_rows if full else self.max_rows - self.rows

    def write_group(self, rows: list[dict], estimate: int) -> None:
        """Write one row group, first closing the shard if the group could take it past the byte limit."""
        if self.writer is not None and (self.rows == self.max_rows or not self._fits(estimate)):
            self._close()
        if self.writer is None:
            self._open()
        self.writer.write_table(pa.Table.from_pylist(rows, schema=self.schema), row_group_size=len(rows))
        self.rows += len(rows)
        self.groups += 1

    def _fits(self, estimate: int) -> bool:
        footer = FOOTER_BASE_BYTES + FOOTER_CHUNK_BYTES * len(self.schema) * (self.groups + 1)
        return self.sink.tell() + ENCODED_OVER_ESTIMATE * estimate + footer <= self.max_bytes

    def _open(self) -> None:
        self.parts.append(self.data_dir / f".part-{len(self.parts):05d}.parquet")
        self.sink = pa.OSFile(str(self.parts[-1]), "wb")
        # The page index lets the viewer read a page without its whole row group. No dictionaries: a
        # text column's dictionary page (up to 1 MB, most of a row group's text) is not cut by content,
        # so one edit would change all of it; zstd compresses repeated short values as well (measured).
        self.writer = pq.ParquetWriter(self.sink, self.schema, compression=self.codec, write_page_index=True,
                                       use_dictionary=False, use_content_defined_chunking=CDC_OPTIONS)
        # As `datasets` marks its files: readers (and rewriters) can tell how the pages were cut.
        self.writer.add_key_value_metadata({"content_defined_chunking": json.dumps(CDC_OPTIONS)})
        self.rows = self.groups = 0

    def _close(self) -> None:
        self.writer.close()
        self.sink.close()
        self.writer = self.sink = None

    def finish(self, split: str) -> list[Path]:
        if self.writer is None and not self.parts:  # no rows: one empty shard keeps the split loadable
            self._open()
        if self.writer is not None:
            self._close()
        final = []
        for i, part in enumerate(self.parts):
            name = self.data_dir / f"{split}-{i:05d}-of-{len(self.parts):05d}.parquet"
            os.rename(part, name)
            final.append(name)
        return final


def write_split(rows: Iterable[dict], schema: pa.Schema, data_dir: Path, split: str,
                max_rows_per_shard: int, compression: str, max_shard_bytes: int = MAX_SHARD_BYTES,
                row_group_bytes: int = ROW_GROUP_BYTES) -> list[Path]:
    """Stream rows into shards of at most `max_rows_per_shard` rows and `max_shard_bytes` bytes on disk;
    returns the shard paths."""
    data_dir.mkdir(parents=True, exist_ok=True)
    shards = _ShardWriter(schema, data_dir, None if compression == "none" else compression,
                          max_rows_per_shard, max_shard_bytes)
    # A row group must fit in a shard with room to spare for the footer.
    group_bytes = min(row_group_bytes, int(max_shard_bytes / ENCODED_OVER_ESTIMATE / 2))
    target = group_bytes // 3
    group: list[dict] = []
    size = 0
    for row in rows:
        n = row_bytes(row)
        if group and size + n > group_bytes:
            shards.write_group(group, size)
            group, size = [], 0
        group.append(row)
        size += n
        if (len(group) >= min(ROW_GROUP_ROWS, shards.room())
                or (size >= target // 4 and ends_row_group(row, n, target))):
            shards.write_group(group, size)
            group, size = [], 0
    if group:
        shards.write_group(group, size)
    return shards.finish(split)
