"""datatrove's executors, chosen by the recipe's `executor.kind`: local processes, a Ray cluster, Slurm; each
task holding the resources a stage asks for (GPUs, CPUs, memory)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from datatrove.executor import LocalPipelineExecutor
from datatrove.executor.base import PipelineExecutor


class QuietLocalExecutor(LocalPipelineExecutor):
    """LocalPipelineExecutor that keeps task logs in files and only errors on the console."""

    def _run_for_rank(self, rank: int, local_rank: int = 0, node_rank: int = -1):
        # datatrove sends a task's INFO logs to stderr only for local_rank 0; its full log is
        # always written to logs/task_NNNNN.log.
        return super()._run_for_rank(rank, local_rank + 1, node_rank)


@dataclass(frozen=True)
class Resources:
    """What each task of a stage holds: GPUs, CPUs and memory in GB (None: the executor's own settings)."""

    gpus: int = 0
    cpus: int | None = None
    memory_gb: float | None = None
    workers: int | None = None  # tasks at once; None: the executor's `workers`


class GPULocalExecutor(QuietLocalExecutor):
    """Local processes, each seeing its own `gpus` GPUs: worker slot k gets GPUs k*gpus .. (k+1)*gpus - 1."""

    def __init__(self, *args, gpus: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.gpus = gpus

    def _run_for_rank(self, rank: int, local_rank: int = 0, node_rank: int = -1):
        # Set in the worker before its engine starts: CUDA reads it once, when a process first uses a GPU.
        os.environ["CUDA_VISIBLE_DEVICES"] = ",".join(
            str(local_rank * self.gpus + k) for k in range(self.gpus))
        return super()._run_for_rank(rank, local_rank, node_rank)


def make_executor(spec, steps: list, tasks: int, logging_dir: Path, libraries: list[str],
                  resources: Resources | None = None) -> PipelineExecutor:
    """The executor that runs `tasks` tasks of `steps`, writing datatrove's logs and completion markers
    under `logging_dir` (a rerun skips the tasks marked complete, on every executor). `libraries`: what the
    steps run on, which every worker must have at the driver's versions; `resources`: what each task holds
    (default: the executor's own settings)."""
    workers = min(resources.workers or spec.workers if resources else spec.workers, tasks)
    if spec.kind == "local":
        if resources and resources.gpus:
            return GPULocalExecutor(steps, tasks=tasks, workers=workers, logging_dir=str(logging_dir),
                                    gpus=resources.gpus)
        return QuietLocalExecutor(steps, tasks=tasks, workers=workers, logging_dir=str(logging_dir))
    if spec.kind == "ray":  # imported only when used: Ray is heavy to import
        from pipelines.engines.datatrove.ray import ray_executor

        return ray_executor(spec, steps, tasks, logging_dir, libraries, resources, workers)
    if spec.kind == "slurm":
        from pipelines.engines.datatrove.slurm import slurm_executor

        return slurm_executor(spec, steps, tasks, logging_dir, resources, workers)
    raise NotImplementedError(f"executor kind {spec.kind!r}")
