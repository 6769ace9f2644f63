"""Scheduled runs fail safely: transient stages retry with backoff, a failed run leaves the previous
version whole, and two builds of one dataset at once cannot corrupt the store."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
from pathlib import Path

import datasets
import pytest
from support import BIN, free_port, run_cli
from support.build import build, pipelines_home
from support.pages import DATA
from support.recipes import write_recipe

from pipelines.store import DatasetStore


def file_hashes(path: Path) -> dict[str, str]:
    return {str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(path.rglob("*")) if p.is_file()}


def assert_whole(path: Path) -> None:
    """Every file the manifest names is there with its sha256, and `datasets` loads the rows."""
    manifest = json.loads((path / "manifest.json").read_text())
    hashes = file_hashes(path)
    assert {k: hashes[k] for k in manifest["files"]} == manifest["files"]
    loaded = datasets.load_dataset(str(path), split=manifest["recipe"]["output"]["split"],
                                   cache_dir=str(path.parent.parent / ".hf-cache"))
    assert len(loaded) == manifest["rows"]


def test_a_failed_run_retries_and_leaves_the_previous_version_whole(tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    recipe = write_recipe("nightly.yaml", tmp_path, data=DATA)
    state, out = tmp_path / "state", tmp_path / "out"
    first, _ = build(state, out, recipe=str(recipe))
    v1 = Path(first["path"])
    before = file_hashes(v1)

    write_recipe("nightly-model-down.yaml", tmp_path, "nightly.yaml", data=DATA, port=free_port())
    with pipelines_home(state):
        from flows.build import build_flow

        failed = build_flow(recipe=str(recipe), out=str(out), return_state=True)
    assert failed.is_failed()
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(
            id=FlowRunFilterId(any_=[failed.state_details.flow_run_id])))
    synth = next(r for r in runs if r.name.startswith("3-synthesize"))
    assert synth.run_count == 2 and synth.state.is_failed()  # the first try and one retry
    assert not any(r.name.startswith("write-version") for r in runs)

    store = DatasetStore(out, "nightly")
    assert store.versions() == ["v1"] and store.latest() == "v1"
    assert file_hashes(v1) == before
    assert not list(store.folder.glob(".staging-*"))
    assert_whole(v1)


def start_build(recipe: Path, out: Path, state: Path, *overrides: str) -> subprocess.Popen:
    args = [str(BIN / "pipelines"), "build", str(recipe), "--out", str(out)]
    for item in overrides:
        args += ["--set", item]
    env = os.environ | {"PIPELINES_HOME": str(state), "COLUMNS": "200"}
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


@pytest.mark.parametrize("same", [True, False], ids=["same-recipe", "different-recipes"])
def test_two_builds_of_one_dataset_at_once(tmp_path, same):
    """The store's lock serialises them: each writes a whole version, or finds the other's up to date."""
    recipe = write_recipe("nightly.yaml", tmp_path, data=DATA)
    state, out = tmp_path / "state", tmp_path / "out"
    second = [] if same else ["stages.langid.min_score=0.9"]
    procs = [start_build(recipe, out, state), start_build(recipe, out, state, *second)]
    started = time.monotonic()
    results = [p.communicate(timeout=600) for p in procs]
    assert all(p.returncode == 0 for p in procs), [r[1][-2000:] for r in results]
    paths = [Path(stdout.strip().splitlines()[-1]) for stdout, _ in results]
    store = DatasetStore(out, "nightly")
    if same:
        # One built v1; the other waited for the lock, planned again and found it up to date.
        assert paths == [store.path("v1")] * 2 and store.versions() == ["v1"]
        assert sorted("is up to date" in stderr for _, stderr in results) == [False, True]
    else:
        assert sorted(paths) == [store.path("v1"), store.path("v2")] and store.versions() == ["v1", "v2"]
        assert store.manifest("v2")["parent"] == "v1"  # v2 was planned after v1 was in place
    for version in store.versions():
        assert_whole(store.path(version))
    assert not list(store.folder.glob(".staging-*"))
    assert time.monotonic() - started < 600


def test_a_users_mistake_found_inside_a_stage_is_one_line_not_a_traceback(tmp_path):
    """Prefect logs a failed task's traceback; for a user's mistake the CLI's `error:` line is all."""
    recipe = write_recipe("nightly.yaml", tmp_path, data=DATA)
    result = run_cli("build", str(recipe), "--out", str(tmp_path / "out"), "--set", "executor.kind=ray",
                     "--set", f"executor.ray.address=127.0.0.1:{free_port()}",
                     env={"PIPELINES_HOME": str(tmp_path / "state")})
    assert result.returncode == 2
    assert "error: executor ray: no Ray cluster answers at" in result.stderr
    assert "Traceback" not in result.stderr and "RayClusterError(" not in result.stderr
