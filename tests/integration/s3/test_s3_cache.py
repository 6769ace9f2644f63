"""The stage cache on object storage (PIPELINES_HOME=s3://...): stages committed by their funnel, written
last; another machine's build reuses them; and a build on the Ray executor with inputs, cache and store all
on the S3 server writes the Parquet bytes of the local build."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import tempfile
import warnings
from pathlib import Path

import pytest
import s3fs
from support import BIN, run_cli
from support.pages import DATA
from support.recipes import write_recipe

from pipelines.store import DatasetStore

PARQUET = "data/train-00000-of-00001.parquet"


def recipe(folder: Path, inputs: str, assets: Path | None = None) -> Path:
    """s3-demo (and its barriers, given the assets they read) reading `inputs`, written into `folder`."""
    if assets:
        return write_recipe("s3-demo-barriers.yaml", folder, "s3-demo.yaml", inputs=inputs, assets=assets)
    return write_recipe("s3-demo.yaml", folder, inputs=inputs)


@pytest.fixture(scope="module")
def assets(tmp_path_factory) -> Path:
    """A benchmark with an item that a demo page contains, and a small quality classifier."""
    from support.decontam_case import write_case
    from support.quality_model import train_small_model

    folder = tmp_path_factory.mktemp("assets")
    write_case(folder)
    train_small_model(folder / "model")
    shutil.move(folder / "model" / "quality.bin", folder / "quality.bin")
    return folder


@pytest.fixture
def on_s3(s3, request) -> dict:
    """The demo crawl uploaded, a cache and a store bucket, and the URLs of each, this test's own."""
    name = request.node.name.replace("_", "-")[:40]
    s3.upload(DATA / "web-demo", "crawls", name)
    s3.bucket("cache")
    s3.bucket("store")
    return {"inputs": f"s3://crawls/{name}", "home": f"s3://cache/{name}", "out": f"s3://store/{name}"}


def local_build(tmp_path: Path, assets: Path | None = None) -> bytes:
    """The same recipe built on the local executor with everything on local disk."""
    where = tmp_path / "local"
    result = run_cli("build", str(recipe(where, str(DATA / "web-demo"), assets=assets)), "--out",
                     str(where / "out"), env={"PIPELINES_HOME": str(where / "state")}, cwd=where)
    assert result.returncode == 0, result.stderr
    return (Path(result.stdout.strip().splitlines()[-1]) / PARQUET).read_bytes()


def remote_parquet(s3, url: str) -> bytes:
    return s3fs.S3FileSystem(endpoint_url=s3.url).cat_file(f"{url.removeprefix('s3://')}/{PARQUET}")


def committed_stages(s3, home: str) -> dict[str, list[str]]:
    """Each stage folder of the remote cache and its files' names."""
    fs = s3fs.S3FileSystem(endpoint_url=s3.url)
    root = f"{home.removeprefix('s3://')}/stages"
    stages: dict[str, list[str]] = {}
    for key in fs.find(root):
        stage, _, rest = key[len(root) + 1:].partition("/")
        stages.setdefault(stage, []).append(rest)
    return stages


