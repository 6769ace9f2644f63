"""The verified-math recipe: generated problems whose answers are right by construction, n solutions each
checked against them, agreement recorded, right/wrong pairs, decontaminated against a benchmark file; on the
tiny model for the mechanics (its answers are random: the counts, not the accuracy)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from support.build import build

from pipelines.recipe import builtin_recipes
from transforms.synth.answers import answers_match
from transforms.synth.problems import problems

RECIPE = builtin_recipes()["verified-math"]
DATA = RECIPE.parent / "data" / "verified-math"


@pytest.fixture(scope="module")
def built(tmp_path_factory, tiny_model, backend_spec):
    base = tmp_path_factory.mktemp("verified")
    result, _ = build(base / "state", base / "out", "stages.1.model=" + str(tiny_model),
                      "stages.1.schema.properties.solution.maxLength=40", "stages.1.sampling.max_tokens=96",
                      "stages.1.sampling.temperature=1.5", recipe=str(RECIPE))
    path = Path(result["path"])
    return {"path": path, "manifest": json.loads((path / "manifest.json").read_text())}


def test_the_counts_of_a_verified_build(built):
    path, manifest = built["path"], built["manifest"]
    stages = {s["name"]: s for s in manifest["stages"]}
    assert list(stages) == ["read", "decontaminate", "synthesize-math", "decontaminate-math",
                            "dedup_exact-math"]
    # The two problems copied into the benchmark are not solved, nor two that differ from one only in their
    # numbers (decontamination counts a number as one token); the other 116 are, four times each.
    decontam, math = stages["decontaminate"], stages["synthesize-math"]
    assert (decontam["in"], decontam["out"]) == (120, 116)
    assert math["in"] == 4 * 116 == math["out"] + sum(math["dropped"].values())
    assert set(math["dropped"]) <= {"wrong_answer", "refusal", "unparsable", "schema_mismatch", "truncated"}
    kept_ids = set(pq.read_table(path / "data").column("id").to_pylist())
    assert {p["id"] for p in problems(120, seed=0)} - kept_ids == {"problem-0001", "problem-0003",
                                                                   "problem-0042", "problem-0050"}
    references = {p["id"]: p for p in problems(120, seed=0)}
    rows = pq.read_table(path / "data" / "math").to_pylist()
    assert len(rows) == manifest["configs"]["math"]["rows"] == stages["dedup_exact-math"]["out"]
    for row in rows:
        assert answers_match(row["answer"], references[row["source_id"]]["answer"]), row
        assert row["selected"] == "verified" and 0.25 <= row["agreement"] <= 1
    assert {r["source_id"] for r in rows} <= kept_ids
    negatives = manifest["configs"].get("math_negatives", {"rows": 0})["rows"]
    assert negatives == math["synth"]["negatives"]["rows"]
    if negatives:
        pairs = pq.read_table(path / "data" / "math_negatives").to_pylist()
        kept = {(r["source_id"], r["sample"]): r["solution"] for r in rows}
        assert all(kept[p["source_id"], p["chosen_sample"]] == p["chosen"] for p in pairs)
        assert all(p["rejected_reason"] in ("wrong_answer", "refusal") for p in pairs)
    card = (path / "README.md").read_text()
    assert "Decontaminated against math-benchmark" in card
