"""`against:` references resolved when a build is planned: to the indexes of a version and of the months it
was deduplicated against, or to a corpus's files; each bad reference a one-line error before any work."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pydantic import ValidationError

from pipelines.errors import RecipeError
from pipelines.plan import plan_build
from pipelines.references import Reference, resolve

PARAMS = {"shingle_size": 5, "bands": 14, "rows": 8, "seed": 1, "language": "en"}


@dataclass
class Planning:
    store_root: Path
    dataset: str = "other"
    input_fingerprint: str = "this-input"


def write_version(root: Path, dataset: str, version: str, *, index: bool = True, params: dict = PARAMS,
                  input_fp: str = "an-input", against: list[dict] = (), name: str = "dedup_minhash") -> None:
    """A committed version with one dedup stage, as its manifest says (its files are not read here)."""
    path = f"index/1-{name}"
    dedup = {"input_fingerprint": input_fp, "against": list(against)}
    if index:
        dedup["index"] = {"path": path, "params": params, "records": 10, "entries": 140}
    manifest = {"dataset": dataset, "version": version, "build_fingerprint": f"build-{version}",
                "stages": [{"name": "read", "type": "read"},
                           {"name": name, "type": name.split("-")[0], "dedup": dedup}],
                "files": {f"{path}/ids.arrow": f"sha-{version}", "data/train-00000-of-00001.parquet": "x"}}
    folder = root / dataset / version
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps(manifest))


def sources(root: Path, *refs: dict, ctx: Planning | None = None):
    return resolve([Reference(**r) for r in refs], "dedup_minhash", PARAMS, ctx or Planning(root))


def test_latest_version_and_its_earlier_months(tmp_path):
    write_version(tmp_path, "crawl", "v1")
    earlier = {"label": "crawl v1", "reference": 0, "fingerprint": "fp-v1", "kind": "version",
               "dataset": "crawl", "version": "v1", "config": None, "root": str(tmp_path),
               "index": "index/1-dedup_minhash", "records": 10, "depth": 0}
    write_version(tmp_path, "crawl", "v2", against=[earlier])
    found = sources(tmp_path, {"dataset": "crawl"})
    assert [(s.label, s.info["depth"], s.location) for s in found] == [
        ("crawl v2", 0, str(tmp_path / "crawl" / "v2" / "index/1-dedup_minhash")),
        ("crawl v1", 1, str(tmp_path / "crawl" / "v1" / "index/1-dedup_minhash"))]
    assert found[1].fingerprint == "fp-v1"
    pinned = sources(tmp_path, {"dataset": "crawl", "version": "v1"})
    assert [s.label for s in pinned] == ["crawl v1"] and pinned[0].fingerprint != found[0].fingerprint


def test_a_config_reference_reads_the_index_of_that_config_s_stage(tmp_path):
    write_version(tmp_path, "instruct", "v1", name="dedup_minhash-qa")
    found = sources(tmp_path, {"dataset": "instruct", "config": "qa"})
    assert [(s.label, s.location) for s in found] == [
        ("instruct v1 (qa)", str(tmp_path / "instruct" / "v1" / "index/1-dedup_minhash-qa"))]


def test_the_dataset_being_built_resolves_to_the_version_before_this_input(tmp_path):
    ctx = Planning(tmp_path, dataset="crawl", input_fingerprint="month-2")
    assert sources(tmp_path, {"dataset": "crawl"}, ctx=ctx) == []  # its first build: nothing before it
    write_version(tmp_path, "crawl", "v1", input_fp="month-1")
    first = {"label": "crawl v1", "reference": 0, "fingerprint": "fp-v1", "kind": "version",
             "dataset": "crawl", "version": "v1", "config": None, "root": str(tmp_path),
             "index": "index/1-dedup_minhash", "records": 10, "depth": 0}
    write_version(tmp_path, "crawl", "v2", input_fp="month-2", against=[first])
    # A rerun of month 2 matches against what month 2 was built against (so it is up to date) ...
    assert [s.label for s in sources(tmp_path, {"dataset": "crawl"}, ctx=ctx)] == ["crawl v1"]
    # ... and month 3 against month 2, and through it month 1.
    ctx.input_fingerprint = "month-3"
    assert [s.label for s in sources(tmp_path, {"dataset": "crawl"}, ctx=ctx)] == ["crawl v2", "crawl v1"]


@pytest.mark.parametrize("ref, setup, message", [
    ({"dataset": "nope"}, {}, "against.0: dataset 'nope' has no built version under "),
    ({"dataset": "crawl", "version": "v9"}, {}, "against.0: dataset 'crawl' has no version 'v9' under "),
    ({"dataset": "crawl"}, {"index": False},
     "against.0: crawl v1 was built without an index of its dedup_minhash stage: build crawl again with the "
     "stage's `index: true` (the default)"),
    ({"dataset": "crawl"}, {"params": PARAMS | {"bands": 20}}, "against.0: crawl v1 was indexed with "
                                                               "shingle_size 5, bands 20"),
    ({"dataset": "crawl"}, {"name": "dedup_exact"}, "against.0: crawl v1 has no dedup_minhash stage to match "
                                                    "against (its dedup stages: dedup_exact)"),
    ({"dataset": "crawl", "config": "qa"}, {}, "against.0: crawl v1 (qa) has no dedup_minhash-qa stage"),
])
def test_a_bad_dataset_reference_is_one_line(tmp_path, ref, setup, message):
    write_version(tmp_path, "crawl", "v1", **setup)
    with pytest.raises(RecipeError) as info:
        sources(tmp_path, ref)
    assert str(info.value).startswith(message) and "\n" not in str(info.value)


def test_a_corpus_is_known_by_its_content_and_checked_for_its_fields(tmp_path, monkeypatch):
    monkeypatch.setenv("PIPELINES_HOME", str(tmp_path / "state"))
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "a.jsonl").write_text('{"key": "1", "prompt": "p", "answer": "x"}\n')
    ref = {"path": str(tmp_path / "c" / "*.jsonl"), "text_fields": ["prompt", "answer"], "id_field": "key"}
    before = sources(tmp_path, ref)[0]
    assert before.location is None and before.info["files"] == [str(tmp_path / "c" / "a.jsonl")]
    (tmp_path / "c" / "a.jsonl").write_text('{"key": "1", "prompt": "p", "answer": "y"}\n')
    assert sources(tmp_path, ref)[0].fingerprint != before.fingerprint  # an edited corpus is another
    with pytest.raises(RecipeError, match=r"^against.0: path: .*a.jsonl has no 'completion' field in its "
                                          r"first record \(it has key, prompt, answer\)"):
        sources(tmp_path, ref | {"text_fields": ["prompt", "completion"]})
    pq.write_table(pa.table({"key": ["1"], "text": ["t"]}), tmp_path / "c" / "b.parquet")
    with pytest.raises(RecipeError, match=r"b.parquet has no 'prompt' column \(it has key, text\)"):
        sources(tmp_path, {"path": str(tmp_path / "c" / "*.parquet"), "text_fields": ["prompt"]})
    (tmp_path / "c" / "bad.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(RecipeError, match=r"bad.parquet is not a readable parquet file"):
        sources(tmp_path, {"path": str(tmp_path / "c" / "bad.parquet")})
    with pytest.raises(RecipeError, match=r"^against.0: path: no file matches '.*nothing-\*.jsonl'$"):
        sources(tmp_path, {"path": str(tmp_path / "nothing-*.jsonl")})


@pytest.mark.parametrize("ref, message", [
    ({"dataset": "crawl", "path": "x.jsonl"}, "give dataset (a dataset of the store) or path (a corpus)"),
    ({}, "give dataset (a dataset of the store) or path (a corpus)"),
    ({"dataset": "crawl", "text_fields": ["a"]}, "text_fields: a dataset's records are read through its"),
    ({"path": "x.jsonl", "version": "v2"}, "version: a corpus of files (path) has no versions"),
    ({"path": "x.txt"}, "format: give jsonl or parquet"),
    ({"dataset": "crawl", "version": "3"}, "String should match pattern"),
])
def test_a_malformed_reference_fails_validation(ref, message):
    with pytest.raises(ValidationError, match=re.escape(message)):
        Reference(**ref)
    assert Reference(path="seed/*.jsonl.gz").format == "jsonl"


def test_the_plan_names_the_recipe_and_stage_of_a_bad_reference(tmp_path, monkeypatch):
    monkeypatch.setenv("PIPELINES_HOME", str(tmp_path / "state"))
    (tmp_path / "in.jsonl").write_text('{"id": "a", "text": "hello there"}\n')
    recipe = tmp_path / "r.yaml"
    recipe.write_text(f"""\