def test_the_stage_cache_on_s3_is_shared_by_the_builds_of_two_machines(s3, on_s3, tmp_path):
    local = local_build(tmp_path)
    env = {"PIPELINES_HOME": on_s3["home"], **s3.env}
    path = recipe(tmp_path / "a", on_s3["inputs"])
    first = run_cli("build", str(path), "--out", on_s3["out"], env=env, cwd=tmp_path / "a")
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip().splitlines()[-1] == f"{on_s3['out']}/s3-demo/v1"
    assert remote_parquet(s3, f"{on_s3['out']}/s3-demo/v1") == local
    # Each stage committed by its funnel; the tasks' own remote work folders are gone.
    stages = committed_stages(s3, on_s3["home"])
    assert len(stages) == 3 and not any(name.endswith(".partial") for name in stages)
    assert all("funnel.json" in files for files in stages.values())
    assert sum(any(f.startswith("data/") for f in files) for files in stages.values()) == 2  # not read's
    # The fused run's completion markers (2 tasks) live with its last stage.
    assert sorted(f for files in stages.values() for f in files if f.startswith("completions/")) == [
        "completions/00000", "completions/00001"]
    # Another machine (its own local state, a new store) reuses every stage from the remote cache.
    path = recipe(tmp_path / "b", on_s3["inputs"])
    second = run_cli("build", str(path), "--out", f"{on_s3['out']}-b", env=env, cwd=tmp_path / "b")
    assert second.returncode == 0, second.stderr
    manifest = DatasetStore(f"{on_s3['out']}-b", "s3-demo").manifest("v1")
    assert all(stage["cached"] for stage in manifest["stages"]), manifest["stages"]
    assert remote_parquet(s3, f"{on_s3['out']}-b/s3-demo/v1") == local
    # No credentials in any output: the stages' logs and stats on S3, the versions, local state, stdout.
    fs = s3fs.S3FileSystem(endpoint_url=s3.url)
    outputs = [text for run in (first, second) for text in (run.stdout, run.stderr)]
    for root in (on_s3["home"], on_s3["out"], f"{on_s3['out']}-b"):
        outputs += [fs.cat_file(k).decode("utf-8", "replace") for k in fs.find(root.removeprefix("s3://"))]
    for machine in ("a", "b"):
        outputs += [p.read_bytes().decode("utf-8", "replace") for p in (tmp_path / machine).rglob("*")
                    if p.is_file()]
    assert len(outputs) > 20 and any("task_00000" in k for k in fs.find(on_s3["home"].removeprefix("s3://")))
    for text in outputs:
        assert s3.secret not in text and s3.key_id not in text


def hidden_from(folder: Path, bin_dir: Path) -> Path:
    """A `ray` that starts its node with `folder` hidden under an empty tmpfs (a mount namespace of its
    own): the node's tasks cannot see or write the driver's files there, as on another machine."""
    folder.mkdir(parents=True, exist_ok=True)
    bin_dir.mkdir(parents=True, exist_ok=True)
    ray = bin_dir / "ray"
    start = f'mount -t tmpfs hidden "{folder}" && exec "{BIN / "ray"}" "$@"'
    ray.write_text(f"#!/bin/sh\nexec unshare --mount --propagation private sh -c '{start}' ray \"$@\"\n")
    ray.chmod(0o755)
    return bin_dir


def can_hide_folders() -> bool:
    probe = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                            "mount -t tmpfs probe /mnt"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.slow
def test_a_ray_build_with_inputs_cache_and_store_on_s3_writes_the_local_bytes(s3, on_s3, assets, tmp_path):
    from support.ray_cluster import Cluster

    local = local_build(tmp_path, assets)
    # The nodes have the S3 endpoint and credentials in their environment, as a cluster's machines have
    # their own; the driver's folder (its recipe, its local state) is hidden from them where this machine
    # lets a test make mount namespaces (root), so a task that wrote there would be lost to the driver.
    where = tmp_path / "ray"
    ray = BIN / "ray"
    if can_hide_folders():
        ray = hidden_from(where, tmp_path / "bin") / "ray"
    else:
        warnings.warn("no mount namespaces here: the Ray nodes see the driver's folder", stacklevel=1)
    base = Path(tempfile.mkdtemp(prefix="ray-", dir="/tmp"))
    cluster = Cluster(base, ray=ray)
    try:
        path = recipe(where, on_s3["inputs"], assets)
        built = run_cli("build", str(path), "--out", on_s3["out"], "--set", "executor.kind=ray",
                        "--set", f"executor.ray.address={cluster.address}",
                        env={"PIPELINES_HOME": on_s3["home"], **s3.env}, cwd=where)
        assert built.returncode == 0, built.stderr
    finally:
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)
    assert remote_parquet(s3, f"{on_s3['out']}/s3-demo/v1") == local
    manifest = DatasetStore(on_s3["out"], "s3-demo").manifest("v1")
    decontaminate = next(s for s in manifest["stages"] if s["type"] == "decontaminate")
    assert decontaminate["contamination"]["qa-bench"]["records"] == 2  # the side files reached the driver
    stages = committed_stages(s3, on_s3["home"])
    by_type = {json.loads(s3fs.S3FileSystem(endpoint_url=s3.url).cat_file(
        f"{on_s3['home'].removeprefix('s3://')}/stages/{name}/funnel.json"))["type"]: files
        for name, files in stages.items()}
    # Every executor run's completion markers, committed with its stage: one fused run of 2 tasks (read,
    # extract, langid), dedup's four passes, decontaminate's run, and quality's scoring and keeping.
    markers = {kind: sorted(f for f in files if "completions/" in f) for kind, files in by_type.items()}
    assert markers["langid"] == ["completions/00000", "completions/00001"]
    assert markers["dedup_exact"] == ["bucket/completions/00000", "cluster/completions/00000",
                                      "completions/00000", "completions/00001",
                                      "sign/completions/00000", "sign/completions/00001"]
    assert markers["decontaminate"] == ["completions/00000", "completions/00001"]
    assert markers["quality"] == ["completions/00000", "completions/00001",
                                  "scoring/completions/00000", "scoring/completions/00001"]
    for kind, side in (("dedup_exact", "table/"), ("decontaminate", "matches/"), ("quality", "scores/")):
        assert sum(f.startswith(side) for f in by_type[kind]) == 2, (kind, by_type[kind])


