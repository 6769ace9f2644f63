"""Exact and MinHash dedup as recipe stages, on documents and on records: which copies go, which stays."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from support.build import build
from support.near_duplicates import corpus, measured_jaccard, write_jsonl

from pipelines.errors import RecipeError
from pipelines.plan import plan_build
from pipelines.stages.dedup_minhash import MinhashDedupStage


def recipe(folder: Path, stages: str, *, tasks: int = 2, fields: str = "[text]",
           name: str = "dedup-test") -> Path:
    path = folder / f"{name}-{tasks}.yaml"
    path.write_text(f"""\
name: {name}
input: {{format: jsonl, paths: ["{folder}/data/*.jsonl"], text_fields: {fields}}}
executor: {{tasks: {tasks}, workers: 2}}
stages:
{stages}""")
    return path


def version(result: dict) -> tuple[Path, dict, list[dict]]:
    path = Path(result["path"])
    rows = pq.read_table(path / "data" / "train-00000-of-00001.parquet").to_pylist()
    return path, json.loads((path / "manifest.json").read_text()), rows


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """40 planted pairs at each of seven similarities and 200 unrelated records, through dedup_minhash."""
    base = tmp_path_factory.mktemp("planted")
    records = corpus(pairs_per_level=40, seed=7, singles=200)
    write_jsonl(records, base / "data", files=3)
    result, _ = build(base / "state", base / "out", recipe=str(recipe(base, "  - {type: dedup_minhash}\n")))
    return {"records": records, "jaccard": measured_jaccard(records), "version": version(result)}


def test_defaults_are_finewebs():
    stage = MinhashDedupStage(type="dedup_minhash")
    assert (stage.shingle_size, stage.bands, stage.rows, stage.num_hashes) == (5, 14, 8, 112)
    assert math.isclose(stage.threshold, (1 / 14) ** (1 / 8)) and 0.71 < stage.threshold < 0.72


def test_planted_near_duplicates_found_above_threshold_and_not_below(planted):
    _, manifest, rows = planted["version"]
    kept = {r["id"] for r in rows}
    found: dict[float, list[bool]] = defaultdict(list)
    for pair, similarity in planted["jaccard"].items():
        assert f"{pair}-base" in kept  # the first copy in input order is the one kept
        found[similarity].append(f"{pair}-copy" not in kept)
    above = [hit for s, hits in found.items() if s >= 0.85 for hit in hits]
    near = [hit for s, hits in found.items() if 0.75 <= s < 0.85 for hit in hits]
    below = [hit for s, hits in found.items() if s <= 0.55 for hit in hits]
    # LSH finds a pair with probability 1 - (1 - s^8)^14: 0.9997 at 0.9, 0.92 at 0.8, 0.05 at 0.5.
    assert sum(above) / len(above) >= 0.97, f"recall above the threshold {sum(above)}/{len(above)}"
    assert sum(near) / len(near) >= 0.75
    assert sum(below) / len(below) <= 0.12, f"found below the threshold {sum(below)}/{len(below)}"
    # Unrelated records are never taken for copies.
    assert all(f"single-{i}" in kept for i in range(200))
    stage = manifest["stages"][-1]
    removed = len(planted["records"]) - len(rows)
    assert stage["dropped"] == {"near_duplicate": removed} and stage["dedup"]["removed"] == removed
    assert stage["dedup"]["bands"] == 14 and stage["dedup"]["rows"] == 8


def test_every_removed_record_is_in_the_side_table_with_its_cluster(planted):
    path, manifest, rows = planted["version"]
    stage = manifest["stages"][-1]
    table = pq.read_table(path / stage["dedup"]["table"]).to_pylist()
    assert stage["dedup"]["table"] == "dedup/1-dedup_minhash.parquet"
    kept_ids = {r["id"] for r in rows}
    removed = [r for r in table if not r["kept"]]
    assert {r["id"] for r in removed} == {r["id"] for r in planted["records"]} - kept_ids
    survivors = {r["cluster"]: r["id"] for r in table if r["kept"]}
    assert len(survivors) == stage["dedup"]["clusters"] == len({r["cluster"] for r in table})
    for r in removed:  # a copy's cluster is the one of its base, which survived
        assert survivors[r["cluster"]] == r["id"].replace("-copy", "-base")
    assert manifest["files"][stage["dedup"]["table"]]
    assert "## Deduplication" in (path / "README.md").read_text()


INSTRUCTIONS = [
    {"id": "a", "instruction": "Add 2 and 2.", "response": "2 + 2 = 4."},
    {"id": "b", "instruction": "Name a primary colour.", "response": "Red."},
    {"id": "c", "instruction": "add 2 AND 2", "response": "2+2 = 4"},            # copy of a: case, marks
    {"id": "d", "instruction": "Add 3 and 3.", "response": "3 + 3 = 6."},         # numbers differ: kept
    {"id": "e", "instruction": "Name a primary colour.", "response": "Blue."},    # same instruction only
    {"id": "f", "instruction": "Name a  primary\ncolour!", "response": "red"},    # copy of b
    {"id": "g", "instruction": "Add 2 and 2.", "response": "2 + 2 = 4.", "source_doc": "x"},  # copy of a
]


def write_instructions(folder: Path, order: list[dict]) -> None:
    write_jsonl(order, folder / "data", files=2)


@pytest.mark.parametrize("tasks", [1, 3])
def test_exact_dedup_of_instruction_records_on_the_named_fields(tmp_path, tasks):
    write_instructions(tmp_path, INSTRUCTIONS)
    stages = "  - {type: dedup_exact}\n"
    result, _ = build(tmp_path / f"state{tasks}", tmp_path / f"out{tasks}",
                      recipe=str(recipe(tmp_path, stages, tasks=tasks, fields="[instruction, response]")))
    path, manifest, rows = version(result)
    assert [r["id"] for r in rows] == ["a", "b", "d", "e"]
    assert rows[0]["instruction"] == "Add 2 and 2." and rows[0]["response"] == "2 + 2 = 4."
    assert manifest["stages"][-1]["dropped"] == {"duplicate": 3}
    table = pq.read_table(path / "dedup/1-dedup_exact.parquet").to_pylist()
    assert [(r["cluster"], r["id"], r["kept"]) for r in table] == [
        (0, "a", True), (0, "c", False), (0, "g", False), (1, "b", True), (1, "f", False)]
    # The same bytes whatever the number of tasks: the survivor and cluster numbers follow input order.
    if tasks == 3:
        other, _ = build(tmp_path / "state1b", tmp_path / "out1b",
                         recipe=str(recipe(tmp_path, stages, tasks=1, fields="[instruction, response]")))
        for name in ("data/train-00000-of-00001.parquet", "dedup/1-dedup_exact.parquet"):
            assert (path / name).read_bytes() == (Path(other["path"]) / name).read_bytes()


def test_dedup_on_one_field_and_records_keep_their_other_fields(tmp_path):
    write_instructions(tmp_path, INSTRUCTIONS)
    stages = "  - {type: dedup_exact, fields: [instruction]}\n"
    result, _ = build(tmp_path / "state", tmp_path / "out",
                      recipe=str(recipe(tmp_path, stages, fields="[instruction, response]")))
    _, _, rows = version(result)
    assert [r["id"] for r in rows] == ["a", "b", "d"]  # e has b's instruction
    assert all(r["extra"] is None for r in rows)
    write_instructions(tmp_path, INSTRUCTIONS[6:] + INSTRUCTIONS[:6])  # g first: it survives, extra kept
    result, _ = build(tmp_path / "state", tmp_path / "out",
                      recipe=str(recipe(tmp_path, stages, fields="[instruction, response]")))
    _, _, rows = version(result)
    assert rows[0]["id"] == "g" and json.loads(rows[0]["extra"]) == {"source_doc": "x"}


def test_near_dedup_of_qa_records(tmp_path):
    base = ("The lighthouse keeper climbed the spiral stairs every evening at dusk to light the great lamp, "
            "trim its wick and polish the lens so that ships far out at sea could see the rocks of the bay.")
    records = [
        {"id": "q1", "question": "What did the keeper do every evening?", "answer": base},
        {"id": "q2", "question": "What did the keeper do each evening?",
         "answer": base.replace("great", "big")},
        {"id": "q3", "question": "Why polish the lens?", "answer": "So ships far out at sea could see it."},
    ]
    write_jsonl(records, tmp_path / "data", files=1)
    stages = "  - {type: dedup_minhash, fields: [question, answer], shingle_size: 3}\n"
    result, _ = build(tmp_path / "state", tmp_path / "out",
                      recipe=str(recipe(tmp_path, stages, fields="[question, answer]")))
    _, manifest, rows = version(result)
    assert [r["id"] for r in rows] == ["q1", "q3"]
    assert manifest["stages"][-1]["dedup"]["shingle_size"] == 3


def test_bad_records_are_counted_by_reason(tmp_path):
    (tmp_path / "data").mkdir()
    lines = [json.dumps(INSTRUCTIONS[0]).encode(), b'{"id": "broken", "instruction": ',
             b'{"id": "latin1", "instruction": "caf\xe9", "response": "x"}', b"[1, 2]",
             json.dumps({"id": "no-response", "instruction": "Hi"}).encode(),
             json.dumps({"id": "blank", "instruction": " ", "response": ""}).encode(), b"",
             json.dumps(INSTRUCTIONS[1]).encode()]
    (tmp_path / "data" / "part-00.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    result, _ = build(tmp_path / "state", tmp_path / "out", recipe=str(
        recipe(tmp_path, "  - {type: dedup_exact}\n", fields="[instruction, response]")))
    _, manifest, rows = version(result)
    assert [r["id"] for r in rows] == ["a", "b"]
    assert manifest["stages"][0]["dropped"] == {"empty": 1, "malformed_json": 1, "missing_text_field": 1,
                                                "not_an_object": 1, "undecodable": 1}
    assert manifest["stages"][0]["in"] == 7


@pytest.mark.parametrize("stage, message", [
    ("{type: dedup_minhash, bands: 14, rows: 8, num_hashes: 100}", "num_hashes must be bands x rows = 112"),
    ("{type: dedup_minhash, shingle_size: 0}", "stages.0.shingle_size"),
    ("{type: dedup_exact, fields: [bad field]}", "stages.0.fields.0"),
])
def test_bad_dedup_parameters_are_one_line(tmp_path, monkeypatch, stage, message):
    monkeypatch.setenv("PIPELINES_HOME", str(tmp_path / "state"))
    write_instructions(tmp_path, INSTRUCTIONS)
    with pytest.raises(RecipeError) as info:
        plan_build(str(recipe(tmp_path, f"  - {stage}\n")), [], tmp_path / "out")
    assert message in str(info.value) and "\n" not in str(info.value)


def test_text_fields_are_for_record_inputs(tmp_path, monkeypatch):
    monkeypatch.setenv("PIPELINES_HOME", str(tmp_path / "state"))
    with pytest.raises(RecipeError, match="text_fields applies to jsonl and parquet inputs, not warc"):
        plan_build("web-demo", ["input.text_fields=[text]"], tmp_path / "out")




def test_mirrored_and_syndicated_web_pages_are_deduplicated(tmp_path):
    """A crawl with each article twice: a verbatim mirror on another host (exact copy after extraction)
    and a syndicated copy with one sentence reworded (near copy); the originals come first."""
    from support.pages import load_pages
    from support.warcs import write_warc

    articles = [p for p in load_pages("sample") if p["kind"] == "article"][:6]
    originals = [(p["url"], p["html"].encode()) for p in articles]
    mirrors = [(p["url"].replace(".example/", "-mirror.example/"), p["html"].encode()) for p in articles[:3]]
    syndicated = []
    for p in articles[3:]:
        first = p["main_text"].split(". ")[0]
        syndicated.append((p["url"].replace(".example/", "-news.example/"),
                           p["html"].replace(first, first + " as our readers will know").encode()))
    write_warc(tmp_path / "crawl" / "a.warc.gz", originals)
    write_warc(tmp_path / "crawl" / "b.warc.gz", mirrors + syndicated)
    path = tmp_path / "web.yaml"
    path.write_text(f"""\
