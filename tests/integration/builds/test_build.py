"""`web-demo` end to end on the real engines: datatrove, Prefect's temporary API, the store."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml
from support import run_cli
from support.build import build, pipelines_home
from support.pages import load_pages

from pipelines.plan import plan_build
from pipelines.store import DatasetStore

PAGES = load_pages("sample")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    base = tmp_path_factory.mktemp("demo")
    result, run_id = build(base / "state", base / "out")
    return {"base": base, "result": result, "run_id": run_id, "path": Path(result["path"]),
            "manifest": json.loads((Path(result["path"]) / "manifest.json").read_text())}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_version_folder_layout_and_manifest(demo):
    path, manifest = demo["path"], demo["manifest"]
    assert demo["result"] == {"path": str(path), "version": "v1", "up_to_date": False}
    assert path == demo["base"] / "out" / "web-demo" / "v1"
    assert sorted(p.name for p in path.iterdir()) == ["README.md", "data", "funnel.png", "manifest.json"]
    assert [p.name for p in (path / "data").iterdir()] == ["train-00000-of-00001.parquet"]
    assert manifest["dataset"] == "web-demo" and manifest["version"] == "v1"
    assert manifest["parent"] is None
    assert manifest["recipe"]["stages"][1]["languages"] == ["en"]
    assert re.fullmatch(r"[0-9a-f]{64}", manifest["recipe_hash"])
    assert [i["name"] for i in manifest["inputs"]] == [f"crawl-{i:05d}.warc.gz" for i in range(4)]
    for item in manifest["inputs"]:
        assert item["sha256"] == sha256(Path(item["path"]))
    assert manifest["code_version"]["package"] == "0.1.0"
    assert set(manifest["code_version"]["stages"]) >= {"read", "extract", "langid"}
    # sha256 of every file of the version, and nothing else.
    files = {str(p.relative_to(path)) for p in path.rglob("*") if p.is_file()} - {"manifest.json"}
    assert set(manifest["files"]) == files
    for name, digest in manifest["files"].items():
        assert sha256(path / name) == digest
    assert all(s["seconds"] >= 0 for s in manifest["stages"]) and manifest["seconds"] > 0
    # Immutable: the files of a version are read-only.
    assert (path / "manifest.json").stat().st_mode & 0o222 == 0


def test_stage_funnel_accounts_for_every_record(demo):
    stages = demo["manifest"]["stages"]
    assert [s["name"] for s in stages] == ["read", "extract", "langid"]
    for stage in stages:
        assert stage["in"] - stage["out"] == sum(stage["dropped"].values())
        assert "unaccounted" not in stage["dropped"]
    for before, after in zip(stages, stages[1:], strict=False):
        assert after["in"] == before["out"]
    read, extract, langid = stages
    # Words (whitespace tokens) of the text are accounted for the same way.
    assert extract["words_out"] == langid["words_out"] + sum(langid["words_dropped"].values())
    assert langid["words_dropped"]["other_language"] > 0
    # 4 warcinfo records + 24 pages + 1 image in the fixture.
    assert read["in"] == 29 and read["dropped"] == {"not_a_response": 4, "not_html": 1}
    assert extract["dropped"].get("empty_text", 0) >= 1
    assert langid["dropped"]["other_language"] >= 6
    assert demo["manifest"]["rows"] == langid["out"]


def test_rows_are_the_english_main_texts(demo):
    rows = pq.read_table(demo["path"] / "data" / "train-00000-of-00001.parquet").to_pylist()
    by_url = {r["url"]: r for r in rows}
    norm = lambda s: re.sub(r"\s+", " ", s).strip()  # noqa: E731
    for page in PAGES:
        if page["kind"] in ("article", "boilerplate"):
            text = norm(by_url[page["url"]]["text"])
            for paragraph in filter(None, page["main_text"].split("\n")):
                assert norm(paragraph) in text
            # Navigation, banners and footers are gone: little beyond the main text and title.
            assert len(text) < len(norm(page["main_text"])) + 120
        elif page["kind"] == "foreign":
            assert page["url"] not in by_url
    assert all(r["language"] == "en" and r["language_score"] >= 0.65 for r in rows)
    assert all(r["id"].startswith("<urn:uuid:") and r["date"] for r in rows)


def test_datasets_loads_the_version(demo, tmp_path):
    import datasets

    ds = datasets.load_dataset(str(demo["path"]), cache_dir=str(tmp_path / "hf"))
    assert list(ds) == ["train"]
    assert ds["train"].num_rows == demo["manifest"]["rows"] > 10
    table = pq.read_table(demo["path"] / "data" / "train-00000-of-00001.parquet")
    assert ds["train"]["id"] == table["id"].to_pylist()


def test_dataset_card_has_hub_header(demo):
    card = (demo["path"] / "README.md").read_text()
    _, header, body = card.split("---\n", 2)
    meta = yaml.safe_load(header)
    assert meta["configs"] == [{"config_name": "default", "data_files": [
        {"split": "train", "path": "data/train-*.parquet"}]}]
    assert meta["license"] == "cc-by-4.0" and meta["language"] == ["en"]
    assert "| langid |" in body and "other_language" in body


def test_curation_ran_on_datatrove_in_one_fused_pass_with_several_tasks(demo):
    state = demo["base"] / "state" / "stages"
    folders = [state / stage["fingerprint"] for stage in demo["manifest"]["stages"]]
    # read, extract and langid stream: one datatrove run of 4 tasks, whose markers, stats and logs
    # live with its last stage; each stage after read caches its own output, one file per task (the
    # read stage's output is its inputs: a stage that reruns after it reads them again).
    read, *fused, last = folders
    assert len(list((last / "completions").iterdir())) == 4
    assert len(list((last / "stats").glob("*.json"))) == 4
    assert json.loads((last / "executor.json").read_text())["tasks"] == 4
    for folder in folders:
        assert json.loads((folder / "funnel.json").read_text())["in"] > 0
        assert len(list((folder / "data").glob("*.jsonl.zst"))) == (0 if folder == read else 4)
    for folder in [read, *fused]:
        assert not (folder / "completions").exists()


def test_build_is_a_prefect_flow_with_a_task_per_stage_group(demo):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        run = client.read_flow_run(demo["run_id"])
        tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(
            id=FlowRunFilterId(any_=[demo["run_id"]])))
    assert run.name == "web-demo-v1"
    assert run.state.is_completed()
    names = sorted(re.sub(r"-[0-9a-f]+$", "", t.name) for t in tasks)
    # One task per group of stages: the streaming stages run fused, named after them all.
    assert names == ["0-read+extract+langid", "write-version"]
    assert all(t.state.is_completed() for t in tasks)


def test_rebuild_with_nothing_changed_is_a_no_op(demo):
    state, out = demo["base"] / "state", demo["base"] / "out"
    with pipelines_home(state):
        plan = plan_build("web-demo", [], out)
    assert plan.up_to_date and plan.version == "v1"
    before = {p: p.stat().st_mtime_ns for p in demo["path"].rglob("*")}
    result = run_cli("build", "web-demo", "--out", str(out), env={"PIPELINES_HOME": str(state)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(demo["path"])
    assert "web-demo v1 is up to date: nothing to build." in result.stderr
    assert DatasetStore(out, "web-demo").versions() == ["v1"]
    assert {p: p.stat().st_mtime_ns for p in demo["path"].rglob("*")} == before


def test_two_clean_builds_write_identical_parquet(demo, tmp_path):
    # Another state folder, another store, and one task instead of four.
    result, _ = build(tmp_path / "state", tmp_path / "out", "executor.tasks=1",
                      "executor.workers=1")
    other = json.loads((Path(result["path"]) / "manifest.json").read_text())
    shard = "data/train-00000-of-00001.parquet"
    assert (Path(result["path"]) / shard).read_bytes() == (demo["path"] / shard).read_bytes()
    assert other["files"][shard] == demo["manifest"]["files"][shard]
    assert other["build_fingerprint"] == demo["manifest"]["build_fingerprint"]


def test_changing_the_last_stage_reruns_only_that_stage(demo):
    state, out = demo["base"] / "state", demo["base"] / "out"
    v1_shard = sha256(demo["path"] / "data" / "train-00000-of-00001.parquet")
    result, _ = build(state, out, "stages.langid.min_score=0.95")
    assert result["version"] == "v2"
    manifest = json.loads((Path(result["path"]) / "manifest.json").read_text())
    assert [(s["name"], s["cached"]) for s in manifest["stages"]] == [
        ("read", True), ("extract", True), ("langid", False)]
    assert manifest["parent"] == "v1"
    assert manifest["stages"][2]["dropped"]["low_language_score"] > (
        demo["manifest"]["stages"][2]["dropped"].get("low_language_score", 0))
    assert 0 < manifest["rows"] < demo["manifest"]["rows"]
    assert sha256(demo["path"] / "data" / "train-00000-of-00001.parquet") == v1_shard
    assert DatasetStore(out, "web-demo").versions() == ["v1", "v2"]
