"""The decontaminate stage: benchmark items found in documents are removed or marked, and reported."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from pages import DATA, load_pages
from test_build import build

from pipelines.errors import RecipeError
from pipelines.plan import plan_build

PAGES = load_pages("sample")

LIGHTHOUSE = next(p for p in PAGES if p["url"].endswith("/lighthouses"))
SOURDOUGH = next(p for p in PAGES if p["url"].endswith("/sourdough-starter"))
RECIPE = """\
name: decontam-test
input: {{format: warc, paths: ["{data}/*.warc.gz"]}}
executor: {{tasks: 2, workers: 2}}
stages:
  - {{type: extract, backend: trafilatura}}
  - {{type: langid, languages: [en]}}
  - type: decontaminate
    action: {action}
    benchmarks:
      - {{name: qa-bench, path: bench.jsonl, shape: gsm8k, id_field: id}}
"""


def write_case(folder: Path, action: str = "remove") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    # A sentence of the lighthouse article, re-cased and re-punctuated, is a benchmark question;
    # a sourdough sentence is another item's answer; the third item is nowhere in the crawl.
    light = LIGHTHOUSE["main_text"].split(". ")[1]
    sour = SOURDOUGH["main_text"].split(". ")[2]
    items = [
        {"id": "q-light", "question": light.upper().replace(",", " ;"), "answer": "42"},
        {"id": "q-sour", "question": "What does the starter need?", "answer": sour},
        {"id": "q-none", "question": "How many moons orbit a planet that nobody has named yet in this "
                                     "imaginary system of twelve worlds?", "answer": "7"},
    ]
    (folder / "bench.jsonl").write_text("".join(json.dumps(i) + "\n" for i in items))
    recipe = folder / "recipe.yaml"
    recipe.write_text(RECIPE.format(data=DATA / "web-demo", action=action))
    return recipe


def test_contaminated_documents_are_removed_and_reported(tmp_path):
    recipe = write_case(tmp_path / "case")
    result, _ = build(tmp_path / "state", tmp_path / "out", recipe=str(recipe))
    path = Path(result["path"])
    manifest = json.loads((path / "manifest.json").read_text())
    stage = manifest["stages"][-1]
    assert stage["name"] == "decontaminate" and stage["dropped"] == {"qa-bench": 2}
    assert stage["contamination"] == {"qa-bench": {"records": 2, "items": ["q-light", "q-sour"]}}
    assert manifest["dropped"]["decontaminate:qa-bench"] == 2
    urls = {r["url"] for r in pq.read_table(path / "data" / "train-00000-of-00001.parquet").to_pylist()}
    assert LIGHTHOUSE["url"] not in urls and SOURDOUGH["url"] not in urls and len(urls) == stage["out"]
    card = (path / "README.md").read_text()
    assert "## Decontamination" in card and "| qa-bench | 2 | 2 | q-light, q-sour |" in card


def test_mark_keeps_rows_with_the_items_they_matched(tmp_path):
    recipe = write_case(tmp_path / "case", action="mark")
    result, _ = build(tmp_path / "state", tmp_path / "out", recipe=str(recipe))
    path = Path(result["path"])
    rows = pq.read_table(path / "data" / "train-00000-of-00001.parquet").to_pylist()
    marked = {r["url"]: r["contamination"] for r in rows if r["contamination"]}
    assert marked == {LIGHTHOUSE["url"]: ["qa-bench:q-light"], SOURDOUGH["url"]: ["qa-bench:q-sour"]}
    stage = json.loads((path / "manifest.json").read_text())["stages"][-1]
    assert stage["in"] == stage["out"] and stage["dropped"] == {}
    # The side table: per flagged record and item, the tier, the score and the span matched in its text.
    table = pq.read_table(path / stage["table"]).to_pylist()
    assert [(r["item"], r["tier"], r["score"]) for r in table] == [("q-light", "overlap", 1.0),
                                                                    ("q-sour", "overlap", 1.0)]
    texts = {r["id"]: r["text"] for r in rows}
    assert all(texts[r["id"]][r["start"]:r["end"]] == r["span"] and len(r["span"].split()) >= 8
               for r in table)
    card = (path / "README.md").read_text()
    assert "| false flags (clean pages) |" in card and "overlap (n 5, threshold 0.8" in card
    assert f"`{stage['table']}`" in card


@pytest.mark.parametrize("edit, message", [
    ({"shape": "humaneval"}, "'prompt'"),
    ({"path": "nowhere.jsonl"}, "nowhere.jsonl"),
])
def test_bad_benchmarks_fail_before_any_work(tmp_path, monkeypatch, edit, message):
    monkeypatch.setenv("PIPELINES_HOME", str(tmp_path / "state"))
    recipe = write_case(tmp_path / "case")
    overrides = [f"stages.decontaminate.benchmarks.0.{k}={v}" for k, v in edit.items()]
    with pytest.raises(RecipeError) as info:
        plan_build(str(recipe), overrides, tmp_path / "out")
    assert message in str(info.value) and "\n" not in str(info.value)
    assert not (tmp_path / "state" / "stages").exists()


def test_synthetic_records_are_decontaminated_on_the_fields_named(tmp_path):
    light = LIGHTHOUSE["main_text"].split(". ")[1]
    (tmp_path / "data").mkdir()
    records = [
        {"id": "r1", "instruction": "Summarise the passage.", "response": f"In short: {light}."},
        {"id": "r2", "instruction": f"Explain: {light.lower()}", "response": "Because of the coast."},
        {"id": "r3", "instruction": "Name a colour.", "response": "Blue."},
    ]
    (tmp_path / "data" / "synth.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    item = {"id": "q-light", "question": light, "answer": "x"}
    (tmp_path / "bench.jsonl").write_text(json.dumps(item) + "\n")
    recipe = tmp_path / "synth.yaml"
    recipe.write_text(f"""\
name: synth-decontam
input: {{format: jsonl, paths: ["{tmp_path}/data/*.jsonl"], text_fields: [instruction, response]}}
stages:
  - type: decontaminate
    fields: [response]
    benchmarks: [{{name: qa-bench, path: bench.jsonl, shape: gsm8k, id_field: id}}]
""")
    result, _ = build(tmp_path / "state", tmp_path / "out", recipe=str(recipe))
    path = Path(result["path"])
    rows = pq.read_table(path / "data" / "train-00000-of-00001.parquet").to_pylist()
    assert [r["id"] for r in rows] == ["r2", "r3"]  # r2 has the item in its instruction, not compared
    stage = json.loads((path / "manifest.json").read_text())["stages"][-1]
    assert stage["contamination"] == {"qa-bench": {"records": 1, "items": ["q-light"]}}
