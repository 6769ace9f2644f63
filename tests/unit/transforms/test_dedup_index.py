"""The dedup index on disk: sorted as datatrove sorts signatures, sharded, read in chunks, joined."""

from __future__ import annotations

import numpy as np

from transforms.dedup_index import join, keys, lookup_ids, read_chunks, write_bucket, write_ids


def test_keys_sort_as_the_tuples_of_integers_do():
    hashes = np.array([[3, 1], [1, 2], [2**63 + 5, 0], [1, 2**62], [0, 7]], dtype="<u8")
    assert np.argsort(keys(hashes), kind="stable").tolist() == sorted(
        range(len(hashes)), key=lambda i: tuple(hashes[i].tolist()))


def test_a_bucket_is_written_sorted_in_shards_and_read_back_in_chunks(tmp_path):
    rng = np.random.default_rng(0)
    hashes = rng.integers(0, 2**61, size=(1000, 3), dtype=np.uint64)
    hashes[500] = hashes[10]  # an entry twice: ordered by row
    rows = np.arange(1000, dtype="<u8")[::-1].copy()
    written = write_bucket(tmp_path, 2, "idx", hashes, rows, shard_entries=300)
    names = sorted(p.relative_to(tmp_path).as_posix() for p in written)
    assert names == [*(f"bucket_002/idx_{s:02d}.minhash.index" for s in range(4)),
                     *(f"rows/bucket_002/idx_{s:02d}.rows" for s in range(4))]
    read_hashes, read_rows = [], []
    for shard in range(4):
        with (open(tmp_path / f"bucket_002/idx_{shard:02d}.minhash.index", "rb") as index,
              open(tmp_path / f"rows/bucket_002/idx_{shard:02d}.rows", "rb") as found):
            for values, chunk_rows in read_chunks(index, found, 3, chunk=64):
                read_hashes.append(values)
                read_rows.append(chunk_rows)
    read_hashes, read_rows = np.concatenate(read_hashes), np.concatenate(read_rows)
    order = sorted(range(1000), key=lambda i: (tuple(hashes[i].tolist()), rows[i]))
    assert read_hashes.tolist() == hashes[order].tolist() and read_rows.tolist() == rows[order].tolist()
    assert (tmp_path / "bucket_002/idx_00.minhash.index").stat().st_size == 300 * 3 * 8  # <3Q> an entry


def test_join_finds_each_equal_key_and_the_first_entry_that_holds_it():
    index = keys(np.array([[1, 1], [2, 2], [2, 2], [5, 0], [9, 9]], dtype="<u8"))
    new = np.sort(keys(np.array([[0, 0], [2, 2], [5, 0], [5, 1], [9, 9], [10, 0]], dtype="<u8")))
    at_new, at_index = join(new, index)
    assert at_new.tolist() == [1, 2, 4] and at_index.tolist() == [1, 3, 4]
    assert [len(a) for a in join(new[:0], index)] == [0, 0]


def test_ids_are_found_by_row_across_batches(tmp_path):
    assert write_ids((f"doc-{i}" for i in range(70_000)), tmp_path / "ids.arrow") == 70_000
    assert lookup_ids(tmp_path / "ids.arrow", np.array([69_999, 3, 65_536, 3])) == {
        3: "doc-3", 65_536: "doc-65536", 69_999: "doc-69999"}
    with open(tmp_path / "ids.arrow", "rb") as f:  # a file object, as a remote store gives
        assert lookup_ids(f, np.array([1])) == {1: "doc-1"}
    assert write_ids([], tmp_path / "none.arrow") == 0
