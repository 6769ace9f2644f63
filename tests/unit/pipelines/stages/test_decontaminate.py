"""The decontaminate stage's settings: bad benchmarks and fields fail before any work."""

from __future__ import annotations

import pytest
from support.decontam_case import write_case

from pipelines.errors import RecipeError
from pipelines.plan import plan_build


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


def test_the_semantic_fields_need_method_semantic(tmp_path):
    from pydantic import ValidationError

    from pipelines.stages.decontaminate import DecontamStage

    bench = [{"name": "b", "path": str(tmp_path / "b.jsonl"), "shape": "gsm8k"}]
    stage = DecontamStage(type="decontaminate", method="semantic", similarity=0.8, benchmarks=bench)
    assert (stage.threshold, stage.similarity, stage.passage_words) == (0.8, 0.8, None)
    with pytest.raises(ValidationError, match="similarity: only method: semantic"):
        DecontamStage(type="decontaminate", similarity=0.8, benchmarks=bench)