def test_one_machine_at_a_time_makes_a_stage(s3, on_s3):
    from pipelines import storage
    from pipelines.errors import StoreError
    from pipelines.stage_cache import RemoteStageCache

    cache = RemoteStageCache(f"{on_s3['home']}/stages")
    key = cache._key("f00d.lock")
    with cache.lock("f00d"):
        # Another build (alive, so not taken over) waits for it, here not long enough.
        waiting = storage.object_lock(cache.fs, key, f"{cache.url}/f00d.lock", "stage f00d", wait_s=0.2,
                                      poll_s=0.05)
        held = r"/stages/f00d.lock: another build of stage f00d holds it \(host "
        with pytest.raises(StoreError, match=held), waiting:
            pass
        assert cache.fs.exists(key)
    assert not cache.fs.exists(key)
    # A holder that died (a pid that no longer runs here) is taken over at once.
    dead = {"host": socket.gethostname(), "pid": 999999999, "since": "2026-12-04T00:00:00+00:00"}
    cache.fs.pipe_file(key, json.dumps(dead).encode())
    with cache.lock("f00d"):
        assert storage.holder(cache.fs, key, "x")["pid"] != 999999999


def test_a_lock_held_longer_than_its_lease_is_renewed_not_taken_over(s3, on_s3, monkeypatch):
    from pipelines import storage
    from pipelines.errors import StoreError
    from pipelines.stage_cache import RemoteStageCache

    monkeypatch.setattr(storage, "LOCK_LEASE_S", 2.0)  # renewed every half second
    cache = RemoteStageCache(f"{on_s3['home']}/stages")
    key = cache._key("beef.lock")
    with cache.lock("beef"):
        taken = storage.holder(cache.fs, key, "x")
        # Another machine's build waits for three leases and never finds the holder stale.
        waiting = storage.object_lock(cache.fs, key, f"{cache.url}/beef.lock", "stage beef", wait_s=6,
                                      poll_s=0.2)
        with pytest.raises(StoreError, match="another build of stage beef holds it"), waiting:
            pass
        now = storage.holder(cache.fs, key, "x")
        assert now["token"] == taken["token"] and now["renewed"] > taken["since"]
    assert not cache.fs.exists(key)
    # A holder that stopped renewing (its machine gone) is stale after its lease.
    gone = {"host": "elsewhere", "pid": 1, "since": "2026-12-04T00:00:00+00:00",
            "renewed": "2026-12-04T00:00:01+00:00"}
    assert storage.stale(gone)


def test_a_stage_resumes_from_its_remote_completion_markers_unless_split_another_way(s3, on_s3, tmp_path):
    from pipelines.stage_cache import RemoteStageCache

    cache = RemoteStageCache(f"{on_s3['home']}/stages")
    cache.start("beef", "2 1-3")
    cache.fs.pipe_file(cache._key("beef.partial", "completions", "00000"), b"")  # a task that finished
    cache.start("beef", "2 1-3")  # the same split: kept, so that task is not run again
    assert cache.fs.exists(cache._key("beef.partial", "completions", "00000"))
    cache.pull_partial("beef", tmp_path / "work")
    assert sorted(str(p.relative_to(tmp_path / "work")) for p in (tmp_path / "work").rglob("*")
                  if p.is_file()) == ["completions/00000", "tasks"]
    cache.start("beef", "4 1-3")  # another number of tasks: its ranks mean other files, so all goes
    assert not cache.fs.exists(cache._key("beef.partial", "completions", "00000"))
    assert cache.fs.cat_file(cache._key("beef.partial", "tasks")) == b"4 1-3"
    assert not cache.has("beef") and not cache.pull("beef", tmp_path / "final")