name: web-dedup
input: {{format: warc, paths: ["{tmp_path}/crawl/*.warc.gz"]}}
executor: {{tasks: 2, workers: 2}}
stages:
  - {{type: extract, backend: trafilatura}}
  - {{type: dedup_exact}}
  - {{type: dedup_minhash}}
""")
    result, _ = build(tmp_path / "state", tmp_path / "out", recipe=str(path))
    folder, manifest, rows = version(result)
    assert sorted(r["url"] for r in rows) == sorted(p["url"] for p in articles)
    exact, near = manifest["stages"][2], manifest["stages"][3]
    assert exact["dropped"] == {"duplicate": 3} and near["dropped"] == {"near_duplicate": 3}
    table = pq.read_table(folder / near["dedup"]["table"]).to_pylist()
    assert {r["source"] for r in table if not r["kept"]} == {"b.warc.gz"}
    assert manifest["dropped"]["dedup_exact:duplicate"] == 3


def test_parquet_records_are_read_and_checked_before_any_work(tmp_path, monkeypatch):
    import pyarrow as pa

    (tmp_path / "data").mkdir()
    pq.write_table(pa.Table.from_pylist(INSTRUCTIONS[:6]), tmp_path / "data" / "seed.parquet")
    path = tmp_path / "pq.yaml"
    path.write_text(f"""\
name: pq-dedup
input: {{format: parquet, paths: ["{tmp_path}/data/*.parquet"], text_fields: [instruction, response]}}
stages:
  - {{type: dedup_exact}}
""")
    result, _ = build(tmp_path / "state", tmp_path / "out", recipe=str(path))
    _, manifest, rows = version(result)
    assert [r["id"] for r in rows] == ["a", "b", "d", "e"] and manifest["stages"][0]["in"] == 6
    monkeypatch.setenv("PIPELINES_HOME", str(tmp_path / "state"))
    with pytest.raises(RecipeError, match=r"seed.parquet has no 'answer' column \(columns: id, instruction"):
        plan_build(str(path), ["input.text_fields=[instruction, answer]"], tmp_path / "out")
    (tmp_path / "data" / "seed.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(RecipeError, match="is not a readable Parquet file"):
        plan_build(str(path), [], tmp_path / "out")
