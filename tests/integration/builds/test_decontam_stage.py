"""The decontaminate stage in builds: benchmark items found in documents are removed or marked, and reported;
method semantic finds a paraphrase."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from support.build import build
from support.decontam_case import LIGHTHOUSE, SOURDOUGH, write_case
from support.pages import DATA
from support.recipes import write_recipe


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
    recipe = write_recipe("synth-decontam.yaml", tmp_path, data=tmp_path / "data")
    result, _ = build(tmp_path / "state", tmp_path / "out", recipe=str(recipe))
    path = Path(result["path"])
    rows = pq.read_table(path / "data" / "train-00000-of-00001.parquet").to_pylist()
    assert [r["id"] for r in rows] == ["r2", "r3"]  # r2 has the item in its instruction, not compared
    stage = json.loads((path / "manifest.json").read_text())["stages"][-1]
    assert stage["contamination"] == {"qa-bench": {"records": 1, "items": ["q-light"]}}


@pytest.mark.slow
def test_method_semantic_in_a_build_marks_a_paraphrase(tmp_path):
    # A rephrasing of the lighthouse article's second sentence: no 5-gram of it is in the page.
    question = ("Why is every lighthouse on a shoreline assigned a distinct sequence of flashes and dark "
                "periods that is printed on sea charts?")
    item = {"id": "q-light", "question": question, "answer": "So a navigator can tell which one it is."}
    (tmp_path / "bench.jsonl").write_text(json.dumps(item) + "\n")
    recipe = write_recipe("semantic.yaml", tmp_path, data=DATA)
    result, _ = build(tmp_path / "state", tmp_path / "out", recipe=str(recipe))
    path = Path(result["path"])
    stage = json.loads((path / "manifest.json").read_text())["stages"][-1]
    table = pq.read_table(path / stage["table"]).to_pylist()
    assert ("q-light", "semantic") in {(r["item"], r["tier"]) for r in table}, table
    rows = pq.read_table(path / "data" / "train-00000-of-00001.parquet").to_pylist()
    assert next(r for r in rows if r["url"] == LIGHTHOUSE["url"])["contamination"] == ["qa-bench:q-light"]
    card = (path / "README.md").read_text()
    assert "overlap (n 5, threshold 0.8" in card and "then semantic (all-MiniLM-L6-v2" in card
