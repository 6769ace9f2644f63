"""Inputs on object storage: globs and listings on a real S3 API (moto's server), fingerprints from the
store's ETags, one-line errors, and a build from s3:// that writes the Parquet bytes a local build does."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest
import s3fs
from support import run_cli
from support.build import build
from support.pages import DATA

from pipelines.errors import PipelinesError, RecipeError, StoreError, TransientError
from pipelines.inputs import expand
from pipelines.plan import plan_build
from pipelines.recipe import load_recipe
from pipelines.stages.read import InputSpec
from pipelines.storage import filesystem

DEMO = DATA / "web-demo"
FAST_RETRIES = ["retries.attempts=2", "retries.delay_seconds=0.05", "retries.backoff=2"]


@pytest.fixture
def crawl(s3, request) -> str:
    """The demo crawl on the S3 server, under a prefix of this test's own."""
    prefix = f"crawl/{request.node.name}"
    s3.upload(DEMO, "crawls", prefix)
    return f"s3://crawls/{prefix}"


def test_glob_and_folder_on_s3_list_the_objects_with_their_etags(s3, crawl):
    files = expand(InputSpec(paths=[f"{crawl}/*.warc.gz"])).files
    assert [f.path for f in files] == [f"{crawl}/crawl-0000{i}.warc.gz" for i in range(4)]
    for f in files:
        local = DEMO / f.name
        assert f.size == local.stat().st_size
        # An ETag of a single-part upload is the md5 of the bytes: the store's checksum, nothing downloaded.
        assert f.checksum == f"etag:{hashlib.md5(local.read_bytes()).hexdigest()}"
    assert expand(InputSpec(paths=[crawl])).files == files  # a folder: its files
    assert expand(InputSpec(paths=[f"{crawl}/crawl-00002.warc.gz"])).files == [files[2]]


def test_a_changed_object_is_a_changed_input(s3, crawl, state, tmp_path):
    overrides = [f"input.paths=[{crawl}/*.warc.gz]"]
    before = plan_build("web-demo", overrides, tmp_path / "out")
    assert plan_build("web-demo", overrides, tmp_path / "out").fingerprint == before.fingerprint
    bucket, key = crawl.removeprefix("s3://").split("/", 1)
    s3.client().put_object(Bucket=bucket, Key=f"{key}/crawl-00001.warc.gz",
                           Body=(DEMO / "crawl-00000.warc.gz").read_bytes())
    after = plan_build("web-demo", overrides, tmp_path / "out")
    assert after.inputs[1]["checksum"] != before.inputs[1]["checksum"]
    assert after.fingerprint != before.fingerprint
    assert after.stages[0].fingerprint != before.stages[0].fingerprint


def test_listing_joins_relative_paths_to_a_base_with_limit_and_a_deterministic_sample(s3, crawl, tmp_path):
    # Common Crawl's warc.paths.gz: gzip, one path a line, relative to the bucket.
    names = [f"{crawl.removeprefix('s3://crawls/')}/crawl-0000{i}.warc.gz" for i in range(4)]
    listing = tmp_path / "warc.paths.gz"
    listing.write_bytes(gzip.compress("".join(f"{n}\n" for n in names).encode()))
    s3.client().upload_file(str(listing), "crawls", "listings/warc.paths.gz")
    spec = dict(paths_file="s3://crawls/listings/warc.paths.gz", base="s3://crawls")
    files = expand(InputSpec(**spec)).files
    assert [f.path for f in files] == [f"s3://crawls/{n}" for n in names]
    assert all(f.checksum.startswith("etag:") for f in files)
    two = expand(InputSpec(**spec, max_files=2)).files
    assert [f.path for f in two] == [f"s3://crawls/{n}" for n in names[:2]]
    half = [f.path for f in expand(InputSpec(**spec, sample=0.5, seed=7)).files]
    assert half == [f.path for f in expand(InputSpec(**spec, sample=0.5, seed=7)).files]  # deterministic
    assert set(half) <= {f.path for f in files}
    other = {tuple(f.path for f in expand(InputSpec(**spec, sample=0.5, seed=s)).files) for s in range(8)}
    assert len(other) > 1  # the seed chooses which half
    # A local listing with lines relative to its own folder (the default base).
    (tmp_path / "paths.txt").write_text("crawl-00000.warc.gz\n# a comment\ncrawl-00003.warc.gz\n")
    local = expand(InputSpec(paths_file=str(tmp_path / "paths.txt"), base=str(DEMO))).files
    assert [f.name for f in local] == ["crawl-00000.warc.gz", "crawl-00003.warc.gz"]


