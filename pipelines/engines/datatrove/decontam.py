"""Benchmark decontamination as a datatrove filter that removes or marks, with a per-task side file."""

from __future__ import annotations

import json
from pathlib import Path

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.filters.base_filter import BaseFilter

from pipelines.engines.datatrove.cache import side_file
from pipelines.engines.datatrove.records import compared_text


class DecontamFilter(BaseFilter):
    """Flags documents holding a benchmark item (the index says how); removes or marks them."""

    name = "🧪 Decontaminate"

    def __init__(self, index, action: str, matches_dir: str, fields: list[str] | None = None):
        super().__init__()
        self.index = index
        self.action = action
        self.matches_dir = matches_dir
        self.fields = fields
        self._matches = None

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        # Which item each flagged document matched, for the report: one side file per task.
        with open(side_file(self.matches_dir, rank, "jsonl"), "w") as self._matches:
            yield from super().run(data, rank, world_size)

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        text = compared_text(doc, self.fields)
        if text is None:  # kept: it has none of the fields to compare
            self.stat_update("uncompared_missing_fields")
            return True
        scores = getattr(self.index, "match_scores", None)  # an index that scores its matches
        scored = scores(text) if scores else None
        matches = [(bench, item) for bench, item, _ in scored] if scores else self.index.match(text)
        if not matches:
            return True
        flagged = {"id": doc.id, "matches": matches} | ({"scores": [s for *_, s in scored]} if scores else {})
        self._matches.write(json.dumps(flagged) + "\n")
        doc.metadata["contamination"] = [f"{bench}:{item}" for bench, item in matches]
        if self.action == "mark":
            self.stat_update(f"marked_{matches[0][0]}")
            return True
        return False, matches[0][0]  # counted under the (first) benchmark it matched


def read_matches(matches_dir: Path) -> dict:
    """Per benchmark: the documents flagged and the item ids they matched."""
    report: dict[str, dict] = {}
    for path in sorted(matches_dir.glob("*.jsonl")):
        with open(path) as f:
            for line in f:
                flagged = json.loads(line)
                for bench in sorted({b for b, _ in flagged["matches"]}):
                    report.setdefault(bench, {"records": 0, "items": set()})["records"] += 1
                for bench, item in flagged["matches"]:
                    report[bench]["items"].add(item)
    return {b: {"records": r["records"], "items": sorted(r["items"])} for b, r in sorted(report.items())}
