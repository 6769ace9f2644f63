"""Each record's code run with its tests in the sandbox, a pool of them per task; kept, dropped or marked."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
from collections import Counter, deque
from concurrent.futures import Future
from pathlib import Path

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.filters.base_filter import BaseFilter
from datatrove.utils.typeshelper import StatHints

from pipelines.engines.datatrove.cache import side_file

AHEAD = 4  # runs submitted per sandbox of the pool before the oldest one's result is waited for


class ExecuteFilter(BaseFilter):
    """Runs a record's `code` field with its `tests` field; `remove`: drops a failing record under the run's
    reason; `mark`: keeps every record with the run's result in its field `column`. Per-task counts by
    reason go to a side file."""

    name = "⚙️ Execute"

    def __init__(self, code: str, tests: str, entry_point: str | None, limits: dict, workers: int | None,
                 action: str, column: str, report_dir: str):
        super().__init__()
        self.code, self.tests, self.entry_point = code, tests, entry_point
        self.limits, self.workers = limits, workers
        self.action, self.column, self.report_dir = action, column, report_dir

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        raise NotImplementedError("runs stream through a pool: see run()")

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        """Runs in order through a pool: up to AHEAD x its size in flight, each record decided in turn."""
        from transforms.sandbox import Limits, Pool, Sandbox

        cores = os.cpu_count() or 1
        size = self.workers or max(1, cores // max(1, min(world_size, cores)))  # the cores over the tasks
        counts, seconds = Counter(), 0.0
        with (self.exclusion_writer or contextlib.nullcontext()) as writer, \
                Pool(Sandbox(limits=Limits(**self.limits)), size) as pool:
            pending: deque[tuple[Document, Future]] = deque()
            for doc in itertools.chain(data, [None]):  # None: the end, where every pending run is waited for
                if doc is not None:
                    pending.append((doc, self._start(doc, pool)))
                while pending and (doc is None or len(pending) >= AHEAD * size or pending[0][1].done()):
                    done, future = pending.popleft()
                    result = future.result()
                    counts[result.reason] += 1
                    seconds += result.seconds
                    if self._keep(done, result, writer, rank):
                        yield done
        with side_file(self.report_dir, rank, "json") as f:
            f.write(json.dumps({"reasons": dict(counts), "seconds": round(seconds, 3),
                                "runtime": pool.sandbox.runtime.describe()}))

    def _start(self, doc: Document, pool) -> Future:
        """The run of a record's program, or its result at once where it has no tests."""
        from transforms.sandbox import Program, Result
        from transforms.sandbox.program import code_of

        record = {"text": doc.text, **doc.metadata.get("record", {})}
        tests = record.get(self.tests)
        if not isinstance(tests, str) or not tests.strip():
            future: Future = Future()
            future.set_result(Result("no_tests"))
            return future
        entry = record.get(self.entry_point or "entry_point")
        return pool.submit(Program(code_of(record.get(self.code)), tests,
                                   entry if isinstance(entry, str) else None))

    def _keep(self, doc: Document, result, writer, rank: int) -> bool:
        with self.track_time():
            self.stat_update(StatHints.total)
            self.stat_update(f"execute_{result.reason}")
            if self.action == "mark":  # a record's field (its `extra` in the version), else the metadata
                doc.metadata.get("record", doc.metadata)[self.column] = result.as_row()
            if self.action == "mark" or result.passed:
                self.stat_update(StatHints.forwarded)
                self.update_doc_stats(doc)
                return True
            self.stat_update(StatHints.dropped)
            self.stat_update(f"dropped_{result.reason}")
            if writer is not None:
                doc.metadata["filter_reason"] = result.reason
                writer.write(doc, rank)
            return False


def read_report(report_dir: Path) -> dict:
    """The tasks' counts by reason summed, their seconds, and the runtime they ran."""
    reasons, seconds, runtime = Counter(), 0.0, None
    for path in sorted(report_dir.glob("*.json")) if report_dir.is_dir() else []:
        task = json.loads(path.read_text())
        reasons.update(task["reasons"])
        seconds += task["seconds"]
        runtime = task.get("runtime") or runtime
    return {"reasons": dict(sorted(reasons.items())), "seconds": round(seconds, 3), "runtime": runtime}
