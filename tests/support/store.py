"""A small but complete version written by hand, for the store's own tests (and a script they kill)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path


def write_toy(folder: Path, version: str, rows: int = 3) -> None:
    """A small but complete version in a staging folder: a Parquet shard, a card, the manifest last."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    (folder / "data").mkdir()
    shard = folder / "data" / "train-00000-of-00001.parquet"
    table = pa.table({"id": [f"r{i}" for i in range(rows)], "text": [f"row {i}" for i in range(rows)]})
    pq.write_table(table, shard)
    (folder / "README.md").write_text(f"# toy {version}\n")
    files = {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in (shard, folder / "README.md")}
    (folder / "manifest.json").write_text(json.dumps({"version": version, "rows": rows, "files": files}))
