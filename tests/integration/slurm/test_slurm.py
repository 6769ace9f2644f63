"""Curation on Slurm: datatrove's SlurmPipelineExecutor on a real one-node cluster started here
(munged, slurmctld and slurmd from Debian's slurm-wlm, configured by infra/slurm/single-node.conf): the rows
of a local build, and a failed task that a rerun runs alone."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from support import ROOT, free_port, run_cli
from support.build import build
from support.pages import DATA
from support.recipes import write_recipe
from support.slurm import directives

from pipelines.engines.datatrove.executors import make_executor
from pipelines.errors import USER_ERRORS

DAEMONS = ("munged", "slurmctld", "slurmd")
CLIENTS = ("sbatch", "squeue", "srun", "scancel", "sinfo", "scontrol")


def _which(name: str) -> str | None:
    # The daemons are in /usr/sbin, which a non-login PATH may lack.
    return shutil.which(name, path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")


def _tail(path: Path, lines: int = 15) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.is_file() else ""


@pytest.fixture(scope="module")
def slurm(tmp_path_factory):
    """A one-node Slurm cluster on localhost for this module: its own munged, slurmctld and slurmd."""
    found = {name: _which(name) for name in DAEMONS + CLIENTS}
    missing = [name for name, path in found.items() if path is None]
    if missing:
        pytest.skip(f"Slurm is not installed ({', '.join(missing)} not found): "
                    "apt-get install slurm-wlm munge (.ci/run installs them)")
    if os.geteuid() != 0:
        pytest.skip("the one-node cluster needs root (slurmd starts tasks as their user); CI runs as root")
    root = tmp_path_factory.mktemp("slurm")
    for sub in ("state", "spool", "log", "munge-run"):
        (root / sub).mkdir()
    (root / "munge-etc").mkdir(mode=0o700)
    key = root / "munge-etc" / "munge.key"
    key.write_bytes(os.urandom(128))
    key.chmod(0o600)
    conf = root / "slurm.conf"
    template = (ROOT / "infra" / "slurm" / "single-node.conf").read_text()
    conf.write_text(template.replace("@ROOT@", str(root)).replace("@CPUS@", str(min(os.cpu_count() or 1, 2)))
                    .replace("@CTLD_PORT@", str(free_port())).replace("@SLURMD_PORT@", str(free_port())))
    env = os.environ | {"SLURM_CONF": str(conf)}
    socket_path = root / "munge-run" / "munge.socket"
    commands = {
        # --force: munged refuses root without it.
        "munged": [found["munged"], "--foreground", "--force", f"--socket={socket_path}", f"--key-file={key}",
                   f"--pid-file={root}/munged.pid", f"--seed-file={root}/munged.seed",
                   f"--log-file={root}/log/munged.log"],
        "slurmctld": [found["slurmctld"], "-D", "-f", str(conf)],
        "slurmd": [found["slurmd"], "-D", "-N", "localhost", "-f", str(conf)],
    }
    procs: dict[str, subprocess.Popen] = {}

    def failure(what: str) -> str:
        logs = "\n".join(f"--- {p.name}\n{_tail(p)}" for p in sorted((root / "log").glob("*")))
        return f"the one-node Slurm cluster did not start: {what}\n{logs}"

    def output(*command: str) -> str:
        return subprocess.run(command, env=env, capture_output=True, text=True).stdout.strip()

    ready = {
        "munged": socket_path.exists,
        "slurmctld": lambda: "UP" in output(found["scontrol"], "ping"),
        "slurmd": lambda: output(found["sinfo"], "--noheader", "--Node", "--format=%T") == "idle",
    }
    try:
        for name, command in commands.items():
            with open(root / "log" / f"{name}.out", "w") as out:
                procs[name] = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
            deadline = time.monotonic() + 60
            while not ready[name]():
                if procs[name].poll() is not None:
                    pytest.fail(failure(f"{name} exited with {procs[name].returncode}"))
                if time.monotonic() > deadline:
                    pytest.fail(failure(f"{name} not ready after 60 s"))
                time.sleep(0.3)
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("SLURM_CONF", str(conf))  # sbatch, squeue and scancel of the build find it here
            yield {"root": root, "conf": conf, "env": env}
            subprocess.run([found["scancel"], "--user", str(os.getuid())], env=env, capture_output=True)
    finally:
        for name in reversed(list(procs)):
            procs[name].terminate()
            try:
                procs[name].wait(15)
            except subprocess.TimeoutExpired:
                procs[name].kill()
                procs[name].wait()


def _data_files(version: Path) -> dict[str, str]:
    return {str(p.relative_to(version)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(version.rglob("*.parquet"))}


def test_a_build_on_slurm_has_the_rows_of_a_local_build(slurm, tmp_path):
    recipe = write_recipe("slurm-test.yaml", tmp_path, data=DATA / "web-demo")
    local, _ = build(tmp_path / "local-state", tmp_path / "local-out", recipe=str(recipe))
    # Separate state and store: the stage cache and the build fingerprint ignore the executor.
    started = time.monotonic()
    done = run_cli("build", str(recipe), "--executor", "slurm", "--out", str(tmp_path / "slurm-out"),
                   env={"PIPELINES_HOME": str(tmp_path / "slurm-state")}, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    seconds = time.monotonic() - started
    on_slurm = Path(done.stdout.strip().splitlines()[-1])
    files = _data_files(on_slurm)
    assert "data/train-00000-of-00001.parquet" in files and any(f.startswith("dedup/") for f in files)
    assert files == _data_files(Path(local["path"]))
    manifests = [json.loads((Path(p) / "manifest.json").read_text()) for p in (local["path"], on_slurm)]
    assert [{k: s[k] for k in ("name", "in", "out", "dropped")} for s in manifests[0]["stages"]] == \
        [{k: s[k] for k in ("name", "in", "out", "dropped")} for s in manifests[1]["stages"]]
    assert manifests[1]["recipe"]["executor"]["kind"] == "slurm"

    # Every pass of every stage was an array job of the cluster: its script, one log per task.
    scripts = sorted((tmp_path / "slurm-state" / "stages").rglob("launch_script.slurm"))
    # read, extract and langid fused into one pass; the dedup stage's sign, bucket (one task per band),
    # cluster and filter.
    assert len(scripts) == 1 + 4
    arrays = sorted(directives(s.read_text())["array"] for s in scripts)
    assert arrays == ["0-0%1", "0-1%2"] + ["0-3%2"] * 3, arrays
    for script in scripts:
        options = directives(script.read_text())
        assert options["partition"] == "debug" and options["comment"] == "pipelines-test"
        assert options["mem-per-cpu"] == "256M"
        ran = sorted((script.parent / "slurm_logs").glob("*.out"))
        assert len(ran) == int(options["array"].split("-")[1].split("%")[0]) + 1
        for log in ran:
            text = log.read_text()
            assert "Launching pipeline for rank=" in text, text[-2000:]
            assert "Processing done for rank=" in text, text[-2000:]
    print(f"slurm build: {seconds:.1f} s")


def _records(folder: Path, broken: bool) -> None:
    folder.mkdir(exist_ok=True)
    for i in range(4):
        path = folder / f"{i}.jsonl.gz"
        lines = "".join(json.dumps({"id": f"{i}-{j}", "text": f"record {j} of file {i}"}) + "\n"
                        for j in range(3))
        if broken and i == 1:  # not gzip: datatrove's reader raises, task 1 fails
            path.write_text(lines)
        else:
            path.write_bytes(gzip.compress(lines.encode()))


def test_a_failed_task_fails_the_stage_and_a_rerun_runs_only_that_task(slurm, tmp_path):
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    from pipelines.recipe import ExecutorSpec

    spec = ExecutorSpec(kind="slurm", tasks=4, workers=2, slurm={"mem_per_cpu_gb": 0.25})
    logging_dir, out = tmp_path / "stage.partial", tmp_path / "out"

    def executor():
        steps = [JsonlReader(str(tmp_path / "in")),
                 JsonlWriter(str(out), output_filename="${rank}.jsonl", compression=None)]
        return make_executor(spec, steps, 4, logging_dir, [])

    _records(tmp_path / "in", broken=True)
    with pytest.raises(USER_ERRORS, match=r"1 of 4 tasks did not complete \(ranks 1\)") as failed:
        executor().run()
    assert str(logging_dir / "slurm_logs") in str(failed.value)
    assert sorted(p.name for p in (logging_dir / "completions").iterdir()) == ["00000", "00002", "00003"]
    (task_log,) = [p for p in (logging_dir / "slurm_logs").glob("*_1.out")]
    assert "BadGzipFile" in task_log.read_text()

    _records(tmp_path / "in", broken=False)
    executor().run()
    assert json.loads((logging_dir / "ranks_to_run.json").read_text()) == [1]  # the others were done
    assert sorted(p.name for p in (logging_dir / "completions").iterdir()) == ["00000", "00001", "00002",
                                                                               "00003"]
    assert [json.loads(line)["id"] for line in open(out / "00001.jsonl")] == ["1-0", "1-1", "1-2"]


def test_synthesis_as_slurm_tasks_writes_the_rows_of_one_local_engine(slurm, tmp_path, tiny_model):
    """A synthesize stage as an array job of two tasks, one engine each, each task asking the stage's own
    resources; the rows are the bytes of one local engine's."""
    prompts = tmp_path / "questions.jsonl"
    prompts.write_text("".join(json.dumps({"id": f"q{i:02d}", "question": f"What is {i} + 1?"}) + "\n"
                               for i in range(12)))
    recipe = write_recipe("slurm-synth.yaml", tmp_path, "synth.yaml", prompts=prompts, model=tiny_model)
    local, _ = build(tmp_path / "local-state", tmp_path / "local-out", recipe=str(recipe))
    done = run_cli("build", str(recipe), "--executor", "slurm", "--out", str(tmp_path / "slurm-out"),
                   "--set", "stages.0.tasks=2", "--set", "stages.0.resources={cpus: 1, memory_gb: 0.5}",
                   env={"PIPELINES_HOME": str(tmp_path / "slurm-state")}, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    on_slurm = Path(done.stdout.strip().splitlines()[-1])
    files = {k: v for k, v in _data_files(on_slurm).items() if k.startswith("data/answers/")}
    assert files and files == {k: v for k, v in _data_files(Path(local["path"])).items()
                               if k.startswith("data/answers/")}
    # The generation's own job (the stage's other job, writing the rows, keeps the executor's settings).
    scripts = sorted((tmp_path / "slurm-state" / "stages").rglob("*-tasks/launch_script.slurm"))
    options = directives(scripts[-1].read_text())
    assert options["array"] == "0-1%2" and options["cpus-per-task"] == "1"
    assert options["mem-per-cpu"] == "512M"
    synth = json.loads((on_slurm / "manifest.json").read_text())["stages"][-1]
    assert synth["executor"] == {"kind": "slurm", "tasks": 2}
    assert synth["out"] + sum(synth["dropped"].values()) == 24
