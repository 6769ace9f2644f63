"""datatrove's RayPipelineExecutor on a running Ray cluster (see infra/ray/README.md)."""

from __future__ import annotations

import os
from pathlib import Path

from datatrove.executor.base import PipelineExecutor
from datatrove.executor.ray import RayPipelineExecutor
from datatrove.utils.logging import logger

from pipelines.engines.errors import EngineError
from pipelines.engines.libraries import code_packages, library_versions


class RayClusterError(EngineError):
    """No usable Ray cluster at the recipe's executor.ray.address."""


class RayTasksError(EngineError):
    """Tasks of a stage that did not complete on Ray; a rerun resumes from the ones that did."""


# What our steps read from the environment on a worker. Ray starts workers with the environment of
# the `ray start` that made their node, not the driver's: what settings.configure_environment() set
# here (quiet task logs, no Hub downloads, where datatrove unpacks its URL block lists) goes with the job.
# Where object storage is and which profile to use go to the workers; keys never do (they would sit in
# the job's runtime env): each node has its own credentials, as on any cluster.
RAY_WORKER_ENV = ("LOGURU_LEVEL", "HF_HUB_OFFLINE", "HF_ASSETS_CACHE", "AWS_ENDPOINT_URL",
                  "AWS_ENDPOINT_URL_S3", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE")
_ray_address: str | None = None  # the cluster this process joined, once per process


def ray_executor(spec, steps: list, tasks: int, logging_dir: Path, libraries: list[str], resources=None,
                 workers: int | None = None) -> PipelineExecutor:
    """`tasks` Ray tasks, `workers` of them in flight, each holding cpus_per_task CPUs and
    cpus_per_task x mem_per_cpu_gb GB of the cluster's memory, or what the stage's `resources` ask (its GPUs
    too: Ray sets each task's CUDA_VISIBLE_DEVICES)."""
    ray_spec = spec.ray
    cpus, per_cpu, gpus = ray_spec.cpus_per_task, ray_spec.mem_per_cpu_gb, 0
    if resources is not None:
        cpus, gpus = resources.cpus or cpus, resources.gpus
        per_cpu = resources.memory_gb / cpus if resources.memory_gb else per_cpu
    workers = workers or min(spec.workers, tasks)
    return RayExecutor(steps, address=ray_spec.address, tasks=tasks, workers=workers, cpus_per_task=cpus,
                       mem_per_cpu_gb=per_cpu, gpus_per_task=gpus, logging_dir=str(logging_dir),
                       libraries=libraries)


class RayExecutor(RayPipelineExecutor):
    """datatrove's RayPipelineExecutor, joining the cluster, failing a stage on a failed task, a log
    folder per task (infra/ray/README.md says why each)."""

    def __init__(self, *args, address: str = "auto", libraries: list[str] = (), **kwargs):
        # datatrove warns, for every executor made, that a local logging_dir must be a filesystem
        # shared with the workers; a stage makes up to four: said once per build, and only when the
        # cluster spans several hosts (connect_ray).
        logger.disable("datatrove.executor.ray")
        try:
            super().__init__(*args, **kwargs)
        finally:
            logger.enable("datatrove.executor.ray")
        self.address = address
        self.libraries = list(libraries)

    def run(self):
        import time

        connect_ray(self.address, self.logging_dir.path, self.libraries)
        _check_fits(self.cpus_per_task, self.mem_per_cpu_gb, self.gpus_per_task)
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
        self._completed_ranks = []  # mark_rank_as_completed says why
        try:
            stats = super()._run_for_rank(rank, local_rank, node_rank)
            for done in self._completed_ranks:  # datatrove has copied the task's log to logging_dir now
                super().mark_rank_as_completed(done)
            return stats
        finally:
            self._completed_ranks = None
            tempfile.tempdir = old
            shutil.rmtree(scratch, ignore_errors=True)

    def mark_rank_as_completed(self, rank: int):
        # datatrove marks a task complete before it copies the task's log to logging_dir: a node lost in
        # between left a completed task with no log, and Ray's retry of it skipped it, writing none.
        # Marked after the copy, a task lost before its marker runs again and writes its own log.
        if getattr(self, "_completed_ranks", None) is None:  # not inside _run_for_rank
            return super().mark_rank_as_completed(rank)
        self._completed_ranks.append(rank)


def connect_ray(address: str, logging_dir: str | None = None, libraries: list[str] = ()) -> None:
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
    _check_workers(nodes, list(libraries))
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
    """The Ray job's runtime environment: this checkout's packages (infra/ray/README.md) and the
    engines' settings."""
    return {"py_modules": [str(folder) for folder in code_packages()],
            "excludes": ["__pycache__", "*.pyc"],
            "env_vars": {name: os.environ[name] for name in RAY_WORKER_ENV if name in os.environ}}


def _worker_versions(libraries: list[str]) -> dict[str, str]:
    """Run on a worker: importing this module there is the check that our code arrived."""
    return library_versions(libraries)


def _check_workers(nodes: list[dict], libraries: list[str]) -> None:
    """Each node's workers import our code and have the driver's library versions: a stage's cache key
    names the driver's, and a node with others would write other output under it."""
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    probe = ray.remote(num_cpus=0)(_worker_versions)
    refs = {n["NodeManagerAddress"] + " " + n["NodeID"][:8]: probe.options(
        scheduling_strategy=NodeAffinitySchedulingStrategy(n["NodeID"], soft=False)).remote(libraries)
        for n in nodes}
    ours = library_versions(libraries)
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


def _check_fits(cpus: int, mem_per_cpu_gb: float, gpus: int = 0) -> None:
    """Some node can hold a task: Ray would otherwise keep its placement group pending, and datatrove
    wait for it, for ever."""
    import ray

    memory = mem_per_cpu_gb * cpus * 2**30
    nodes = [node.get("Resources", {}) for node in ray.nodes() if node.get("Alive")]
    if not any(r.get("CPU", 0) >= cpus and r.get("memory", 0) >= memory and r.get("GPU", 0) >= gpus
               for r in nodes):
        gpu = f", {gpus} GPUs" if gpus else ""
        have = ", ".join(_holds(r, gpus) for r in nodes)
        raise RayClusterError(f"executor ray: no node of the cluster can hold a task of {cpus} CPUs{gpu} and "
                              f"{memory / 2**30:g} GB (executor.ray.cpus_per_task x mem_per_cpu_gb, or the "
                              f"stage's resources); its nodes have {have or 'nothing'}")


def _holds(resources: dict, gpus: int) -> str:
    gpu = f", {resources.get('GPU', 0):g} GPUs" if gpus else ""
    return f"{resources.get('CPU', 0):g} CPUs{gpu} and {resources.get('memory', 0) / 2**30:.1f} GB"


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
