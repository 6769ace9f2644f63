"""datatrove's executors, chosen by the recipe's `executor.kind`: local processes, a Ray cluster, Slurm."""

from __future__ import annotations

import math
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

from datatrove.executor import LocalPipelineExecutor, SlurmPipelineExecutor
from datatrove.executor.base import PipelineExecutor

import pipelines
from pipelines.errors import PipelinesError


class QuietLocalExecutor(LocalPipelineExecutor):
    """LocalPipelineExecutor that keeps task logs in files and only errors on the console."""

    def _run_for_rank(self, rank: int, local_rank: int = 0, node_rank: int = -1):
        # datatrove sends a task's INFO logs to stderr only for local_rank 0; its full log is
        # always written to logs/task_NNNNN.log.
        return super()._run_for_rank(rank, local_rank + 1, node_rank)


def make_executor(spec, steps: list, tasks: int, logging_dir: Path) -> PipelineExecutor:
    """The executor that runs `tasks` tasks of `steps`, writing datatrove's logs and completion markers
    under `logging_dir` (a rerun skips the tasks marked complete, on every executor)."""
    if spec.kind == "local":
        return QuietLocalExecutor(steps, tasks=tasks, workers=min(spec.workers, tasks),
                                  logging_dir=str(logging_dir))
    if spec.kind == "ray":
        return _ray_executor(spec, steps, tasks, logging_dir)
    if spec.kind == "slurm":
        return _slurm_executor(spec, steps, tasks, logging_dir)
    raise NotImplementedError(f"executor kind {spec.kind!r}")


def _slurm_executor(spec, steps: list, tasks: int, logging_dir: Path) -> PipelineExecutor:
    """One sbatch array job of `tasks` tasks (at most `workers` at once) that the build waits for."""
    slurm = spec.slurm
    return WaitingSlurmExecutor(
        steps,
        tasks=tasks,
        workers=min(spec.workers, tasks),
        time=slurm.time,
        partition=slurm.partition,
        cpus_per_task=slurm.cpus_per_task,
        mem_per_cpu_gb=slurm.mem_per_cpu_gb,
        job_name=job_name(logging_dir),
        env_command=job_environment(),
        sbatch_args=dict(slurm.sbatch_args),
        logging_dir=str(logging_dir),
    )


