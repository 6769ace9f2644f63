"""datatrove's executors, chosen by the recipe's `executor.kind`: local processes, a Ray cluster, Slurm."""

from __future__ import annotations

from pathlib import Path

from datatrove.executor import LocalPipelineExecutor
from datatrove.executor.base import PipelineExecutor


class QuietLocalExecutor(LocalPipelineExecutor):
    """LocalPipelineExecutor that keeps task logs in files and only errors on the console."""

    def _run_for_rank(self, rank: int, local_rank: int = 0, node_rank: int = -1):
        # datatrove sends a task's INFO logs to stderr only for local_rank 0; its full log is
        # always written to logs/task_NNNNN.log.
        return super()._run_for_rank(rank, local_rank + 1, node_rank)


def make_executor(spec, steps: list, tasks: int, logging_dir: Path, libraries: list[str]) -> PipelineExecutor:
    """The executor that runs `tasks` tasks of `steps`, writing datatrove's logs and completion markers
    under `logging_dir` (a rerun skips the tasks marked complete, on every executor). `libraries`: what the
    steps run on, which every worker must have at the driver's versions."""
    if spec.kind == "local":
        return QuietLocalExecutor(steps, tasks=tasks, workers=min(spec.workers, tasks),
                                  logging_dir=str(logging_dir))
    if spec.kind == "ray":  # imported only when used: Ray is heavy to import
        from pipelines.engines.datatrove.ray import ray_executor

        return ray_executor(spec, steps, tasks, logging_dir, libraries)
    if spec.kind == "slurm":
        from pipelines.engines.datatrove.slurm import slurm_executor

        return slurm_executor(spec, steps, tasks, logging_dir)
    raise NotImplementedError(f"executor kind {spec.kind!r}")