def test_listed_files_that_are_missing_are_an_error_or_counted_and_skipped(s3, crawl, tmp_path):
    rel = crawl.removeprefix("s3://crawls/")
    lines = [f"{rel}/crawl-00000.warc.gz", f"{rel}/gone-1.warc.gz", f"{rel}/crawl-00001.warc.gz",
             "elsewhere/gone-2.warc.gz"]
    s3.client().put_object(Bucket="crawls", Key=f"listings/{rel}.paths", Body="\n".join(lines).encode())
    spec = dict(paths_file=f"s3://crawls/listings/{rel}.paths", base="s3://crawls")
    with pytest.raises(RecipeError) as error:
        expand(InputSpec(**spec))
    assert str(error.value) == (f"input.paths_file: s3://crawls/listings/{rel}.paths names 2 files that do "
                                f"not exist (s3://crawls/{rel}/gone-1.warc.gz and 1 more); set "
                                "input.missing: skip to build from the others")
    found = expand(InputSpec(**spec, missing="skip"))
    assert [f.name for f in found.files] == ["crawl-00000.warc.gz", "crawl-00001.warc.gz"]
    assert found.missing == [f"s3://crawls/{rel}/gone-1.warc.gz", "s3://crawls/elsewhere/gone-2.warc.gz"]


def test_bad_input_is_one_line_each(s3, crawl, s3_auth, tmp_path):
    def fails(paths: str, *more: str, env_error=PipelinesError) -> str:
        with pytest.raises(env_error) as e:
            plan_build("web-demo", [f"input.paths=[{paths}]", *FAST_RETRIES, *more], tmp_path / "out")
        assert "\n" not in str(e.value)
        return str(e.value)

    nothing = fails(f"{crawl}/*.wet.gz", env_error=RecipeError)
    assert nothing == f"input.paths: no file matches '{crawl}/*.wet.gz'"
    assert fails("s3://no-such-bucket/crawl/*.warc.gz", env_error=StoreError).startswith(
        f"s3://no-such-bucket/crawl/*.warc.gz: the bucket does not exist at {s3.url}")
    assert fails("s3://no-such-bucket/crawl/a.warc.gz", env_error=StoreError).startswith(
        "s3://no-such-bucket/crawl/a.warc.gz: the bucket does not exist")
    # Access denied: a server that checks signatures and policies, a user allowed one bucket only.
    s3_auth.bucket("open")
    s3_auth.client().upload_file(str(DEMO / "crawl-00000.warc.gz"), "open", "a.warc.gz")
    with pytest.MonkeyPatch.context() as env:
        for name, value in s3_auth.env.items():
            env.setenv(name, value)
        assert len(expand(InputSpec(paths=["s3://open/*.warc.gz"])).files) == 1
        s3_auth.client().create_bucket(Bucket="closed")
        message = fails("s3://closed/*.warc.gz", env_error=StoreError)
        assert message.startswith("s3://closed/*.warc.gz: access denied (")
        assert "AWS_ACCESS_KEY_ID" in message and s3_auth.secret not in message
        env.setenv("AWS_SECRET_ACCESS_KEY", "wrong")
        s3fs.S3FileSystem.clear_instance_cache()  # one made with the right secret
        assert "access denied" in fails("s3://open/*.warc.gz", env_error=StoreError)
    # Unreachable: retried with backoff (2 retries), then one line.
    from support import free_port

    dead = f"http://127.0.0.1:{free_port()}"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ENDPOINT_URL_S3", dead)
        env.setenv("AWS_MAX_ATTEMPTS", "1")  # botocore's own retries (4 more, 9 s) under each of ours
        message = fails(f"{crawl}/*.warc.gz", env_error=TransientError)
    assert message.startswith(f"{crawl}/*.warc.gz: cannot reach {dead} (")
    assert message.endswith("(after 3 tries)")
    # A protocol whose package is missing, or none at all.
    with pytest.raises(StoreError, match=r"^gs://b/x: reading gs:// needs the gcsfs package"):
        filesystem("gs://b/x")
    with pytest.raises(StoreError, match=r"^nope://b/x: no filesystem for nope://"):
        filesystem("nope://b/x")


