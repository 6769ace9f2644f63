"""Curation on Slurm: datatrove's SlurmPipelineExecutor on a real one-node cluster started here
(munged, slurmctld and slurmd from Debian's slurm-wlm, configured by infra/slurm/single-node.conf),
and the sbatch script a recipe's executor.slurm section makes."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, free_port, run_cli
from pages import DATA
from test_build import build

from pipelines.engines.datatrove.executors import make_executor
from pipelines.errors import USER_ERRORS
from pipelines.recipe import load_recipe

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


def _directives(script: str) -> dict[str, str | None]:
    """The #SBATCH options of a script: name -> value (None for a flag)."""
    options = {}
    for line in script.splitlines():
        if line.startswith("#SBATCH --"):
            name, _, value = line.removeprefix("#SBATCH --").partition("=")
            options[name] = value or None
    return options


RECIPE = """\
name: slurm-test
input: {{format: warc, paths: ["{data}/*.warc.gz"]}}
executor:
  kind: local
  tasks: 4
  workers: 2
  slurm: {{partition: debug, time: "00:20:00", cpus_per_task: 1, mem_per_cpu_gb: 0.25,
          sbatch_args: {{comment: pipelines-test}}}}
stages:
  - {{type: extract, backend: trafilatura}}
  - {{type: langid, languages: [en]}}
  - {{type: dedup_minhash, bands: 2, rows: 4}}
"""


def _recipe(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "slurm-test.yaml"
    path.write_text(RECIPE.format(data=DATA / "web-demo"))
    return path


@pytest.mark.parametrize("folder", ["/state/stages/{fp}.partial", "s3://cache/home/stages/{fp}.partial/"])
def test_a_job_is_named_after_its_stage_and_pass_on_disk_or_object_storage(folder):
    from pipelines.engines.datatrove.slurm import job_name

    fp = "9c0da8fcfd144e3bef647a81"
    assert job_name(folder.format(fp=fp)) == "pipelines-9c0da8fcfd14"
    assert job_name(Path(folder.format(fp=fp).rstrip("/")) / "sign") == "pipelines-9c0da8fcfd14-sign"
    assert job_name(folder.format(fp=fp).rstrip("/") + "/bucket/") == "pipelines-9c0da8fcfd14-bucket"


def test_the_sbatch_script_of_a_recipes_slurm_spec(tmp_path, monkeypatch):
    """infra/slurm/executor.yaml's section in a recipe: datatrove's own launch_job writes the script; with
    no sbatch on PATH the build stops there, in one line."""
    from pipelines.engines.datatrove import cache as dt

    section = (ROOT / "infra" / "slurm" / "executor.yaml").read_text()
    recipe = tmp_path / "r.yaml"
    text = RECIPE.format(data=DATA / "web-demo")
    recipe.write_text(text.split("executor:")[0] + section + "stages:" + text.split("stages:")[1])
    spec = load_recipe(str(recipe))[0].executor
    assert spec.kind == "slurm" and spec.tasks == 64
    logging_dir = tmp_path / "0123456789abcdef.partial"
    steps = [dt.cache_reader(tmp_path / "in"), dt.cache_writer(logging_dir / "data")]
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no sbatch
    with pytest.raises(USER_ERRORS, match=r"no `sbatch` here"):
        make_executor(spec, steps, spec.tasks, logging_dir, []).run()
    script = (logging_dir / "launch_script.slurm").read_text()
    logs = f"{logging_dir}/slurm_logs/%A_%a.out"
    assert _directives(script) == {
        "cpus-per-task": "2", "mem-per-cpu": "4096M", "nodes": "1", "partition": "cpu",
        "job-name": "pipelines-0123456789ab", "time": "04:00:00", "output": logs, "error": logs,
        "array": "0-63%16",  # 64 tasks, at most `workers` at once
        "account": "my-team", "constraint": "avx2", "requeue": None,  # no --qos unless asked
    }
    assert (logging_dir / "slurm_logs").is_dir()
    body = [line.strip() for line in script.splitlines() if not line.startswith("#")]
    # The job runs this interpreter's venv and this checkout.
    assert f"source {sys.prefix}/bin/activate && export PYTHONPATH={ROOT}${{PYTHONPATH:+:$PYTHONPATH}}" \
        in body
    assert f"srun  -l -n 1 launch_pickled_pipeline {logging_dir}/executor.pik" in body
    assert json.loads((logging_dir / "ranks_to_run.json").read_text()) == list(range(64))

    # No partition: the cluster's default (no bare --partition); a qos and a flag from sbatch_args; a
    # fraction of a GB in whole MB; a pass of a stage of several passes.
    spec = load_recipe(str(recipe), ["executor.slurm.partition=null", "executor.slurm.mem_per_cpu_gb=0.3",
                                     "executor.slurm.sbatch_args.qos=high",
                                     "executor.slurm.sbatch_args.exclusive=''"])[0].executor
    other = tmp_path / "fedcba9876543210.partial"
    with pytest.raises(USER_ERRORS):
        make_executor(spec, [dt.cache_reader(tmp_path / "in")], 2, other / "bucket", []).run()
    options = _directives((other / "bucket" / "launch_script.slurm").read_text())
    assert "partition" not in options and options["qos"] == "high" and options["exclusive"] is None
    assert options["mem-per-cpu"] == "308M" and options["array"] == "0-1%2"
    assert options["job-name"] == "pipelines-fedcba987654-bucket"


def _data_files(version: Path) -> dict[str, str]:
    return {str(p.relative_to(version)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(version.rglob("*.parquet"))}


def test_a_build_on_slurm_has_the_rows_of_a_local_build(slurm, tmp_path):
    recipe = _recipe(tmp_path)
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
    arrays = sorted(_directives(s.read_text())["array"] for s in scripts)
    assert arrays == ["0-0%1", "0-1%2"] + ["0-3%2"] * 3, arrays
    for script in scripts:
        options = _directives(script.read_text())
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
