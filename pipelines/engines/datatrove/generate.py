"""Synthesis as tasks of the recipe's executor: each task holds one engine and prompts the records whose id
hashes to its rank, chunk by chunk; a chunk's outputs are written with a completion marker, so a task run
again (a node lost, a driver killed) skips the chunks it finished and generates only the rest."""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator
from itertools import islice

from datatrove.io import get_datafolder
from datatrove.pipeline.base import PipelineStep

from pipelines.engines.backends import release, shared
from pipelines.engines.datatrove.run import DRIVER
from transforms.synth.cache import GenerationCache
from transforms.synth.graphs import GRAPHS, counts_of


def shard_of(record_id, world_size: int) -> int:
    """The task a record goes to: a stable hash of its id, the same on every machine and run."""
    digest = hashlib.blake2b(str(record_id).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % world_size


class GenerateTasks(PipelineStep):
    """One task's share of a synthesis stage: its records in chunks, each chunk's rows, rejects and pairs as
    JSONL beside a counts file and a marker; nothing flows on."""

    name = "🤖 Generate"
    type = "🧪 - SYNTH"

    def __init__(self, sources: list[str], out: str, backend: dict, task, sampling, cache_path: str,
                 chunk_size: int, to_record=None):
        super().__init__()
        self.sources, self.out, self.backend, self.task, self.sampling = sources, out, backend, task, sampling
        self.cache_path, self.chunk_size, self.to_record = cache_path, chunk_size, to_record

    def records(self, rank: int, world_size: int) -> Iterator[dict]:
        """The records of this task's shard, in the order the sources hold them (JSONL, plain or zstd)."""
        for source in self.sources:
            folder, _, pattern = source.rpartition("/")
            data = get_datafolder(folder)
            for name in data.list_files(glob_pattern=pattern) if "*" in pattern else [pattern]:
                compression = "zstd" if name.endswith(".zst") else "infer"
                with data.open(name, "rt", compression=compression) as f:
                    for line in f:
                        if not line.strip():
                            continue
                        record = self.to_record(line) if self.to_record else json.loads(line)
                        if shard_of(record["id"], world_size) == rank:
                            yield record

    def run(self, data, rank: int = 0, world_size: int = 1):
        out = get_datafolder(self.out)
        backend, lock, made = shared(self.backend)
        if made:
            self.stat_update("backends_made")
        cache = GenerationCache(self.cache_path)
        graph = GRAPHS[self.task.graph](backend, self.task, self.sampling, cache)
        records = self.records(rank, world_size)
        progress = {"prompts": 0, "samples": 0, "output_tokens": 0, "kept": 0, "seconds": 0.0,
                    "chunks_resumed": 0}
        started = time.monotonic()
        try:
            for k, chunk in enumerate(iter(lambda: list(islice(records, self.chunk_size)), [])):
                stem = f"{rank:05d}-{k:05d}"
                if out.exists(f"done-{stem}"):  # finished by an earlier run of this task
                    with out.open(f"counts-{stem}.json", "rt") as f:
                        counts = json.load(f)
                    progress["chunks_resumed"] += 1
                else:
                    before = counts_of(graph)
                    with lock:  # one generate at a time per engine (vLLM's LLM is not thread-safe)
                        outputs = list(graph.chunk(chunk))
                    counts = {k: v - before.get(k, 0) for k, v in counts_of(graph).items()}
                    self._write(out, stem, graph.outputs, outputs, counts)
                for name, value in counts.items():
                    self.stat_update(name, value=value)
                progress["prompts"] += len(chunk)
                progress["samples"] += len(chunk) * self.sampling.n
                progress["output_tokens"] += sum(v for k, v in counts.items() if k.endswith("output_tokens"))
                progress["kept"] += counts.get("rows", 0)  # rows so far, before the stage's sort
                progress["seconds"] = round(time.monotonic() - started, 3)
                with out.open(f"progress-{rank:05d}.json", "wt") as f:  # what the driver shows, per task
                    json.dump(progress, f)
        finally:
            cache.close()
            if os.environ.get(DRIVER) != str(os.getpid()):  # a process of its own: nothing else needs it
                release(self.backend)
        yield from ()

    @staticmethod
    def _write(out, stem: str, names: tuple[str, ...], outputs: list, counts: dict) -> None:
        """A chunk's outputs, then its counts, then its marker: a chunk with a marker is whole."""
        files = {name: out.open(f"{name}-{stem}.jsonl", "wt") for name in names}
        try:
            for kind, record in outputs:
                if kind in files:
                    files[kind].write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
        finally:
            for f in files.values():
                f.close()
        with out.open(f"counts-{stem}.json", "wt") as f:
            json.dump(counts, f)
        with out.open(f"done-{stem}", "wt") as f:
            f.write("")


def read_progress(out: str) -> dict:
    """Every task's progress so far, summed (the driver polls it while the tasks run)."""
    folder = get_datafolder(out)
    total: dict[str, float] = {}
    try:
        names = folder.list_files(glob_pattern="progress-*.json")
    except OSError:
        return total
    for name in names:
        try:
            with folder.open(name, "rt") as f:
                for key, value in json.load(f).items():
                    total[key] = total.get(key, 0) + value
        except (OSError, ValueError):  # being written: read again next time
            continue
    return total