def job_name(logging_dir: Path) -> str:
    """`pipelines-<stage fingerprint>`, and the pass for a stage of several (`-sign`, `-bucket`)."""
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
    root = Path(pipelines.__file__).resolve().parent.parent
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
    """datatrove's SlurmPipelineExecutor, returning only when its array job has ended.

    datatrove submits and returns: stages would then overlap, and the version would be written
    before its data. Waiting, three ways were weighed:
    - `sbatch --wait` (`#SBATCH --wait` works as a directive too): blocks and exits with the highest
      task exit code, but polls slurmctld at 2, 8, then every 32 s (below MinJobAge / 2), so a short
      stage waits up to half a minute more; and sbatch prints the job id only when it exits, so a
      build interrupted meanwhile could not cancel what it started.
    - `sacct`: a task's exit state, but only on clusters that run slurmdbd.
    - here: submit as datatrove does, poll `squeue` for the job ids until none is queued or running
      (every second at first, every 15 s after about a minute), then ask datatrove's completion markers
      which tasks ended well: the markers are what a rerun trusts too (it skips the tasks marked
      complete). A task that failed leaves no marker and fails the stage with the path of its log.
      Interrupted (Ctrl-C, an error), the build cancels its jobs, so a rerun never races them for the
      same output. Works with any Slurm: no accounting daemon, no MinJobAge setting needed.
    """

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
            raise PipelinesError("executor slurm: no `sbatch` here: build on a host of the Slurm "
                                 "cluster (a login node), or use executor.kind local") from None
        except subprocess.CalledProcessError as e:
            raise PipelinesError(f"executor slurm: sbatch refused the job (exit {e.returncode}; its "
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
            raise PipelinesError(f"executor slurm: job {','.join(ids)}: {len(missing)} of {self.tasks} "
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
                    raise PipelinesError(f"executor slurm: squeue keeps failing: {result.stderr.strip()}")
            time.sleep(interval)
            interval = min(interval * 1.25, self.poll_max_s)


# --- Ray ---------------------------------------------------------------------------------------------

from datatrove.executor.ray import RayPipelineExecutor  # noqa: E402 (the Ray part of this module)
from datatrove.utils.logging import logger  # noqa: E402


class RayClusterError(PipelinesError):
    """No usable Ray cluster at the recipe's executor.ray.address."""


class RayTasksError(PipelinesError):
    """Tasks of a stage that did not complete on Ray; a rerun resumes from the ones that did."""


# What our steps read from the environment on a worker. Ray starts workers with the environment of
# the `ray start` that made their node, not the driver's: what settings.configure_environment() set
# here (quiet task logs, no Hub downloads, where datatrove unpacks its URL block lists) goes with the job.
RAY_WORKER_ENV = ("LOGURU_LEVEL", "HF_HUB_OFFLINE", "HF_ASSETS_CACHE")
_ray_address: str | None = None  # the cluster this process joined, once per process


def _ray_executor(spec, steps: list, tasks: int, logging_dir: Path) -> PipelineExecutor:
    """`tasks` Ray tasks, `workers` of them in flight, each holding cpus_per_task CPUs and
    cpus_per_task x mem_per_cpu_gb GB of the cluster's memory."""
    ray_spec = spec.ray
    return RayExecutor(steps, address=ray_spec.address, tasks=tasks, workers=min(spec.workers, tasks),
                       cpus_per_task=ray_spec.cpus_per_task, mem_per_cpu_gb=ray_spec.mem_per_cpu_gb,
                       logging_dir=str(logging_dir))


class RayExecutor(RayPipelineExecutor):
    """datatrove's RayPipelineExecutor, with what it leaves to its caller:

    - joining the cluster: datatrove expects `ray.init()` done; here it is done on the first run,
      with a one-line error when no cluster answers (ray.init would wait minutes) or no node can hold
      a task (datatrove would wait for ever), and with this checkout's code shipped to the workers
      (`ray_runtime_env`);
    - failing: datatrove logs a failed task at debug level and returns after the others, so a
      stage would go on with part of its output; here missing completion markers fail the stage;
    - task logs: datatrove writes each task's log to `<tmp>/ray_logs/logs/task_NNNNN.log` on the
      worker and copies it into logging_dir at the end; that path is shared by every stage and build
      running the same rank on that node, so each task gets a temporary folder of its own.
    """

    def __init__(self, *args, address: str = "auto", **kwargs):
        # datatrove warns, for every executor made, that a local logging_dir must be a filesystem
        # shared with the workers; a stage makes up to four: said once per build, and only when the
        # cluster spans several hosts (connect_ray).
        logger.disable("datatrove.executor.ray")
        try:
            super().__init__(*args, **kwargs)
        finally:
            logger.enable("datatrove.executor.ray")
        self.address = address

    def run(self):
        import time

        connect_ray(self.address, self.logging_dir.path)
        _check_fits(self.cpus_per_task, self.mem_per_cpu_gb)
        started = time.time()
        super().run()
        missing = self.get_incomplete_ranks(skip_completed=True)
        if missing:
            shown = ", ".join(map(str, missing[:10])) + (" ..." if len(missing) > 10 else "")
            why = _last_error(self.logging_dir.path, missing, started)
            raise RayTasksError(
                f"executor ray: {len(missing)} of {self.world_size} tasks did not complete (ranks "
                f"{shown}){why}; logs: {self.logging_dir.resolve_paths('logs')}; a rerun resumes from "
                f"the {self.world_size - len(missing)} that did")

    def _run_for_rank(self, rank: int, local_rank: int = 0, node_rank: int = -1):
        # Runs in a process of datatrove's pool inside the Ray actor, one task at a time: tempfile's
        # folder can be this task's alone.
        import shutil
        import tempfile

        scratch = tempfile.mkdtemp(prefix=f"pipelines-ray-{rank:05d}-")
        old, tempfile.tempdir = tempfile.tempdir, scratch
        try:
            return super()._run_for_rank(rank, local_rank, node_rank)
        finally:
            tempfile.tempdir = old
            shutil.rmtree(scratch, ignore_errors=True)


def connect_ray(address: str, logging_dir: str | None = None) -> None:
    """Join the Ray cluster at `address` (once per process), with this checkout's code for the workers."""
    global _ray_address
    import ray

    if ray.is_initialized():
        if _ray_address == address:
            return
        ray.shutdown()
    target = (os.environ.get("RAY_ADDRESS") or address) if address == "auto" else address
    host, port = _ray_bootstrap(target, address)
    import socket

    try:  # ray.init retries an address where nothing listens for minutes
        socket.create_connection((host, port), timeout=5).close()
    except OSError as e:
        where = f"{host}:{port}, found by executor.ray.address 'auto'," if address == "auto" else repr(target)
        raise RayClusterError(f"executor ray: no Ray cluster answers at {where} ({e.strerror or e}): start "
                              "one with `ray start --head` or give its address with "
                              "--set executor.ray.address=HOST:PORT") from None
    try:
        ray.init(address=target, runtime_env=ray_runtime_env(), logging_level="WARNING",
                 namespace="pipelines")
    except (ConnectionError, RuntimeError) as e:  # ray's own: an unknown cluster, another Ray version
        raise RayClusterError(f"executor ray: cannot join the Ray cluster at {target}: "
                              f"{str(e).strip().splitlines()[0]}") from None
    _ray_address = address
    nodes = [node for node in ray.nodes() if node.get("Alive")]
    _check_workers(nodes)
    if logging_dir and len({node["NodeManagerAddress"] for node in nodes}) > 1:
        logger.warning(f"executor ray: the Ray nodes read and write the stage folders under "
                       f"{Path(logging_dir).parent}: they must be on a filesystem all of them share")


def _ray_bootstrap(target: str, address: str) -> tuple[str, int]:
    """The host and port of the cluster's GCS (or its Ray Client server, for ray://)."""
    if target.startswith("ray://"):
        host, _, port = target.removeprefix("ray://").partition(":")
        return host, int(port or 10001)
    # Ray's own resolution of "auto" and of host:port (the last `ray start` here, RAY_ADDRESS).
    from ray._private.services import canonicalize_bootstrap_address_or_die

    try:
        host, _, port = canonicalize_bootstrap_address_or_die(target).rpartition(":")
    except (ConnectionError, ValueError) as e:
        raise RayClusterError(f"executor ray: no Ray cluster at executor.ray.address {address!r} "
                              f"({str(e).strip().splitlines()[0]}): start one with `ray start --head` "
                              "or give its address with --set executor.ray.address=HOST:PORT") from None
    return host.strip("[]"), int(port)


def ray_runtime_env() -> dict:
    """The Ray job's runtime environment: this checkout's packages and the engines' settings.

    Our steps reach the workers pickled by reference to their classes (`pipelines.engines.*`,
    `transforms.*`): a worker imports them. It must import the code the driver planned with, since the
    stage cache is keyed by that code's version: a copy installed on a worker image, older or newer,
    would write other output under the same key. So Ray ships the three packages with the job
    (`py_modules`: zipped once per content hash, unpacked on each node, first on the workers' sys.path);
    `working_dir` would ship the whole checkout with its datasets, state and venv. The libraries come
    from the workers' own environment (this venv here, the worker image on a cluster), and
    `_check_workers` compares their versions with the driver's.
    """
    import schemas
    import transforms

    return {"py_modules": [str(Path(m.__file__).parent) for m in (pipelines, transforms, schemas)],
            "excludes": ["__pycache__", "*.pyc"],
            "env_vars": {name: os.environ[name] for name in RAY_WORKER_ENV if name in os.environ}}


def _library_versions() -> dict[str, str]:
    """Python's version, and the version of each library a stage's fingerprint names."""
    import platform

    from pipelines.stages import STAGES, _version

    names = sorted({lib for stage in STAGES.values() for lib in stage.libraries})
    return {"python": platform.python_version(), **{name: _version(name) for name in names}}


def _worker_versions() -> dict[str, str]:
    """Run on a worker: importing this module there is the check that our code arrived."""
    return _library_versions()


def _check_workers(nodes: list[dict]) -> None:
    """Each node's workers import our code and have the driver's library versions: a stage's cache key
    names the driver's, and a node with others would write other output under it."""
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    probe = ray.remote(num_cpus=0)(_worker_versions)
    refs = {n["NodeManagerAddress"] + " " + n["NodeID"][:8]: probe.options(
        scheduling_strategy=NodeAffinitySchedulingStrategy(n["NodeID"], soft=False)).remote() for n in nodes}
    ours = _library_versions()
    for node, ref in refs.items():
        try:
            theirs = ray.get(ref, timeout=120)
        except Exception as e:  # noqa: BLE001 (the worker's import error, a lost node, a time-out)
            raise RayClusterError(f"executor ray: node {node} cannot run our steps: "
                                  f"{str(e).strip().splitlines()[-1][:300]}") from None
        differ = [f"{name} {theirs.get(name)} (here {version})" for name, version in ours.items()
                  if theirs.get(name) != version]
        if differ:
            raise RayClusterError(f"executor ray: node {node} has other library versions: "
                                  f"{', '.join(differ)}: install the same as the driver's on every node")


def _check_fits(cpus: int, mem_per_cpu_gb: float) -> None:
    """Some node can hold a task: Ray would otherwise keep its placement group pending, and datatrove
    wait for it, for ever."""
    import ray

    memory = mem_per_cpu_gb * cpus * 2**30
    nodes = [node.get("Resources", {}) for node in ray.nodes() if node.get("Alive")]
    if not any(r.get("CPU", 0) >= cpus and r.get("memory", 0) >= memory for r in nodes):
        have = ", ".join(f"{r.get('CPU', 0):g} CPUs and {r.get('memory', 0) / 2**30:.1f} GB" for r in nodes)
        raise RayClusterError(f"executor ray: no node of the cluster can hold a task of {cpus} CPUs and "
                              f"{memory / 2**30:g} GB (executor.ray.cpus_per_task x mem_per_cpu_gb); "
                              f"its nodes have {have or 'nothing'}")


def _last_error(logging_dir: str, ranks: list[int], since: float) -> str:
    """`: rank N: <its exception>` from the first failed task that logged one in this run."""
    for rank in ranks:
        log = Path(logging_dir) / "logs" / f"task_{rank:05d}.log"
        if not log.is_file() or log.stat().st_mtime < since:  # lost with its worker, or an old log
            continue
        text = log.read_text(errors="replace").strip()
        if "| ERROR" in text:  # datatrove logged the task's exception: its traceback ends the log
            return f": rank {rank}: {text.splitlines()[-1].strip()[:300]}"
    return ""
