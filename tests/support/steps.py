"""datatrove steps for the executor tests, in an importable module: a worker process started by a forkserver
that another test began unpickles a step by importing its module, which a test module may not be."""

from __future__ import annotations

import json
import os

from datatrove.pipeline.base import PipelineStep


class SeenDevices(PipelineStep):
    """Writes the GPUs its task sees, and the process it ran in."""

    name = "devices"

    def __init__(self, out: str):
        super().__init__()
        self.out = out

    def run(self, data, rank: int = 0, world_size: int = 1):
        with open(f"{self.out}/{rank}.json", "w") as f:
            json.dump({"devices": os.environ.get("CUDA_VISIBLE_DEVICES"), "pid": os.getpid()}, f)
        yield from ()
