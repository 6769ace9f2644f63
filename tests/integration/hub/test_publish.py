"""`pipelines publish`: the real huggingface_hub against a local stand-in for the Hub
(tests/support/hub_server.py).

Versions are built for real (web-demo on datatrove, and a synthetic config on the tiny vLLM model);
the CLI runs as a user runs it, with HF_ENDPOINT pointing at the server on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml
from support import BIN
from support.build import build
from support.hub_server import HubServer

TOKEN = "hf_PublishTestTokenQx7Zr2Vb9Lm4Ws8Kd"
REPO = "my-org/web-demo"
NO_LOGIN = Path(tempfile.mkdtemp(prefix="pipelines-tests-hf-home-"))  # an HF_HOME with no token in it


@pytest.fixture(scope="module")
def versions(tmp_path_factory) -> dict:
    """web-demo v1 in four shards, then v2 (a stricter langid) in one: v1's shards are stale for v2."""
    base = tmp_path_factory.mktemp("publish")
    state, out = base / "state", base / "out"
    v1, _ = build(state, out, "output.max_rows_per_shard=4")
    v2, _ = build(state, out, "stages.langid.min_score=0.9")
    return {"out": out, "v1": Path(v1["path"]), "v2": Path(v2["path"]), "base": base}


@pytest.fixture
def hub(tmp_path):
    with HubServer(tmp_path / "hub", TOKEN, page_size=3) as server:  # small pages: the client follows Links
        yield server


def publish(hub: HubServer | None, *args: str, env: dict | None = None, token: str | None = TOKEN,
            home: Path | None = None) -> subprocess.CompletedProcess:
    """`pipelines publish ...` as a user runs it, pointed at the server, with no Hub setting of the session's
    (the tests' settings turn the Hub off for builds) and huggingface_hub's own LFS upload instead of Xet."""
    full = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_"))}
    full |= {"COLUMNS": "200", "HF_HUB_DISABLE_XET": "1", "HF_HOME": str(home or NO_LOGIN)}
    if hub is not None:
        full["HF_ENDPOINT"] = hub.url
    if token is not None:
        full["HF_TOKEN"] = token
    full |= env or {}
    return subprocess.run([str(BIN / "pipelines"), "publish", *args], capture_output=True, text=True,
                          env=full, timeout=600)


def tree_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def commits_after_create(hub: HubServer, repo: str = REPO) -> list:
    return hub.repos[repo].commits[1:]  # the first is the repository's own .gitattributes


def test_the_hub_gets_exactly_the_reviewed_tree_in_one_commit_tagged_as_the_version(versions, hub, tmp_path):
    review = tmp_path / "review"
    # --to-dir needs no token and reaches nothing.
    dry = publish(hub, "web-demo", "--version", "v1", "--repo", REPO, "--out", str(versions["out"]),
                  "--to-dir", str(review), token=None)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.strip() == str(review) and "nothing was uploaded" in dry.stderr
    assert hub.requests == []
    result = publish(hub, "web-demo", "--version", "v1", "--repo", REPO, "--out", str(versions["out"]))
    assert result.returncode == 0, result.stderr
    # Byte for byte what --to-dir wrote, and the server's own .gitattributes.
    remote = hub.files(REPO)
    assert remote.pop(".gitattributes").startswith(b"*.7z")
    assert remote == tree_of(review)
    shards = [f"data/train-{i:05d}-of-00004.parquet" for i in range(4)]
    assert sorted(remote) == ["README.md", *shards, "funnel.png", "manifest.json"]
    for name in remote:
        if name != "README.md":  # the card on the Hub loads from the Hub
            assert remote[name] == (versions["v1"] / name).read_bytes()
    # One commit, tagged v1; the revision printed is that commit, and main is there too.
    [commit] = commits_after_create(hub)
    repo = hub.repos[REPO]
    assert result.stdout.strip() == commit.oid == repo.tags["v1"] == repo.branches["main"]
    assert commit.summary == "web-demo v1"
    assert f"{hub.url}/datasets/{REPO}/tree/v1" in result.stderr
    # Parquet and PNG went through LFS (the basic transfer), the card and the manifest inline.
    assert {n: e.lfs for n, e in commit.files.items()} == {n: n.endswith((".parquet", ".png"))
                                                          for n in commit.files}
    assert len(hub.seen("PUT", "^/_lfs/")) == 5
    # The token went to every API call, and only as the Authorization header.
    api = [r for r in hub.requests if not r["path"].startswith(("/_lfs/", "/api/agent-harnesses"))
           or r["path"].endswith("/verify")]
    assert api and {r["authorization"] for r in api} == {f"Bearer {TOKEN}"}
    assert all(r["authorization"] is None for r in hub.seen("PUT", "^/_lfs/"))  # presigned uploads


