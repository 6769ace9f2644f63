"""datatrove's SlurmPipelineExecutor, waiting for its array job (see infra/slurm/README.md)."""

from __future__ import annotations

import math
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path, PurePosixPath

from datatrove.executor import SlurmPipelineExecutor
from datatrove.executor.base import PipelineExecutor

from pipelines.engines.errors import EngineError
from pipelines.engines.libraries import code_root


def slurm_executor(spec, steps: list, tasks: int, logging_dir: Path, resources=None,
                   workers: int | None = None) -> PipelineExecutor:
    """One sbatch array job of `tasks` tasks (at most `workers` at once) that the build waits for; a stage's
    `resources` ask each task's CPUs, memory and GPUs (`--gres=gpu:N`)."""
    slurm = spec.slurm
    cpus, per_cpu, sbatch_args = slurm.cpus_per_task, slurm.mem_per_cpu_gb, dict(slurm.sbatch_args)
    if resources is not None:
        cpus = resources.cpus or cpus
        per_cpu = resources.memory_gb / cpus if resources.memory_gb else per_cpu
        if resources.gpus:
            sbatch_args.setdefault("gres", f"gpu:{resources.gpus}")
    return WaitingSlurmExecutor(
        steps,
        tasks=tasks,
        workers=workers or min(spec.workers, tasks),
        time=slurm.time,
        partition=slurm.partition,
        cpus_per_task=cpus,
        mem_per_cpu_gb=per_cpu,
        job_name=job_name(logging_dir),
        env_command=job_environment(),
        sbatch_args=sbatch_args,
        logging_dir=str(logging_dir),
    )


def job_name(logging_dir: Path | str) -> str:
    """`pipelines-<stage fingerprint>`, and the pass for a stage of several (`-sign`, `-bucket`); the folder
    may be a URL (a stage cache on object storage)."""
    logging_dir = PurePosixPath(str(logging_dir).rstrip("/"))
    if logging_dir.name.endswith(".partial"):
        return f"pipelines-{logging_dir.name.removesuffix('.partial')[:12]}"
    return f"pipelines-{logging_dir.parent.name.removesuffix('.partial')[:12]}-{logging_dir.name}"


def job_environment() -> str:
    """The shell lines that give a Slurm task this process's Python and this checkout of the code.

    datatrove's job runs `launch_pickled_pipeline` (a console script of the environment datatrove is
    installed in) and unpickles our steps, which import `pipelines`, `transforms` and `schemas`: both
    must be the ones the build runs with, so the venv is activated by its absolute path and the checkout
    put first on PYTHONPATH (a shared filesystem makes them the same files on every node).
    """
    prefix = Path(sys.prefix)
    activate = prefix / "bin" / "activate"
    lines = []
    if sys.prefix != sys.base_prefix and activate.is_file():
        lines.append(f"source {shlex.quote(str(activate))}")
    else:  # not a venv: the interpreter's own bin folder holds the console scripts
        lines.append(f"export PATH={shlex.quote(str(Path(sys.executable).parent))}:$PATH")
    root = code_root().resolve()
    if (root / "pyproject.toml").is_file():  # a checkout (editable install or none at all)
        lines.append(f"export PYTHONPATH={shlex.quote(str(root))}${{PYTHONPATH:+:$PYTHONPATH}}")
    return " && ".join(lines)  # one line: datatrove indents it into its script template


class _JobIds:
    """datatrove's job id retriever (the last word sbatch prints), remembering every id it saw."""

    def __init__(self):
        self.ids: list[str] = []

    def __call__(self, sbatch_output: str) -> str:
        self.ids.append(sbatch_output.split()[-1])
        return self.ids[-1]


class WaitingSlurmExecutor(SlurmPipelineExecutor):
    """datatrove's SlurmPipelineExecutor, returning only when its array job has ended (infra/slurm/README.md:
    how it waits, and why so)."""

    def __init__(self, *args, poll_max_s: float = 15.0, **kwargs):
        # datatrove writes --qos=normal by default; a cluster with accounting but no QOS of that name
        # refuses the job. None: the account's default QOS, or sbatch_args' qos if a recipe gives one.
        kwargs.setdefault("qos", None)
        super().__init__(*args, job_id_retriever=_JobIds(), **kwargs)
        self.poll_max_s = poll_max_s

    def get_sbatch_args(self, max_array: int = 1) -> dict:
        args = super().get_sbatch_args(max_array)
        # Slurm takes whole numbers: datatrove's f"{mem}G" of 0.5 or 2.0 is refused ("Invalid
        # --mem-per-cpu specification").
        args["mem-per-cpu"] = f"{math.ceil(self.mem_per_cpu_gb * 1024)}M"
        # No partition given: the cluster's default one. datatrove would write a bare `--partition`,
        # which sbatch refuses ("option '--partition' requires an argument").
        return {k: v for k, v in args.items() if v is not None}

    def launch_merge_stats(self):
        # datatrove submits one more job to merge the tasks' stats; the build sums them itself
        # (read_stats), so it is not worth a trip through the queue.
        return None

    def run(self):
        if "SLURM_ARRAY_TASK_ID" in os.environ:  # a task of our array job: run its rank
            return super().run()
        self.job_id_retriever.ids.clear()
        try:
            self.launch_job()
        except FileNotFoundError:
            raise EngineError("executor slurm: no `sbatch` here: build on a host of the Slurm "
                                 "cluster (a login node), or use executor.kind local") from None
        except subprocess.CalledProcessError as e:
            raise EngineError(f"executor slurm: sbatch refused the job (exit {e.returncode}; its "
                                 f"message is above): check executor.slurm (partition, time, memory, "
                                 f"sbatch_args); the script is {self.script_path}") from None
        ids = list(self.job_id_retriever.ids)
        if not ids:  # every task was already complete
            return
        try:
            self.wait(ids)
        except BaseException:
            subprocess.run(["scancel", *ids], check=False, capture_output=True)
            raise
        missing = self.get_incomplete_ranks(skip_completed=True)
        if missing:
            shown = ", ".join(map(str, missing[:10])) + (" ..." if len(missing) > 10 else "")
            raise EngineError(f"executor slurm: job {','.join(ids)}: {len(missing)} of {self.tasks} "
                                 f"tasks did not complete (ranks {shown}); their logs: "
                                 f"{self.slurm_logs_folder} and {self.logging_dir.resolve_paths('logs')}")

    @property
    def script_path(self) -> str:
        return self.logging_dir.resolve_paths("launch_script.slurm")

    def wait(self, ids: list[str]) -> None:
        """Until no task of the jobs is pending or running (squeue no longer lists them)."""
        interval, failures = 1.0, 0
        while True:
            result = subprocess.run(["squeue", "--noheader", "--format=%i %T", "--jobs", ",".join(ids)],
                                    capture_output=True, text=True)
            if result.returncode == 0:
                failures = 0
                if not result.stdout.strip():
                    return
            elif "Invalid job id" in result.stderr:  # ended and already purged from slurmctld
                return
            else:  # slurmctld busy or restarting: keep waiting, give up after ~10 minutes of errors
                failures += 1
                if failures * interval > 600:
                    raise EngineError(f"executor slurm: squeue keeps failing: {result.stderr.strip()}")
            time.sleep(interval)
            interval = min(interval * 1.25, self.poll_max_s)
