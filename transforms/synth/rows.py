"""A synthesis stage's rows and pairs as sorted JSONL: in (source id, sample) order, each with its id, so that
the rows are the same bytes whatever engine and tasks made them. Streamed: sorted runs on disk."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from itertools import groupby
from pathlib import Path

from transforms.external_sort import sorted_records

SORT_RUN = 20_000  # rows sorted in memory at a time; longer outputs are merged from sorted runs on disk


def order(row: dict) -> tuple:
    return row["source_id"], row["sample"]


def sort_rows(rows: Iterable[dict], out: Path, task, config: str) -> tuple[int, dict[str, int]]:
    """`rows` in (source id, sample) order, each with an id, as one JSONL file, after the task's ordered
    checks; the number of rows written and what those checks dropped, by reason."""
    dropped: dict[str, int] = {}
    kept = 0
    with open(out, "w") as f:
        for row, reason in task.after_sort(sorted_records(rows, order, out.parent / "sort", SORT_RUN)):
            if reason:
                dropped[reason] = dropped.get(reason, 0) + 1
                continue
            kept += 1
            f.write(_line(config, row))
    return kept, dropped


def write_sorted(records: Iterable[dict], out: Path, config: str) -> int:
    """Chosen/rejected pairs (or a pairwise judge's comparisons) in (source id, sample) order, each with an
    id, as one JSONL file; how many."""
    written = 0
    with open(out, "w") as f:
        for record in sorted_records(records, order, out.parent / "sort", SORT_RUN):
            written += 1
            f.write(_line(config, record))
    return written


def _line(config: str, row: dict) -> str:
    return json.dumps({"id": f"{config}:{row['source_id']}:{row['sample']}", **row}, ensure_ascii=False,
                      sort_keys=True) + "\n"


def pairs_of_kept_rows(negatives: Path, rows: Path, kept: list[int]) -> Iterator[dict]:
    """The pairs whose chosen sample is still a row of the config; both files are in (source, sample)
    order, so one pass over each (counted in kept[0])."""
    with open(negatives) as pairs, open(rows) as f:
        remaining = (json.loads(line) for line in f)
        row = next(remaining, None)
        for line in pairs:
            pair = json.loads(line)
            wanted = (pair["source_id"], pair["chosen_sample"])
            while row is not None and order(row) < wanted:
                row = next(remaining, None)
            if row is not None and order(row) == wanted:
                kept[0] += 1
                yield pair


def merged_by_source(paths: list[Path]) -> Iterator[tuple[str, list[list[dict]]]]:
    """The rows of several rows files, each in (source id, sample) order, grouped by source id across them:
    (source id, [that source's rows in each file]) for the source ids every file has. One pass over each."""
    files = [open(p) for p in paths]
    try:
        groups = [groupby((json.loads(line) for line in f), key=lambda r: r["source_id"]) for f in files]
        heads = [next(g, None) for g in groups]
        while all(h is not None for h in heads):
            keys = [h[0] for h in heads]
            if len(set(keys)) == 1:
                yield keys[0], [list(h[1]) for h in heads]
                heads = [next(g, None) for g in groups]
                continue
            low = min(keys)  # a source id some file lacks: skipped in the files that have it
            heads = [next(g, None) if h[0] == low else h for g, h in zip(groups, heads, strict=True)]
    finally:
        for f in files:
            f.close()


def write_rejects(rejects: Iterable[dict], out: Path, keep: int | None) -> dict[str, int]:
    """The samples that are no rows, in (source id, sample) order, at most `keep` per reason (None: all), as
    JSONL; how many of each reason were kept."""
    kept: dict[str, int] = {}
    key = lambda r: (r["source_id"], -1 if r["sample"] is None else r["sample"])  # noqa: E731
    with open(out, "w") as f:
        for reject in sorted_records(rejects, key, out.parent / "sort", SORT_RUN):
            reason = reject["reason"]
            if keep is not None and kept.get(reason, 0) >= keep:
                continue
            kept[reason] = kept.get(reason, 0) + 1
            f.write(json.dumps(reject, ensure_ascii=False, sort_keys=True) + "\n")
    return kept


def rejects_table(jsonl: Path, path: Path) -> Path:
    """The rejects as one Parquet file (schemas.synthetic.REJECTS), streamed in batches."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from schemas.synthetic import REJECTS

    def row(reject: dict) -> dict:
        checks = reject.get("checks")
        return {"source_id": reject["source_id"], "sample": reject["sample"], "reason": reject["reason"],
                "output": reject.get("output"), "checks": None if checks is None else json.dumps(checks),
                "trajectory": reject.get("trajectory")}

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(jsonl) as f, pq.ParquetWriter(path, REJECTS, compression="zstd") as writer:
        batch = []
        for line in f:
            batch.append(row(json.loads(line)))
            if len(batch) >= 10_000:
                writer.write_table(pa.Table.from_pylist(batch, schema=REJECTS))
                batch = []
        writer.write_table(pa.Table.from_pylist(batch, schema=REJECTS))
    return path
