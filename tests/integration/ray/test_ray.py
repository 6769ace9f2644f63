"""Curation on a real Ray cluster (a head and a worker node on 127.0.0.1): the same rows as the local
executor; a one-line error when no node fits a task; and a stage that loses a node and a task in its
middle, then resumes from its finished tasks (Node and Cluster: support.ray_cluster)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from support import BIN, run_cli
from support.pages import DATA
from support.ray_cluster import Cluster, Node
from support.recipes import write_recipe
from support.wet import wait_for, write_wet

from pipelines.store import DatasetStore

pytestmark = pytest.mark.slow


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
    recipe = write_recipe("ray-demo.yaml", tmp_path, data=DATA / "web-demo")
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


def test_a_node_lost_and_a_task_failed_in_the_middle_of_a_stage(cluster, tmp_path):
    """The worker node dies while it runs a task of the first stage: Ray runs that task again on the
    head. Another task fails (its input is gone): the build fails cleanly, and the rerun runs only it."""
    # Rank r reads the r-th input. Until the kill, an actor of this test holds the head's one CPU: the
    # build's tasks run on the worker only, one after another (rank 0, small, first), whatever the time a
    # cold worker node takes to start its first (on a loaded machine the head once ran them all first).
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    if not ray.is_initialized():
        ray.init(address=cluster.address, logging_level="WARNING")
    head = next(n["NodeID"] for n in ray.nodes() if n["Alive"] and "node:__internal_head__" in n["Resources"])

    class Hold:
        def ready(self) -> bool:
            return True

    holder = ray.remote(num_cpus=1)(Hold).options(
        scheduling_strategy=NodeAffinitySchedulingStrategy(head, soft=False)
    ).remote()
    assert ray.get(holder.ready.remote(), timeout=120)
    write_wet(tmp_path / "wet", files=4, records=[600, 30000, 6000, 6000])
    recipe = write_recipe("big-wet.yaml", tmp_path, "big.yaml", folder=tmp_path / "wet")
    state, out = tmp_path / "state", tmp_path / "out"
    env = {**os.environ, "PIPELINES_HOME": str(state), "COLUMNS": "200"}
    cmd = [str(BIN / "pipelines"), "build", str(recipe), "--out", str(out), "--set", "executor.kind=ray",
           "--set", f"executor.ray.address={cluster.address}"]
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
    ray.kill(holder)  # the head is free to run the lost task again, and the others
    # read and langid run fused: the run's markers and logs are with its last stage, langid.
    partial = next(p for p in stages.glob("*.partial") if (p / "logs").is_dir())
    logs_at_kill = {p.name: p.stat().st_mtime_ns for p in (partial / "logs").glob("task_*.log")}
    stdout, stderr = proc.communicate(timeout=420)

    assert proc.returncode == 2, stderr
    # datatrove's note of the task lost with the node, which it then ran again: in the build's log file,
    # where the libraries' logs go (stderr has our own lines only).
    log = Path(re.search(r"^log: (\S+)$", stderr, re.M).group(1)).read_text()
    assert re.search(r"failed with (RayActorError|retriable error)", log), log[-3000:]
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
    assert read["in"] == read["out"] == 42_600 and not read["dropped"]
    assert langid["in"] == langid["out"] == manifest["rows"] == 42_600
    for name, digest in manifest["files"].items():
        assert sha256(path / name) == digest


def test_synthesis_on_ray_loses_nothing_with_a_node_and_writes_the_local_rows(cluster, tmp_path, tiny_model):
    """A synthesize stage as two Ray tasks, one engine and one logical GPU each; the worker node is killed
    while its task generates: Ray runs that task again on the head, which skips the chunks the lost task had
    finished (their markers), and the rows are the bytes of a build with one local engine."""
    if cluster.worker.proc.poll() is not None:  # a test before this one killed it
        cluster.worker = cluster.start_worker("w1")
    prompts = tmp_path / "questions.jsonl"
    prompts.write_text("".join(json.dumps({"id": f"q{i:02d}", "question": f"What is {i} + {i}?"}) + "\n"
                               for i in range(48)))
    recipe = write_recipe("ray-synth.yaml", tmp_path, "synth.yaml", prompts=prompts, model=tiny_model)
    local = build(recipe, tmp_path / "local")
    assert local.returncode == 0, local.stderr

    state, out = tmp_path / "ray" / "state", tmp_path / "ray" / "out"
    env = {**os.environ, "PIPELINES_HOME": str(state), "COLUMNS": "200"}
    cmd = [str(BIN / "pipelines"), "build", str(recipe), "--out", str(out), "--executor", "ray",
           "--set", f"executor.ray.address={cluster.address}", "--set", "stages.0.tasks=2",
           "--set", "stages.0.resources={gpus: 1}"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    generated = lambda: list(state.glob("stages/*.partial/generated-2"))  # noqa: E731
    # The worker's task has finished a chunk (its marker) and is generating the next when its node dies.
    worker_rank = []

    def worker_has_a_finished_chunk() -> bool:
        ranks = cluster.worker.ranks()
        done = {int(p.name.split("-")[1]) for folder in generated() for p in folder.glob("done-*")}
        worker_rank[:] = sorted(ranks & done)
        return bool(worker_rank)

    wait_for(worker_has_a_finished_chunk, proc)
    folder = generated()[0]
    before = {p.name: p.stat().st_mtime_ns for p in folder.glob(f"done-{worker_rank[0]:05d}-*")}
    cluster.worker.kill()
    stdout, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 0, stderr
    cluster.worker = cluster.start_worker("w2")  # for the tests after this one

    ray_path, local_path = Path(stdout.split()[-1]), Path(local.stdout.split()[-1])
    log = Path(re.search(r"^log: (\S+)$", stderr, re.M).group(1)).read_text()  # the libraries' logs
    assert re.search(r"failed with (RayActorError|retriable error)", log), log[-3000:]  # the task ran again
    # Its finished chunks were not generated again: their markers are the ones written before the kill.
    stage = next((state / "stages").glob("*/generated-2"))
    assert {n: (stage / n).stat().st_mtime_ns for n in before} == before
    rows = lambda path: sorted(str(p.relative_to(path)) for p in path.glob("data/answers/*.parquet"))  # noqa: E731
    assert rows(ray_path) == rows(local_path) and rows(ray_path)
    for name in rows(ray_path):
        assert sha256(ray_path / name) == sha256(local_path / name)
    manifest = json.loads((ray_path / "manifest.json").read_text())
    synth = manifest["stages"][-1]
    assert synth["executor"] == {"kind": "ray", "tasks": 2, "gpus_per_task": 1}
    assert synth["in"] == 96 and synth["out"] + sum(synth["dropped"].values()) == 96  # nothing lost
    assert json.loads((local_path / "manifest.json").read_text())["stages"][-1]["executor"]["tasks"] == 1
