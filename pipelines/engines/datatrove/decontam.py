"""Benchmark decontamination as a datatrove filter that removes or marks, with a per-task side file."""

from __future__ import annotations

import json
from pathlib import Path

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.filters.base_filter import BaseFilter

from pipelines.engines.datatrove.cache import side_file
from pipelines.engines.datatrove.records import compared_text

BATCH = 64  # documents an index looks up at once (the overlap index tokenises a batch as one array)
SPAN_CHARS = 1000  # of a matched span kept in the side table


class DecontamFilter(BaseFilter):
    """Flags documents holding a benchmark item (the index says how); removes or marks them."""

    name = "🧪 Decontaminate"

    def __init__(self, index, action: str, matches_dir: str, fields: list[str] | None = None):
        super().__init__(batch_size=BATCH)
        self.index = index
        self.action = action
        self.matches_dir = matches_dir
        self.fields = fields
        self._matches = None

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        # Which item each flagged document matched, for the report: one side file per task.
        with side_file(self.matches_dir, rank, "jsonl") as self._matches:
            yield from super().run(data, rank, world_size)

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        return self.filter_batch([doc])[0]

    def filter_batch(self, batch: list[Document]) -> list[bool | tuple[bool, str]]:
        texts = [compared_text(doc, self.fields) for doc in batch]
        compared = [t for t in texts if t is not None]
        found = iter(self.index.match_details_batch(compared) if compared else [])
        return [self._decide(doc, text, next(found) if text is not None else None)
                for doc, text in zip(batch, texts, strict=True)]

    def _decide(self, doc: Document, text: str | None, matches: list | None) -> bool | tuple[bool, str]:
        if text is None:  # kept: it has none of the fields to compare
            self.stat_update("uncompared_missing_fields")
            return True
        if not matches:
            return True
        flagged = {"id": doc.id, "matches": [[m.benchmark, m.item] for m in matches],
                   "details": [m._asdict() | {"span": text[m.start:m.end][:SPAN_CHARS]} for m in matches]}
        self._matches.write(json.dumps(flagged) + "\n")
        doc.metadata["contamination"] = [f"{m.benchmark}:{m.item}" for m in matches]
        if self.action == "mark":
            self.stat_update(f"marked_{matches[0].benchmark}")
            return True
        return False, matches[0].benchmark  # counted under the (first) benchmark it matched


def read_matches(matches_dir: Path) -> dict:
    """Per benchmark: the documents flagged and the item ids they matched."""
    report: dict[str, dict] = {}
    for flagged in _flagged(matches_dir):
        for bench in sorted({b for b, _ in flagged["matches"]}):
            report.setdefault(bench, {"records": 0, "items": set()})["records"] += 1
        for bench, item in flagged["matches"]:
            report[bench]["items"].add(item)
    return {b: {"records": r["records"], "items": sorted(r["items"])} for b, r in sorted(report.items())}


def write_match_table(matches_dir: Path, path: Path) -> int:
    """The side table: one row per (flagged record, item): benchmark, item, tier, score, span; its rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [{"id": flagged["id"], **{k: d[k] for k in ("benchmark", "item", "tier", "score", "start", "end",
                                                          "span")}}
            for flagged in _flagged(matches_dir) for d in flagged.get("details", [])]
    schema = pa.schema([("id", pa.string()), ("benchmark", pa.string()), ("item", pa.string()),
                        ("tier", pa.string()), ("score", pa.float64()), ("start", pa.int64()),
                        ("end", pa.int64()), ("span", pa.string())])
    rows.sort(key=lambda r: (r["benchmark"], r["item"], r["id"]))
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
    return len(rows)


def _flagged(matches_dir: Path):
    for path in sorted(matches_dir.glob("*.jsonl")):
        with open(path) as f:
            yield from map(json.loads, f)