def test_a_new_version_deletes_what_the_last_one_left_in_the_same_commit(versions, hub):
    out = str(versions["out"])
    first = publish(hub, "web-demo", "--version", "v1", "--repo", REPO, "--out", out, "--private")
    second = publish(hub, "web-demo", "--repo", REPO, "--out", out)  # the latest: v2
    assert first.returncode == 0 and second.returncode == 0, second.stderr
    assert hub.repos[REPO].private
    v1, v2 = commits_after_create(hub)
    assert second.stdout.strip() == v2.oid == hub.repos[REPO].tags["v2"] and v2.parent == v1.oid
    # main holds v2's tree and nothing else: no shard of v1 left for `data/train-*.parquet` to pick up.
    remote = hub.files(REPO)
    shard = "data/train-00000-of-00001.parquet"
    assert sorted(remote) == [".gitattributes", "README.md", shard, "funnel.png", "manifest.json"]
    assert remote[shard] == (versions["v2"] / shard).read_bytes()
    assert "4 stale files deleted" in second.stderr
    # v1 is still there, under its tag.
    assert len([p for p in hub.files(REPO, "v1") if p.startswith("data/")]) == 4
    assert b'revision="v2"' in remote["README.md"]


@pytest.mark.parametrize("status, headers", [(503, {}), (429, {"Retry-After": "1"}), (None, {})],
                         ids=["503", "429", "reply-lost"])
def test_a_transient_failure_of_the_commit_is_retried_and_commits_once(versions, hub, status, headers):
    hub.fail("POST", r"/commit/main$", status, headers=headers)
    result = publish(hub, "web-demo", "--version", "v1", "--repo", REPO, "--out", str(versions["out"]))
    assert result.returncode == 0, result.stderr
    assert "retry 1/3" in result.stderr
    [commit] = commits_after_create(hub)
    assert result.stdout.strip() == commit.oid == hub.repos[REPO].tags["v1"]
    # A lost reply: the commit went through, so it is found and not sent again.
    assert len(hub.seen("POST", r"/commit/main$")) == (1 if status is None else 2)


def test_a_refused_commit_fails_at_once_with_one_line(versions, hub):
    hub.fail("POST", r"/commit/main$", 403, times=5, message="You don't have write access to my-org/web-demo")
    result = publish(hub, "web-demo", "--version", "v1", "--repo", REPO, "--out", str(versions["out"]))
    assert result.returncode == 2 and result.stdout == ""
    errors = [line for line in result.stderr.splitlines() if "error" in line.lower()]
    assert errors == [f"error: committing to {REPO} failed: HTTP 403: You don't have write access to {REPO}"]
    assert "Traceback" not in result.stderr
    assert len(hub.seen("POST", r"/commit/main$")) == 1 and commits_after_create(hub) == []
    assert hub.repos[REPO].tags == {}


def test_retries_run_out(versions, hub):
    hub.fail("POST", r"/commit/main$", 502, times=10)
    result = publish(hub, "web-demo", "--version", "v1", "--repo", REPO, "--out", str(versions["out"]),
                     "--retries", "1")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: committing to {REPO} failed: HTTP 502: injected fault (after 2 attempts)")
    assert len(hub.seen("POST", r"/commit/main$")) == 2 and commits_after_create(hub) == []


@pytest.mark.parametrize("case", ["success", "401", "403", "500"])
def test_the_token_never_appears_in_the_output(versions, hub, case):
    token = TOKEN if case != "401" else "hf_WrongTokenMustNotLeak9f8e7d6c5b"
    if case in ("403", "500"):
        hub.fail("POST", r"/commit/main$", int(case), times=5)
    result = publish(hub, "web-demo", "--version", "v1", "--repo", REPO, "--out", str(versions["out"]),
                     "--retries", "0", token=token, env={"HF_HUB_VERBOSITY": "debug", "HF_DEBUG": "1"})
    assert result.returncode == (0 if case == "success" else 2), result.stderr
    output = result.stdout + result.stderr
    assert "Request " in result.stderr  # huggingface_hub's debug log did run
    assert token not in output and token[-12:] not in output
    if case == "401":
        assert result.stderr.strip().splitlines()[-1].startswith(
            "error: checking the token failed: HTTP 401: Invalid user token.")


