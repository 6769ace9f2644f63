"""Curation on a real Ray cluster (a head and a worker node on 127.0.0.1): the same rows as the local
executor; one-line errors when there is no cluster or no node fits a task; and a stage that loses a
node and a task in its middle, then resumes from its finished tasks."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psutil
import pytest
from conftest import BIN, free_port, run_cli
from pages import DATA
from test_crash import wait_for, write_wet

from pipelines.store import DatasetStore

pytestmark = pytest.mark.slow

CURATION = """\
name: ray-demo
input:
  format: warc
  paths: [{data}/*.warc.gz]
executor: {{kind: local, tasks: 2, workers: 2}}
stages:
  - {{type: extract, backend: trafilatura, timeout: 5}}
  - {{type: langid, languages: [en]}}
  - {{type: dedup_minhash, bands: 2, rows: 8}}
"""

BIG = """\
name: big-wet
input:
  format: wet
  paths: [{folder}/*.warc.wet.gz]
executor: {{kind: ray, tasks: 4, workers: 2, ray: {{address: "{address}"}}}}
stages:
  - type: langid
    languages: [en]
"""


class Node:
    """One `ray start --block` and everything it starts (raylet, agents, workers), on this machine."""

    def __init__(self, temp_dir: Path, *args: str):
        self.temp_dir = temp_dir
        self.log = temp_dir.with_suffix(".log")
        # The workers' temporary files (task logs before they are copied, what a killed task leaves)
        # go under the cluster's folder, removed with it.
        (temp_dir.parent / "tmp").mkdir(exist_ok=True)
        env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "TMPDIR": str(temp_dir.parent / "tmp")}
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(
                [str(BIN / "ray"), "start", "--block", "--num-cpus=1", f"--temp-dir={temp_dir}",
                 "--object-store-memory=100000000", f"--dashboard-agent-listen-port={free_port()}", *args],
                stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        deadline = time.monotonic() + 120
        while "Ray runtime started" not in self.log.read_text():
            assert self.proc.poll() is None, f"ray start failed: {self.log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, "ray start timed out"
            time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL the whole node at once, as a machine that dies: Ray's workers have process groups
        of their own, so the tree is walked, not the group."""
        try:
            root = psutil.Process(self.proc.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        for proc in procs:
            try:
                proc.send_signal(signal.SIGKILL)
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(procs, timeout=30)

    def _asked(self, question) -> list:
        """`question(process)` of each process of this node that still answers."""
        try:
            procs = psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        answers = []
        for proc in procs:
            try:
                answers.append(question(proc))
            except psutil.Error:
                pass
        return answers

    def running(self, title: str) -> bool:
        """Whether a process of this node runs `title` (Ray titles a busy actor ray::Class.method)."""
        return any(self._asked(lambda proc: f"ray::{title}" in " ".join(proc.cmdline())))

    def ranks(self) -> set[int]:
        """The ranks whose tasks this node runs now: each task's log is open in a scratch folder that
        names its rank (pipelines-ray-<rank>-...)."""
        scratch = re.compile(r"pipelines-ray-(\d{5})-")
        found = self._asked(lambda proc: [f.path for f in proc.open_files()])
        return {int(m[1]) for paths in found for path in paths if (m := scratch.search(path))}

    def actors(self, name: str) -> int:
        """Actors of class `name` this node ran: Ray's worker logs name each actor when it starts."""
        logs = self.temp_dir.glob("session_latest/logs/worker-*.out")
        return sum(path.read_text(errors="replace").count(f":actor_name:{name}\n") for path in logs)


class Cluster:
    def __init__(self, base: Path):
        self.base = base
        port = free_port()
        self.address = f"127.0.0.1:{port}"
        self.head = Node(base / "h", "--head", "--node-ip-address=127.0.0.1", f"--port={port}",
                         "--include-dashboard=false", f"--dashboard-port={free_port()}",
                         f"--ray-client-server-port={free_port()}")
        self.worker = self.start_worker()

    def start_worker(self, name: str = "w") -> Node:
        return Node(self.base / name, f"--address={self.address}")

    def stop(self) -> None:
        for node in (self.worker, self.head):
            node.kill()


@pytest.fixture(scope="module")
def cluster():
    # Short: Ray's socket paths (<temp-dir>/session_<date>_<pid>/sockets/...) are length-limited.
    base = Path(tempfile.mkdtemp(prefix="ray-", dir="/tmp"))
    cluster = Cluster(base)
    try:
        yield cluster
    finally:
        import ray

        ray.shutdown()  # this process joined it in test_a_task_no_node_can_hold...
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)


def build(recipe: Path, base: Path, *args: str) -> subprocess.CompletedProcess:
    return run_cli("build", str(recipe), "--out", str(base / "out"), *args,
                   env={"PIPELINES_HOME": str(base / "state")}, timeout=420)


def completions(state: Path) -> int:
    """Tasks the build ran: datatrove's completion markers of every stage and pass."""
    return sum(1 for _ in (state / "stages").glob("**/completions/*"))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_curation_on_ray_writes_the_local_executors_rows(cluster, tmp_path):
    recipe = tmp_path / "ray-demo.yaml"
    recipe.write_text(CURATION.format(data=DATA / "web-demo"))
    # Two state folders and stores: the stage cache and the build ignore the executor, so a shared
    # state would just reuse the local result.
    local = build(recipe, tmp_path / "local")
    assert local.returncode == 0, local.stderr
    before = {node: node.actors("RankWorker") for node in (cluster.head, cluster.worker)}
    ray = build(recipe, tmp_path / "ray", "--executor", "ray",
                "--set", f"executor.ray.address={cluster.address}")
    assert ray.returncode == 0, ray.stderr
    local_path, ray_path = Path(local.stdout.split()[-1]), Path(ray.stdout.split()[-1])
    assert local_path.name == ray_path.name == "v1"

    # The stages ran on Ray, on both nodes: one RankWorker actor per task of every stage and pass.
    ran = {node: node.actors("RankWorker") - n for node, n in before.items()}
    assert all(n > 0 for n in ran.values()), ran
    # Our packages went with the job to each node (the runtime env's py_modules), not its own copy.
    for node in ran:
        shipped = node.temp_dir.glob("session_latest/runtime_resources/py_modules_files/*/pipelines/engines")
        assert any((folder / "datatrove" / "ray.py").is_file() for folder in shipped), node.temp_dir
    tasks = completions(tmp_path / "ray" / "state")
    assert sum(ran.values()) == tasks == completions(tmp_path / "local" / "state")
    # read, extract and langid fused in one run of 2 tasks; dedup: sign, 2 bands, cluster, filter.
    assert tasks == 2 + (2 + 2 + 1 + 2)

    # The same version, byte for byte: the data files and the dedup table; and the same funnel.
    local_manifest = json.loads((local_path / "manifest.json").read_text())
    ray_manifest = json.loads((ray_path / "manifest.json").read_text())
    tables = lambda path: sorted(str(p.relative_to(path)) for p in path.glob("*/**/*.parquet"))  # noqa: E731
    assert tables(local_path) == tables(ray_path) == ["data/train-00000-of-00001.parquet",
                                                      "dedup/3-dedup_minhash.parquet"]
    for name in tables(local_path):
        assert sha256(local_path / name) == sha256(ray_path / name) == ray_manifest["files"][name]
    assert ray_manifest["rows"] == local_manifest["rows"] > 0
    funnel = lambda m: [(s["name"], s["in"], s["out"], s["dropped"]) for s in m["stages"]]  # noqa: E731
    assert funnel(ray_manifest) == funnel(local_manifest)
    assert ray_manifest["recipe"]["executor"]["kind"] == "ray"


@pytest.mark.parametrize("how", ["address", "RAY_ADDRESS"])
def test_no_cluster_at_the_address_is_a_one_line_error(how, tmp_path, monkeypatch):
    from pipelines.engines.datatrove.executors import make_executor
    from pipelines.engines.datatrove.ray import RayClusterError
    from pipelines.recipe import ExecutorSpec

    address = f"127.0.0.1:{free_port()}"  # nothing listens there
    if how == "RAY_ADDRESS":  # what `auto` (the default) finds first
        monkeypatch.setenv("RAY_ADDRESS", address)
    spec = ExecutorSpec(kind="ray", ray={"address": address if how == "address" else "auto"})
    started = time.monotonic()
    with pytest.raises(RayClusterError) as error:
        make_executor(spec, [], 1, tmp_path / "stage", []).run()
    message = str(error.value)
    assert "\n" not in message and message.startswith("executor ray: no Ray cluster answers at")
    assert address.split(":")[1] in message and "ray start --head" in message
    assert time.monotonic() - started < 10  # not ray.init's minutes of retries
    assert not (tmp_path / "stage" / "completions").exists()


def test_a_task_no_node_can_hold_is_a_one_line_error(cluster, tmp_path):
    from pipelines.engines.datatrove.executors import make_executor
    from pipelines.engines.datatrove.ray import RayClusterError
    from pipelines.recipe import ExecutorSpec

    spec = ExecutorSpec(kind="ray", ray={"address": cluster.address, "mem_per_cpu_gb": 4096})
    with pytest.raises(RayClusterError) as error:  # Ray would keep it pending for ever
        make_executor(spec, [], 1, tmp_path / "stage", []).run()
    assert str(error.value).startswith("executor ray: no node of the cluster can hold a task of 1 CPUs and "
                                       "4096 GB")
    assert "its nodes have 1 CPUs and" in str(error.value)
    assert not (tmp_path / "stage" / "completions").exists()


def test_a_task_lost_before_its_log_was_copied_runs_again(tmp_path, monkeypatch):
    """A node that dies after a task's last step but before datatrove copies its log to the stage
    folder leaves no completion marker: the retry runs the task and writes its log."""
    from datatrove.pipeline.base import PipelineStep

    from pipelines.engines.datatrove.ray import RayExecutor

    class Nothing(PipelineStep):
        name = "nothing"

        def run(self, data, rank=0, world_size=1):
            yield from ()

    class NodeDied(BaseException):
        """SIGKILL, where it lands."""

    executor = RayExecutor([Nothing()], tasks=1, logging_dir=str(tmp_path))
    copy = executor.logging_dir.open

    def dies_at_the_log_copy(path, mode="r", *args, **kwargs):
        if path.startswith("logs/") and "w" in mode:
            raise NodeDied
        return copy(path, mode, *args, **kwargs)

    monkeypatch.setattr(executor.logging_dir, "open", dies_at_the_log_copy)
    with pytest.raises(NodeDied):
        executor._run_for_rank(0)
    assert not (tmp_path / "completions" / "00000").exists()
    monkeypatch.setattr(executor.logging_dir, "open", copy)
    executor._run_for_rank(0)  # Ray's retry, on another node
    assert (tmp_path / "completions" / "00000").is_file()
    assert "Processing done for rank=0" in (tmp_path / "logs" / "task_00000.log").read_text()


def test_a_node_lost_and_a_task_failed_in_the_middle_of_a_stage(cluster, tmp_path):
    """The worker node dies while it runs a task of the first stage: Ray runs that task again on the
    head. Another task fails (its input is gone): the build fails cleanly, and the rerun runs only it."""
    # Rank r reads the r-th input. Rank 0's is small: it ends first, and ranks 1 and 2 then run on the
    # two nodes (one CPU each) for a long while, so the worker is seen running one of them; rank 3
    # starts only after one of those has finished.
    write_wet(tmp_path / "wet", files=4, records=[600, 8700, 8700, 6000])
    recipe = tmp_path / "big.yaml"
    recipe.write_text(BIG.format(folder=tmp_path / "wet", address=cluster.address))
    state, out = tmp_path / "state", tmp_path / "out"
    env = {**os.environ, "PIPELINES_HOME": str(state), "COLUMNS": "200"}
    cmd = [str(BIN / "pipelines"), "build", str(recipe), "--out", str(out)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    stages = state / "stages"
    wait_for(lambda: any(stages.glob("*.partial/completions/*")), proc)
    gone = tmp_path / "wet" / "part-3.warc.wet.gz"
    gone.rename(tmp_path / "part-3.away")
    # Killed while it runs a task other than rank 3 (whose input is gone: it fails at once, and a node
    # killed after that loses no task): datatrove must see that task lost with the node and run it again.
    seen = []  # what each node ran, for the message if the build ends first

    def titles(node: Node) -> list[str]:
        return sorted({t for t in node._asked(lambda proc: " ".join(proc.cmdline())) if "ray::" in t})

    def worker_runs_another_rank() -> bool:
        ranks = cluster.worker.ranks()
        seen.append((round(time.monotonic(), 2), sorted(ranks), sorted(cluster.head.ranks()),
                     titles(cluster.worker), titles(cluster.head)))
        return bool(ranks - {3})

    try:
        wait_for(worker_runs_another_rank, proc)
    except AssertionError as e:
        raise AssertionError(f"(time, worker ranks, head ranks, worker and head Ray processes) seen: "
                             f"{seen[:3]} ... {seen[-20:]}") from e
    cluster.worker.kill()
    # read and langid run fused: the run's markers and logs are with its last stage, langid.
    partial = next(p for p in stages.glob("*.partial") if (p / "logs").is_dir())
    logs_at_kill = {p.name: p.stat().st_mtime_ns for p in (partial / "logs").glob("task_*.log")}
    stdout, stderr = proc.communicate(timeout=420)

    assert proc.returncode == 2, stderr
    # datatrove's note of the task lost with the node, which it then ran again.
    assert re.search(r"failed with (RayActorError|retriable error)", stderr), stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith("error: executor ray: 1 of 4 tasks did not complete "
                                                     "(ranks 3): rank 3: FileNotFoundError"), stderr
    assert "a rerun resumes from the 3 that did" in errors[0]
    assert DatasetStore(out, "big-wet").versions() == []
    assert sorted(p.name for p in (partial / "completions").iterdir()) == ["00000", "00001", "00002"]
    finished = {r: (partial / "logs" / f"task_{r}.log").stat().st_mtime_ns for r in ("00000", "00001",
                                                                                  "00002")}
    assert len(set(finished.items()) - set(logs_at_kill.items())) >= 1  # a task ran after the kill

    (tmp_path / "part-3.away").rename(gone)
    rerun = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=420)
    assert rerun.returncode == 0, rerun.stderr
    path = Path(rerun.stdout.split()[-1])
    assert path == out / "big-wet" / "v1"
    # The tasks that had finished did not run again (datatrove's completion markers): only rank 3 did.
    final = stages / partial.name.removesuffix(".partial")
    assert {r: (final / "logs" / f"task_{r}.log").stat().st_mtime_ns for r in finished} == finished
    assert (final / "completions" / "00003").is_file()
    # Nothing twice, nothing lost.
    manifest = json.loads((path / "manifest.json").read_text())
    read, langid = manifest["stages"]
    assert read["in"] == read["out"] == 24_000 and not read["dropped"]
    assert langid["in"] == langid["out"] == manifest["rows"] == 24_000
    for name, digest in manifest["files"].items():
        assert sha256(path / name) == digest
