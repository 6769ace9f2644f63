"""The Slurm executor with no cluster: a job's name, and the sbatch script a recipe's executor.slurm
section makes (datatrove's own launch_job writes it; with no sbatch on PATH the build stops there)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from support import ROOT
from support.pages import DATA
from support.recipes import recipe_text, write_recipe
from support.slurm import directives

from pipelines.engines.datatrove.executors import make_executor
from pipelines.errors import USER_ERRORS
from pipelines.recipe import load_recipe


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
    text = recipe_text("slurm-test.yaml", data=DATA / "web-demo")
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
    assert directives(script) == {
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
    options = directives((other / "bucket" / "launch_script.slurm").read_text())
    assert "partition" not in options and options["qos"] == "high" and options["exclusive"] is None
    assert options["mem-per-cpu"] == "308M" and options["array"] == "0-1%2"
    assert options["job-name"] == "pipelines-fedcba987654-bucket"


def test_a_stage_asking_gpus_asks_slurm_for_them(tmp_path, monkeypatch):
    """`resources: {gpus: 2}` is the array job's --gres=gpu:2, with the stage's CPUs and memory."""
    from pipelines.engines.datatrove import cache as dt
    from pipelines.engines.datatrove.executors import Resources

    recipe = write_recipe("slurm-test.yaml", tmp_path, data=DATA / "web-demo")
    spec = load_recipe(str(recipe), ["executor.kind=slurm"])[0].executor
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no sbatch: the script is written, then one line
    logging_dir = tmp_path / "0123456789abcdef.partial"
    with pytest.raises(USER_ERRORS):
        make_executor(spec, [dt.cache_reader(tmp_path / "in")], 2, logging_dir, [],
                      Resources(gpus=2, cpus=8, memory_gb=64)).run()
    options = directives((logging_dir / "launch_script.slurm").read_text())
    assert options["gres"] == "gpu:2" and options["cpus-per-task"] == "8"
    assert options["mem-per-cpu"] == "8192M"
