"""A dedup stage's index from its signatures: the records it kept (all those it signed, for a corpus), in
datatrove's MinHash index format with each entry's record and the records' ids (transforms/dedup_index.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from datatrove.pipeline.dedup.minhash import MinhashConfig

from pipelines.engines.datatrove.dedup import IDS_SUFFIX, ORDER_SUFFIX
from transforms.dedup_index import IDS, ROW, signature_dtype, write_bucket, write_ids

ORDER_BYTES = 16  # a document's (source_index, record_index) in an order file


def write_index(made: Path, out: Path, config: MinhashConfig, name: str) -> tuple[list[Path], dict]:
    """The index of what the stage in `made` (its local folder) signed and did not remove, into `out`, a
    bucket at a time (memory: one bucket's entries); returns its files and its counts."""
    order = made / "order"
    tasks = sorted(int(p.name.removesuffix(ORDER_SUFFIX)) for p in order.glob(f"*{ORDER_SUFFIX}"))
    counts = [(order / f"{t:05d}{ORDER_SUFFIX}").stat().st_size // ORDER_BYTES for t in tasks]
    offsets = dict(zip(tasks, np.cumsum([0, *counts[:-1]]).tolist(), strict=True))
    removed = {t: _removed(made / "clusters" / f"{t:06d}.remove") for t in tasks}
    dtype = signature_dtype(config.hashes_per_bucket)
    out.mkdir(parents=True, exist_ok=True)
    files, entries = [], 0
    for bucket in range(config.num_buckets):
        hashes, rows = [], []
        for task in tasks:
            path = made / "signatures" / f"bucket_{bucket:03d}" / f"{task:05d}.minhash.sig"
            records = np.fromfile(path, dtype=dtype) if path.is_file() else np.empty(0, dtype=dtype)
            kept = records[~np.isin(records["doc"], removed[task])]
            hashes.append(kept["h"].reshape(-1, config.hashes_per_bucket))
            rows.append(offsets[task] + kept["doc"].astype(ROW))
        bucket_rows = np.concatenate(rows)
        entries += len(bucket_rows)
        files += write_bucket(out, bucket, name, np.concatenate(hashes), bucket_rows)
    signed = write_ids(_ids(made / "ids", tasks), out / IDS)
    files.append(out / IDS)
    return files, {"records": signed - sum(len(r) for r in removed.values()), "entries": entries}


def _removed(path: Path) -> np.ndarray:
    """A task's removed documents (datatrove's .remove file); none where the stage removed nothing."""
    return np.fromfile(path, dtype="<u4") if path.is_file() else np.empty(0, dtype="<u4")


def _ids(folder: Path, tasks: list[int]) -> Iterator[str]:
    for task in tasks:
        path = folder / f"{task:05d}{IDS_SUFFIX}"
        if path.is_file():
            with open(path) as f:
                yield from map(json.loads, f)
