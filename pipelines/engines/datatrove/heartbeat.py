"""Counts the documents a task has read and their text's bytes, in a small file the driver polls for its
live display (datatrove writes a task's stats only when it ends)."""

from __future__ import annotations

import json
import time

from datatrove.data import DocumentsPipeline
from datatrove.io import get_datafolder
from datatrove.pipeline.base import PipelineStep

EVERY_S = 2.0


class Heartbeat(PipelineStep):
    """Passes documents on unchanged, writing `<folder>/<rank>.json` ({records, bytes}) every few seconds."""

    name = "💓 Progress"
    type = "📊 - STATS"

    def __init__(self, folder: str):
        super().__init__()
        self.folder = folder

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        out = get_datafolder(self.folder)
        records = size = 0
        last = time.monotonic()
        for doc in data:
            records += 1
            size += len(doc.text)  # characters: bytes for the ASCII of markup, near enough for a rate
            if time.monotonic() - last >= EVERY_S:
                _write(out, rank, records, size)
                last = time.monotonic()
            yield doc
        _write(out, rank, records, size)


def _write(out, rank: int, records: int, size: int) -> None:
    with out.open(f"{rank:05d}.json", "wt") as f:
        json.dump({"records": records, "bytes": size}, f)


def read_heartbeats(folder: str) -> dict[str, int]:
    """The tasks' counts so far, summed (a file being written is read again next time)."""
    total = {"records": 0, "bytes": 0}
    try:
        data = get_datafolder(folder)
        names = data.list_files(glob_pattern="*.json") if data.isdir("") else []
    except Exception:  # noqa: BLE001 (a store that did not answer this once: a display, asked again later)
        return total
    for name in names:
        try:
            with data.open(name, "rt") as f:
                beat = json.load(f)
        except Exception:  # noqa: BLE001 (being written, or not answered: read again next time)
            continue
        for key in total:
            total[key] += int(beat.get(key, 0))
    return total