def test_urls_stay_urls_and_secrets_stay_out_of_recipes(tmp_path):
    recipe = tmp_path / "r.yaml"
    text = (DEMO.parent.parent / "web-demo.yaml").read_text().replace(
        "paths: [data/web-demo/*.warc.gz]", "paths: [hf://datasets/org/crawl/*.warc.gz, "
        "'https://data.example.org/crawl/a.warc.gz', gs://bucket/crawl/*.warc.gz, local/*.warc.gz]")
    recipe.write_text(text)
    loaded, _ = load_recipe(str(recipe))
    assert loaded.input.paths == ["hf://datasets/org/crawl/*.warc.gz", "https://data.example.org/crawl/a.warc.gz",
                                  "gs://bucket/crawl/*.warc.gz", str(tmp_path / "local" / "*.warc.gz")]
    loaded, _ = load_recipe(str(recipe), ["input.paths=[]", "input.paths_file=listing.txt",
                                          "input.base=s3://commoncrawl"])
    assert loaded.input.paths_file == str(Path.cwd() / "listing.txt")
    assert loaded.input.base == "s3://commoncrawl"
    fs, path = filesystem("hf://datasets/org/crawl/a.warc.gz")  # resolved, nothing requested
    assert type(fs).__name__ == "HfFileSystem" and path == "datasets/org/crawl/a.warc.gz"
    with pytest.raises(RecipeError, match=r"input: storage_options.secret: credentials never go in a recipe"):
        load_recipe(str(recipe), ["input.storage_options={endpoint_url: 'http://x', secret: abc}"])
    with pytest.raises(RecipeError, match=r"input: storage_options.client_kwargs.aws_secret_access_key: "):
        load_recipe(str(recipe), ["input.storage_options={client_kwargs: {aws_secret_access_key: abc}}"])
    with pytest.raises(RecipeError, match=r"input: .*paths .* or paths_file"):
        load_recipe(str(recipe), ["input.paths_file=x.txt"])


@pytest.mark.slow
def test_a_build_from_s3_writes_the_bytes_of_a_local_build_and_no_credentials(s3, crawl, tmp_path):
    local, _ = build(tmp_path / "local-state", tmp_path / "local-out", "executor.tasks=2")
    cli = run_cli("build", "web-demo", "--out", str(tmp_path / "out"),
                  "--set", f"input.paths=[{crawl}/*.warc.gz]", "--set", "executor.tasks=2",
                  env={"PIPELINES_HOME": str(tmp_path / "state"), **s3.env})
    assert cli.returncode == 0, cli.stderr
    remote = Path(cli.stdout.strip().splitlines()[-1])
    parquet = "data/train-00000-of-00001.parquet"
    assert (remote / parquet).read_bytes() == (Path(local["path"]) / parquet).read_bytes()
    manifest = json.loads((remote / "manifest.json").read_text())
    assert [i["path"] for i in manifest["inputs"]] == [f"{crawl}/crawl-0000{i}.warc.gz" for i in range(4)]
    assert manifest["stages"][0]["out"] == json.loads((Path(local["path"]) / "manifest.json").read_text()
                                                      )["stages"][0]["out"]
    # The credentials are in no output: manifest, card, the stages' logs and state, stdout and stderr.
    outputs = [cli.stdout, cli.stderr]
    for folder in (remote, tmp_path / "state"):
        outputs += [p.read_bytes().decode("utf-8", "replace") for p in folder.rglob("*") if p.is_file()]
    assert len(outputs) > 10
    for text in outputs:
        assert s3.secret not in text and s3.key_id not in text