name: r
input: {{format: jsonl, paths: ["{tmp_path}/in.jsonl"]}}
stages:
  - {{type: dedup_exact}}
  - {{type: dedup_minhash, against: [{{dataset: web-crawl, version: v3}}]}}
""")
    with pytest.raises(RecipeError) as info:
        plan_build(str(recipe), [], tmp_path / "out")
    assert str(info.value) == (f"{recipe}: stages.1: against.0: dataset 'web-crawl' has no version 'v3' "
                               f"under {tmp_path / 'out'} (versions: none)")
    with pytest.raises(RecipeError, match=r"stages.0: only_against: applies to records found in references"):
        plan_build(str(recipe), ["stages.0.only_against=true"], tmp_path / "out")


def test_the_rolling_recipe_dedups_against_itself_and_deploys_monthly():
    from flows.deploy import deploy_spec
    from pipelines.recipe import load_recipe

    recipe, _ = load_recipe("crawl-monthly")
    dedup = [s for s in recipe.stages if s.type.startswith("dedup_")]
    assert [s.type for s in dedup] == ["dedup_exact", "dedup_minhash"]
    assert all([r.dataset for r in s.against] == ["crawl-monthly"] for s in dedup)
    spec = deploy_spec("crawl-monthly", "0 3 2 * *")
    assert (spec.full_name, spec.cron, spec.parameters["recipe"]) == (
        "build-dataset/crawl-monthly", "0 3 2 * *", "crawl-monthly")
