"""How a stage's generation runs: as tasks of the recipe's executor (local processes, Ray or Slurm tasks, one
engine each, prompts sharded by a stable key) or as a Beam pipeline (Dataflow, Flink, Spark); with live
progress, and the counters that make its funnel. The same transforms, and the same rows, on every engine."""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pipelines import settings
from pipelines.engines.datatrove.executors import Resources


@dataclass
class Generation:
    """Where a stage generates: `runner` a Beam runner, else `tasks` tasks of the recipe's executor."""

    chunk_size: int
    runner: str | None = None
    beam_options: tuple[str, ...] = ()
    tasks: int | None = None
    resources: Resources = Resources()

    def task_count(self, executor) -> int:
        """One engine on this machine by default (in the build's process); the executor's tasks elsewhere."""
        if self.runner:
            return 1
        return self.tasks or (1 if executor.kind == "local" else executor.tasks)

    def where(self, executor) -> dict:
        """What the manifest says the stage ran on."""
        if self.runner:
            return {"kind": f"beam:{self.runner}", "tasks": 1}
        return {"kind": executor.kind, "tasks": self.task_count(executor),
                **({"gpus_per_task": self.resources.gpus} if self.resources.gpus else {})}

    def run(self, ctx, source: list[dict] | str, backend: dict, task, sampling, name: str,
            to_record=None) -> tuple[dict[str, int], Path]:
        """`task` over `source` (records, or JSONL files by glob: documents, rows, prompts): the engine's
        counters, with the seconds it took, and the folder under ctx.work of its rows, rejects and pairs as
        JSONL. The folder is named after the task count too: a task's checkpointed chunks are its shard's."""
        generations = str(settings.state_dir() / "generations.sqlite")
        started = time.monotonic()
        name = f"{name}-{self.task_count(ctx.executor)}"
        if self.runner:
            from pipelines.engines.beam import run_synthesis

            counts = run_synthesis(source, backend, task, sampling, generations, ctx.work / name,
                                   self.chunk_size, self.runner, list(self.beam_options), to_record)
        else:
            counts = self._on_executor(ctx, source, backend, task, sampling, name, to_record, generations)
        return counts | {"generation_seconds": round(time.monotonic() - started, 3)}, ctx.work / name

    def _on_executor(self, ctx, source, backend, task, sampling, name, to_record, generations) -> dict:
        from pipelines.engines.datatrove.generate import GenerateTasks

        sources, total = self._sources(ctx, source, name, to_record)
        if isinstance(source, list):  # records already, as Beam's Create takes them
            to_record = None
        step = GenerateTasks(sources, str(ctx.at(name)), backend, task, sampling, generations,
                             self.chunk_size, to_record)
        tasks = self.task_count(ctx.executor)
        with _Watch(ctx, str(ctx.at(name)), total, sampling.n):
            stats = ctx.run([step], ctx.at(f"{name}-tasks"), tasks=tasks, resources=self.resources)
        ctx.fetch(name)
        return {k: int(v) for k, v in stats[0].items()}

    @staticmethod
    def _sources(ctx, source: list[dict] | str, name: str, to_record) -> tuple[list[str], int]:
        """Where the tasks read the records, and how many there are (for progress): records given here are
        written as a JSONL file the tasks read; a file of the stage cache is read where it is committed; any
        other file goes with the stage's work (a cluster's nodes may not see this machine's disk)."""
        if isinstance(source, list):
            path = ctx.work / f"{name}-records.jsonl"
            with open(path, "w") as f:
                for record in source:
                    f.write(json.dumps(record, ensure_ascii=False) + "\n")
            return [str(ctx.upload(path.name))], len(source)
        folder, _, pattern = source.rpartition("/")
        limit = getattr(ctx, "limit", None)  # input.limit: the first N records of each input file, a
        # recipe's file of prompts too (not the stage cache's files, which the limited input made)
        if limit and not Path(folder).is_relative_to(ctx.work.parent):
            copy = ctx.work / f"{name}-records.jsonl"
            total = _head(Path(source), copy, limit)
            return [str(ctx.upload(copy.name))], total
        files = sorted(Path(folder).glob(pattern))
        total = sum(_lines(p) for p in files)
        try:
            return [str(ctx.shared(Path(folder))) + "/" + pattern], total
        except ValueError:  # not in the stage cache: a file of the recipe's
            copy = ctx.work / f"{name}-records.jsonl"
            shutil.copyfile(source, copy)
            return [str(ctx.upload(copy.name))], total


def _head(source: Path, copy: Path, n: int) -> int:
    """The first n records (non-blank lines) of a JSONL file copied; how many there were."""
    kept = 0
    with open(source, "rb") as f, open(copy, "wb") as out:
        for line in f:
            if kept == n:
                break
            if line.strip():
                out.write(line if line.endswith(b"\n") else line + b"\n")
                kept += 1
    return kept


def _lines(path: Path) -> int:
    """The records of a JSONL file, plain or zstd (the stage cache's)."""
    if path.suffix == ".zst":
        import zstandard

        with open(path, "rb") as raw, zstandard.ZstdDecompressor().stream_reader(raw) as f:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
    with open(path, "rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))


class _Watch:
    """Reports the tasks' progress files while they run: prompts done of all, samples and output tokens a
    second, the time left at that pace."""

    def __init__(self, ctx, out: str, total: int, n: int, every: float = 1.0):
        self.ctx, self.out, self.total, self.n, self.every = ctx, out, total, n, every
        self.first: tuple[float, dict] | None = None  # when a first chunk was seen done, and the counts then
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> _Watch:
        self.started = time.monotonic()
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.done.set()
        self.thread.join()
        self._report()

    def _loop(self) -> None:
        while not self.done.wait(self.every):
            self._report()

    def _report(self) -> None:
        from pipelines.engines.datatrove.generate import read_progress

        seen = read_progress(self.out)
        now = time.monotonic()
        prompts = int(seen.get("prompts", 0))
        # The pace since the first chunk was seen done: loading the model, converting it, and the chunks a
        # rerun resumed are no part of it (from the start until a second chunk is done).
        if prompts and self.first is None:
            self.first = (now, {k: seen.get(k, 0) for k in ("prompts", "samples", "output_tokens")})
        since, base = self.first if self.first and self.first[1]["prompts"] < prompts else (self.started, {})
        seconds = now - since
        per_second = {k: round((seen.get(k, 0) - base.get(k, 0)) / seconds, 1) if seconds else 0.0
                      for k in ("prompts", "samples", "output_tokens")}
        rate = per_second["prompts"]
        left = (self.total - prompts) / rate if rate and self.total >= prompts else None
        self.ctx.progress(prompts, self.total, unit="prompts", samples=int(seen.get("samples", 0)),
                          kept=int(seen.get("kept", 0)),
                          samples_per_s=per_second["samples"],
                          output_tokens_per_s=per_second["output_tokens"],
                          eta_s=round(left, 1) if left is not None else None)


def records_of(folder: Path, name: str) -> Iterable[dict]:
    """The records of one of a generation's outputs (rows, rejected, negatives, comparisons), streamed: the
    same files from Beam's shards and from the executor's tasks."""
    for path in sorted(folder.glob(f"{name}-*.jsonl")):
        with open(path) as f:
            for line in f:
                yield json.loads(line)
