"""The documents a model labels for classifier distillation: each task's n first by a keyed hash, merged."""

from __future__ import annotations

import json
from pathlib import Path

from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep

from pipelines.engines.datatrove.cache import side_file
from transforms.distill import sample_key, smallest


class SampleByKey(PipelineStep):
    """Writes its task's n documents of smallest sample key to a side file; passes nothing on."""

    name = "🎲 distillation sample"
    type = "🔢 - SAMPLER"

    def __init__(self, n: int, seed: int, out_dir: str):
        super().__init__()
        self.n, self.seed, self.out_dir = n, seed, out_dir

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        # The sample of the whole run is the n smallest keys of all tasks: each task keeps its own n
        # smallest (a bounded heap), so memory is n documents per task whatever the corpus.
        def keyed():
            for doc in data:
                self.stat_update("seen")
                yield sample_key(doc.id, self.seed), doc.id, {"id": doc.id, "text": doc.text}

        with side_file(self.out_dir, rank, "jsonl") as out:
            for key, _, record in smallest(keyed(), self.n):
                out.write(json.dumps({"key": key, **record}, ensure_ascii=False) + "\n")
        yield from ()  # a generator, as datatrove runs steps: the documents go no further


def read_sample(folder: Path, n: int) -> list[dict]:
    """The run's sample: the n documents of smallest key over every task's side file, in key order."""
    def records():
        for path in sorted(folder.glob("*.jsonl")):
            with open(path) as f:
                for line in f:
                    record = json.loads(line)
                    yield record.pop("key"), record["id"], record

    return [record for _, _, record in smallest(records(), n)]
