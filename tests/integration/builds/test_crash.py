"""A build killed with SIGKILL leaves no version that looks complete, and the next build works."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
from pathlib import Path

import pytest
from support import BIN
from support.recipes import write_recipe
from support.wet import wait_for, write_wet

from pipelines.store import DatasetStore


@pytest.fixture
def big(tmp_path):
    write_wet(tmp_path / "wet", files=4, records=6000)
    recipe = write_recipe("big-wet.yaml", tmp_path, "big.yaml", folder=tmp_path / "wet")
    env = {**os.environ, "PIPELINES_HOME": str(tmp_path / "state")}
    return recipe, tmp_path / "out", env


def start(recipe: Path, out: Path, env: dict) -> subprocess.Popen:
    return subprocess.Popen([str(BIN / "pipelines"), "build", str(recipe), "--out", str(out)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)


def kill(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGKILL)  # the CLI, its datatrove workers, Prefect's server
    proc.wait()


def assert_only_complete_versions(out: Path) -> None:
    folder = out / "big-wet"
    for path in folder.iterdir() if folder.exists() else []:
        if path.name.startswith("v"):
            manifest = json.loads((path / "manifest.json").read_text())
            for name, digest in manifest["files"].items():
                assert hashlib.sha256((path / name).read_bytes()).hexdigest() == digest


def rebuild(recipe: Path, out: Path, env: dict) -> dict:
    proc = start(recipe, out, env)
    stdout, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 0, stderr.decode()
    path = Path(stdout.decode().strip().splitlines()[-1])
    assert path == out / "big-wet" / "v1"
    return json.loads((path / "manifest.json").read_text())


def test_killed_while_writing_the_version(big):
    recipe, out, env = big
    proc = start(recipe, out, env)
    staging = lambda: any((out / "big-wet").glob(".staging-*"))  # noqa: E731
    wait_for(staging, proc)
    kill(proc)
    assert DatasetStore(out, "big-wet").versions() == []  # a half-written folder is no version
    assert_only_complete_versions(out)
    manifest = rebuild(recipe, out, env)
    assert manifest["rows"] == 24_000
    assert [s["cached"] for s in manifest["stages"]] == [True, True]  # stages had finished
    assert not list((out / "big-wet").glob(".staging-*"))  # the next build cleared the debris


def test_killed_in_the_middle_of_a_stage_resumes_its_finished_tasks(big):
    recipe, out, env = big
    stages = Path(env["PIPELINES_HOME"]) / "stages"
    proc = start(recipe, out, env)
    finished = lambda: any(stages.glob("*.partial/completions/*"))  # noqa: E731
    wait_for(finished, proc)
    kill(proc)
    assert not (out / "big-wet").exists() or DatasetStore(out, "big-wet").versions() == []
    # read and langid run fused, as one datatrove pipeline: its markers and logs are langid's.
    partial = next(p for p in stages.glob("*.partial") if (p / "completions").is_dir())
    done_before = {p.name for p in (partial / "completions").iterdir()}
    assert 0 < len(done_before) < 4
    logs = {rank: (partial / "logs" / f"task_{rank}.log").stat().st_mtime_ns for rank in done_before}
    manifest = rebuild(recipe, out, env)
    # datatrove's completion markers: the tasks finished before the kill did not run again.
    final = stages / partial.name.removesuffix(".partial")
    assert {r: (final / "logs" / f"task_{r}.log").stat().st_mtime_ns for r in logs} == logs
    # Counts still add up over tasks run before and after the kill: nothing twice, nothing lost.
    read = manifest["stages"][0]
    assert read["in"] == read["out"] == 24_000
    assert manifest["rows"] == 24_000
    assert_only_complete_versions(out)


def test_a_stage_left_half_done_with_another_task_count_is_redone(tmp_path, monkeypatch):
    from pipelines.plan import plan_build
    from pipelines.run import run_group

    monkeypatch.setenv("PIPELINES_HOME", str(tmp_path / "state"))
    write_wet(tmp_path / "wet", files=4, records=50)
    recipe = write_recipe("big-wet.yaml", tmp_path, "r.yaml", folder=tmp_path / "wet")
    plan = plan_build(str(recipe), [], tmp_path / "out")
    assert [r["out"] for r in run_group(plan, [0, 1])] == [200, 200]
    # As if killed with 4 tasks after ranks 0 and 1 had finished (read and langid run as one pass,
    # whose markers and stats are langid's).
    partials = []
    for stage in plan.stages:
        done = plan.cache_dir / stage.fingerprint
        partials.append(done.with_name(done.name + ".partial"))
        done.rename(partials[-1])
        (partials[-1] / "funnel.json").unlink()
    for rank in (2, 3):
        (partials[1] / "completions" / f"{rank:05d}").unlink()
        (partials[1] / "stats" / f"{rank:05d}.json").unlink()
        (partials[1] / "data" / f"{rank:05d}.jsonl.zst").unlink()
    # Resumed with 2 tasks, ranks 0 and 1 would mean other files: the stages must start over.
    plan = plan_build(str(recipe), ["executor.tasks=2"], tmp_path / "out")
    read, langid = run_group(plan, [0, 1])
    assert read["in"] == read["out"] == langid["out"] == 200 and not langid["cached"]
    assert len(list((plan.cache_dir / plan.stages[1].fingerprint / "completions").iterdir())) == 2