def test_the_token_of_the_huggingface_hub_login_is_used(versions, hub, tmp_path):
    home = tmp_path / "hf-home"
    home.mkdir()
    (home / "token").write_text(TOKEN)  # what `hf auth login` writes
    result = publish(hub, "web-demo", "--version", "v1", "--repo", REPO, "--out", str(versions["out"]),
                     token=None, home=home)
    assert result.returncode == 0, result.stderr
    assert hub.seen("POST", r"/commit/main$")[0]["authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize("case, args, env, message", [
    ("no token", ["--repo", REPO], {}, "error: no Hugging Face token: set HF_TOKEN or log in with `hf auth"),
    ("no org", ["--repo", "web-demo"], {}, "error: --repo 'web-demo': expected ORG/NAME"),
    ("bad name", ["--repo", "my-org/web--demo"], {}, "error: --repo 'my-org/web--demo': Cannot have --"),
    ("bad chars", ["--repo", "my-org/web demo"], {}, "error: --repo 'my-org/web demo': Repo id must use"),
    ("no version", ["--repo", REPO, "--version", "v9"], {}, "error: dataset 'web-demo' has no version 'v9'"),
    ("offline", ["--repo", REPO], {"HF_HUB_OFFLINE": "1"}, "error: HF_HUB_OFFLINE is set: publishing needs"),
    ("tag exists", ["--repo", REPO, "--version", "v1"], {}, f"error: {REPO} already has a tag 'v1'"),
])
def test_bad_input_is_one_line_exit_2_before_anything_is_created(versions, hub, case, args, env, message):
    out = ["--out", str(versions["out"])]
    if case == "tag exists":
        assert publish(hub, "web-demo", *args, *out).returncode == 0
    before = len(hub.requests)
    result = publish(hub, "web-demo", *args, *out, env=env, token=None if case == "no token" else TOKEN)
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith(message), result.stderr
    writes = [r for r in hub.requests[before:] if r["method"] in ("POST", "PUT")]
    assert writes == []  # no repository created, nothing uploaded or committed


def test_the_card_validates_and_datasets_loads_the_reviewed_tree(versions, tmp_path):
    import datasets
    from datasets.utils.metadata import MetadataConfigs
    from huggingface_hub import DatasetCard, DatasetCardData

    review = tmp_path / "review"
    result = publish(None, "web-demo", "--version", "v1", "--repo", REPO, "--out", str(versions["out"]),
                     "--to-dir", str(review), token=None)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((review / "manifest.json").read_text())
    card = DatasetCard.load(review / "README.md", repo_type="dataset")
    assert isinstance(card.data, DatasetCardData)
    meta = card.data.to_dict()
    assert meta["size_categories"] == ["n<1K"] and meta["task_categories"] == ["text-generation"]
    assert meta["license"] == "cc-by-4.0" and meta["language"] == ["en"] and meta["pretty_name"] == "web-demo"
    configs = MetadataConfigs.from_dataset_card_data(card.data)
    assert list(configs) == ["default"]
    assert configs["default"]["data_files"] == [{"split": "train", "path": "data/train-*.parquet"}]
    # The card states the recipe (as YAML that reads back as the manifest's), the lineage and how to load it.
    recipe = re.search(r"## Recipe\n.*?\n```yaml\n(.*?)\n```\n", card.text, re.S)[1]
    assert yaml.safe_load(recipe) == manifest["recipe"]
    assert "output.max_rows_per_shard=4" in card.text and "## Stage funnel" in card.text
    assert all(i["sha256"][:16] in card.text for i in manifest["inputs"])
    assert f'load_dataset("{REPO}", revision="v1")' in card.text
    assert 'load_dataset("path/to/web-demo/v1")' in (versions["v1"] / "README.md").read_text()  # the store's
    ds = datasets.load_dataset(str(review), cache_dir=str(tmp_path / "hf"))
    assert {s: len(d) for s, d in ds.items()} == {"train": manifest["rows"]} and manifest["rows"] > 5


@pytest.mark.slow
def test_a_synthetic_config_loads_from_the_reviewed_tree(tmp_path, tiny_model, backend_spec):
    import datasets
    from datasets.utils.metadata import MetadataConfigs
    from huggingface_hub import DatasetCard
    from support.synth import synth_recipe

    recipe = synth_recipe(tmp_path, tiny_model)
    result, _ = build(tmp_path / "state", tmp_path / "out", recipe=str(recipe))
    manifest = json.loads((Path(result["path"]) / "manifest.json").read_text())
    review = tmp_path / "review"
    cli = publish(None, "synth-test", "--repo", "my-org/synth-test", "--out", str(tmp_path / "out"),
                  "--to-dir", str(review), token=None)
    assert cli.returncode == 0, cli.stderr
    card = DatasetCard.load(review / "README.md", repo_type="dataset")
    assert list(MetadataConfigs.from_dataset_card_data(card.data)) == ["default", "qa", "critique"]
    assert card.data.task_categories == ["text-generation", "question-answering", "text-classification"]
    assert 'qa = load_dataset("my-org/synth-test", "qa", revision="v1")' in card.text
    rows = {"default": manifest["rows"]} | {name: c["rows"] for name, c in manifest["configs"].items()}
    assert rows["qa"] > 0
    for name, n in rows.items():
        ds = datasets.load_dataset(str(review), name, cache_dir=str(tmp_path / "hf"))
        assert {s: len(d) for s, d in ds.items()} == {"train": n}, name


def test_builds_write_the_same_bytes_whatever_the_number_of_tasks(versions, tmp_path):
    other, _ = build(tmp_path / "state", tmp_path / "out", "output.max_rows_per_shard=4", "executor.tasks=1",
                     "executor.workers=1")
    for shard in sorted((versions["v1"] / "data").iterdir()):
        assert (Path(other["path"]) / "data" / shard.name).read_bytes() == shard.read_bytes()
