"""The versioned store on object storage (moto's S3 server): a version is seen only once its manifest, written
last, commits it; a killed upload leaves no version and the next build cleans up; a second writer of a
version fails; list, show, diff, publish and `datasets` read committed versions; credentials appear nowhere;
a store that cannot be reached or read is one line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import s3fs
from support import TESTS, free_port, run_cli
from support.store import write_toy

from pipelines.errors import StoreError, TransientError
from pipelines.store import DatasetStore

DEMO_OUT = "s3://store/datasets"


def keys(s3, prefix: str) -> list[str]:
    listed = s3.client().list_objects_v2(Bucket="store", Prefix=prefix).get("Contents", [])
    return sorted(o["Key"] for o in listed)


@pytest.fixture
def root(s3, request) -> str:
    """A store root on the S3 server, its own for each test."""
    s3.bucket("store")
    return f"s3://store/{request.node.name}"


def test_a_version_is_seen_only_once_its_manifest_commits_it(s3, root, state):
    store = DatasetStore(root, "toy")
    assert store.versions() == [] and DatasetStore.datasets(root) == []
    with store.stage_version("v1") as folder:
        write_toy(folder, "v1")
    prefix = root.removeprefix("s3://store/")
    assert keys(s3, f"{prefix}/toy/v1/") == [f"{prefix}/toy/v1/{n}" for n in (
        ".writer", "README.md", "data/train-00000-of-00001.parquet", "manifest.json")]
    assert store.versions() == ["v1"] and store.manifest()["rows"] == 3
    assert DatasetStore.datasets(root) == ["toy"]
    assert store.path("v1") == f"{root}/toy/v1"

    # Mid-upload, the files are there but not the manifest: no reader sees the version.
    seen = {}
    with store.stage_version("v2") as folder:
        write_toy(folder, "v2")
        original = store.fs.put_file

        def put_and_look(source, key, **kwargs):
            original(source, key, **kwargs)
            seen[key.rsplit("/", 1)[-1]] = DatasetStore(root, "toy").versions()

        store.fs.put_file = put_and_look
    del store.fs.put_file
    assert seen == {"README.md": ["v1"], "train-00000-of-00001.parquet": ["v1"]}
    assert store.versions() == ["v1", "v2"]

    # A failure inside the block removes what was uploaded of the version; the name stays free.
    with pytest.raises(RuntimeError), store.stage_version("v3") as folder:
        write_toy(folder, "v3")
        raise RuntimeError("the build failed")
    assert keys(s3, f"{prefix}/toy/v3/") == [] and store.versions() == ["v1", "v2"]


def test_a_second_writer_of_a_version_fails(s3, root, state):
    store, other = DatasetStore(root, "toy"), DatasetStore(root, "toy")
    with store.stage_version("v1") as folder:
        write_toy(folder, "v1")
        with pytest.raises(StoreError) as error, other.stage_version("v1"):
            pass
        assert str(error.value) == f"{root}/toy/v1 is being written by another build: versions are immutable"
    with pytest.raises(StoreError) as error, other.stage_version("v1"):
        pass
    assert str(error.value) == f"{root}/toy/v1 already exists: versions are immutable"
    assert store.versions() == ["v1"]  # the loser deleted nothing of the winner's
    # Even one that slipped past the claim (its .writer deleted by hand) cannot commit over it.
    s3.client().delete_object(Bucket="store", Key=f"{root.removeprefix('s3://store/')}/toy/v1/.writer")
    with pytest.raises(StoreError, match=r"was committed by another build: versions are immutable$"), \
            other.stage_version("v1") as folder:
        write_toy(folder, "v1", rows=5)
    assert store.manifest("v1")["rows"] == 3 and store.versions() == ["v1"]


KILLED_UPLOAD = """\
import os, sys
from pipelines.store import DatasetStore
from support.store import write_toy

store = DatasetStore(sys.argv[1], "toy")
put = store.fs.put_file

def put_then_die(*args, **kwargs):
    put(*args, **kwargs)
    os._exit(9)  # killed mid-upload: one file up, the lock held, nothing cleaned

store.fs.put_file = put_then_die
with store.lock(), store.stage_version("v2") as folder:
    write_toy(folder, "v2")
