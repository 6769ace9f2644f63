"""Records in key order with bounded memory: sorted runs of a fixed size on disk, merged as a stream."""

from __future__ import annotations

import heapq
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path


def sorted_records(records: Iterable[dict], key: Callable[[dict], tuple], work: Path,
                   run_size: int = 20_000) -> Iterator[dict]:
    """`records` by `key`, ties in input order; at most `run_size` of them in memory at once."""
    work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        runs, chunk = [], []
        for record in records:
            chunk.append(record)
            if len(chunk) >= run_size:
                runs.append(_write_run(sorted(chunk, key=key), Path(tmp) / f"run-{len(runs)}.jsonl"))
                chunk = []
        if not runs:  # one run: no files
            yield from sorted(chunk, key=key)
            return
        if chunk:
            runs.append(_write_run(sorted(chunk, key=key), Path(tmp) / f"run-{len(runs)}.jsonl"))
        files = [open(path) for path in runs]
        try:
            yield from heapq.merge(*((json.loads(line) for line in f) for f in files), key=key)
        finally:
            for f in files:
                f.close()


def _write_run(records: list[dict], path: Path) -> Path:
    with open(path, "w") as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path