"""


def test_a_killed_upload_leaves_no_version_and_the_next_build_cleans_up(s3, root, state):
    store = DatasetStore(root, "toy")
    with store.stage_version("v1") as folder:
        write_toy(folder, "v1")
    killed = subprocess.run([sys.executable, "-c", KILLED_UPLOAD, root], capture_output=True, text=True,
                            cwd=TESTS, timeout=120)
    assert killed.returncode == 9, killed.stderr
    prefix = root.removeprefix("s3://store/")
    assert keys(s3, f"{prefix}/toy/v2/") == [f"{prefix}/toy/v2/{n}" for n in (".writer", "README.md")]
    assert f"{prefix}/toy/.lock" in keys(s3, f"{prefix}/toy/")
    # Nothing looks like a version: not to the store, nor to list and show.
    assert store.versions() == ["v1"] and store.next_version() == "v2"
    listed = run_cli("list", "--out", root)
    assert listed.returncode == 0, listed.stderr
    assert "toy" in listed.stdout and "v2" not in listed.stdout
    shown = run_cli("show", "toy", "--version", "v2", "--out", root)
    assert shown.returncode == 2
    assert shown.stderr.strip().endswith(f"dataset 'toy' has no version 'v2' under {root} (versions: v1)")
    # The next build takes the dead build's lock over and deletes its upload before it writes.
    with store.lock():
        assert keys(s3, f"{prefix}/toy/v2/") == []
        with store.stage_version("v2") as folder:
            write_toy(folder, "v2", rows=4)
    assert store.versions() == ["v1", "v2"] and store.manifest("v2")["rows"] == 4
    assert f"{prefix}/toy/.lock" not in keys(s3, f"{prefix}/toy/")


def test_a_remote_version_read_locally_is_checked_against_its_manifest(s3, root, state, tmp_path,
                                                                      monkeypatch):
    import datasets

    store = DatasetStore(root, "toy")
    with store.stage_version("v1") as folder:
        write_toy(folder, "v1")
    copy = store.local("v1")
    assert copy.is_relative_to(state) and (copy / "manifest.json").is_file()
    loaded = datasets.load_dataset("parquet", data_files=str(copy / "data" / "*.parquet"),
                                   cache_dir=str(tmp_path / "hf"))
    assert loaded["train"]["text"] == ["row 0", "row 1", "row 2"]
    # Straight from the store, as `datasets` reads any fsspec URL (the tests turn the Hub off, not S3).
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", False)
    direct = datasets.load_dataset("parquet", data_files=f"{root}/toy/v1/data/*.parquet",
                                   storage_options={"endpoint_url": s3.url}, cache_dir=str(tmp_path / "hf2"))
    assert direct["train"]["id"] == ["r0", "r1", "r2"]
    assert store.local("v1") == copy  # kept: versions never change
    # A version changed in the store after its commit is refused, not read.
    prefix = root.removeprefix("s3://store/")
    s3.client().put_object(Bucket="store", Key=f"{prefix}/toy/v1/README.md", Body=b"edited")
    monkeypatch.setenv("PIPELINES_HOME", str(tmp_path / "other-state"))  # no copy made before
    with pytest.raises(StoreError, match=r"README.md does not match the sha256 its manifest lists"):
        DatasetStore(root, "toy").local("v1")
    assert not list((tmp_path / "other-state").rglob("README.md"))  # nothing half-copied is left


def test_a_store_that_cannot_be_read_is_one_line(s3, s3_auth, state, monkeypatch):
    with pytest.raises(StoreError) as error:
        DatasetStore("s3://no-such-bucket/datasets", "toy").versions()
    assert str(error.value).startswith(
        f"s3://no-such-bucket/datasets/toy: the bucket does not exist at {s3.url}")
    listed = run_cli("list", "--out", "s3://no-such-bucket/datasets")
    assert listed.returncode == 2 and len(listed.stderr.strip().splitlines()) == 1
    assert "s3://no-such-bucket/datasets: the bucket does not exist" in listed.stderr
    # Access denied: a user allowed one bucket writes a version to another.
    s3_auth.bucket("open")
    s3_auth.client().create_bucket(Bucket="closed")
    for name, value in s3_auth.env.items():
        monkeypatch.setenv(name, value)
    s3fs.S3FileSystem.clear_instance_cache()
    assert DatasetStore("s3://open/datasets", "toy").versions() == []
    closed = DatasetStore("s3://closed/datasets", "toy")
    with pytest.raises(StoreError) as error, closed.stage_version("v1") as folder:
        write_toy(folder, "v1")
    assert str(error.value).startswith("s3://closed/datasets/toy: access denied (")
    assert s3_auth.secret not in str(error.value)
    # Unreachable: retried with backoff, then one line.
    dead = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", dead)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    s3fs.S3FileSystem.clear_instance_cache()
    store = DatasetStore("s3://open/datasets", "toy")
    store.retries = (3, 0.05, 2.0)
    with pytest.raises(TransientError) as error:
        store.versions()
    assert str(error.value).startswith(f"s3://open/datasets/toy: cannot reach {dead} (")
    assert str(error.value).endswith("(after 4 tries)") and "\n" not in str(error.value)


@pytest.mark.slow
def test_a_build_to_s3_is_listed_shown_diffed_published_and_loaded_with_no_credentials(s3, tmp_path):
    import datasets

    s3.bucket("store")
    env = {"PIPELINES_HOME": str(tmp_path / "state"), "PIPELINES_OUT": DEMO_OUT, **s3.env}
    first = run_cli("build", "web-demo", "--set", "executor.tasks=2", env=env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip().splitlines()[-1] == f"{DEMO_OUT}/web-demo/v1"
    again = run_cli("build", "web-demo", "--set", "executor.tasks=2", env=env)
    assert again.returncode == 0 and again.stdout.strip().splitlines()[-1] == f"{DEMO_OUT}/web-demo/v1"
    second = run_cli("build", "web-demo", "--set", "executor.tasks=2", "--set", "output.compression=snappy",
                     env=env)
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip().splitlines()[-1] == f"{DEMO_OUT}/web-demo/v2"
    store = DatasetStore(DEMO_OUT, "web-demo")
    assert store.versions() == ["v1", "v2"] and store.manifest("v2")["parent"] == "v1"
    runs = [first, again, second]
    for args in (["list"], ["show", "web-demo"], ["diff", "web-demo", "v1", "v2", "--json"],
                 ["publish", "web-demo", "--repo", "org/web-demo", "--to-dir", str(tmp_path / "tree")]):
        runs.append(run_cli(*args, env=env))
        assert runs[-1].returncode == 0, runs[-1].stderr
    assert "web-demo" in runs[3].stdout and "v1, v2" in runs[3].stdout
    assert f"path: {DEMO_OUT}/web-demo/v2" in runs[4].stdout
    diff = json.loads(runs[5].stdout)
    assert diff["identical_rows"] and any(c["path"] == "output.compression" for c in diff["recipe"])
    tree = tmp_path / "tree"
    assert sorted(str(p.relative_to(tree)) for p in tree.rglob("*") if p.is_file()) == sorted(
        [*store.manifest("v2")["files"], "manifest.json"])
    rows = store.manifest("v1")["rows"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PIPELINES_HOME", env["PIPELINES_HOME"])
        copy = store.local("v1")
    loaded = datasets.load_dataset(str(copy), cache_dir=str(tmp_path / "hf"))
    assert loaded.num_rows["train"] == rows > 0
    # The credentials are in no output: stdout, stderr, every object in the store, the state folder.
    fs = s3fs.S3FileSystem(endpoint_url=s3.url)
    outputs = [text for r in runs for text in (r.stdout, r.stderr)]
    outputs += [fs.cat_file(k).decode("utf-8", "replace") for k in fs.find("store/datasets")]
    outputs += [p.read_bytes().decode("utf-8", "replace") for p in (tmp_path / "state").rglob("*")
                if p.is_file()]
    assert len(outputs) > 20
    for text in outputs:
        assert s3.secret not in text and s3.key_id not in text


def test_the_cli_names_a_url_store_as_given(s3, root, state):
    store = DatasetStore(root + "/", "toy")
    assert store.root == root and store.remote
    with store.stage_version("v1") as folder:
        write_toy(folder, "v1")
    shown = run_cli("list", "--out", root + "/")
    assert shown.returncode == 0, shown.stderr
    assert f"Builtdatasetsin{root}" in "".join(shown.stdout.split())  # the title wraps at the table's width
    assert "│ toy     │ v1       │ v1     │ 3    │" in shown.stdout
