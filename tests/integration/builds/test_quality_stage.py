"""The quality stage scores every document and keeps by a threshold or a top fraction of the run."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from support.build import build
from support.quality_model import train_small_model

from pipelines.engines.datatrove.cache import iter_cached
from pipelines.errors import RecipeError
from pipelines.plan import plan_build
from transforms.langid import lid176_path
from transforms.quality_score import FastTextQualityScorer


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("quality")
    model = train_small_model(base / "model")
    result, _ = build(base / "state", base / "out", f"stages.quality.model={model}",
                      recipe="web-quality")
    path = Path(result["path"])
    return base, model, path, json.loads((path / "manifest.json").read_text())


def test_keep_top_is_computed_over_the_whole_run(built):
    base, model, path, manifest = built
    quality = manifest["stages"][-1]
    assert quality["name"] == "quality" and manifest["recipe"]["executor"]["tasks"] == 4
    # The documents that reached the quality stage, scored here in one piece.
    before = base / "state" / "stages" / manifest["stages"][-2]["fingerprint"] / "data"
    docs = [d for stream in iter_cached(before) for d in stream]
    scores = FastTextQualityScorer(model).score([d.text for d in docs])
    k = math.ceil(0.5 * len(docs))
    top = {d.id for d, _ in sorted(zip(docs, scores, strict=True), key=lambda x: -x[1])[:k]}
    rows = pq.read_table(path / "data" / "train-00000-of-00001.parquet").to_pylist()
    assert {r["id"] for r in rows} == top
    assert quality["in"] == len(docs) and quality["out"] == k
    assert quality["dropped"] == {"below_top_fraction": len(docs) - k}
    assert min(r["quality_score"] for r in rows) == pytest.approx(quality["scores"]["threshold"])
    assert sum(quality["scores"]["counts"]) == len(docs)


def test_a_threshold_reruns_only_the_quality_stage(built):
    base, model, path, manifest = built
    result, _ = build(base / "state", base / "out", f"stages.quality.model={model}",
                      "stages.quality.keep_top=null", "stages.quality.threshold=0.99995",
                      recipe="web-quality")
    new = json.loads((Path(result["path"]) / "manifest.json").read_text())
    assert [s["cached"] for s in new["stages"]] == [True] * (len(new["stages"]) - 1) + [False]
    rows = pq.read_table(Path(result["path"]) / "data" / "train-00000-of-00001.parquet").to_pylist()
    assert all(r["quality_score"] >= 0.99995 for r in rows)
    assert new["stages"][-1]["out"] == len(rows)
    assert new["dropped"].get("quality:below_threshold", 0) == new["stages"][-1]["in"] - len(rows)


def test_a_model_retrained_in_place_is_a_new_stage(built, monkeypatch):
    base, model, path, manifest = built
    monkeypatch.setenv("PIPELINES_HOME", str(base / "state"))
    retrained = train_small_model(base / "retrained", seed=1)
    overrides = [f"stages.quality.model={model}"]
    assert plan_build("web-quality", overrides, base / "out").stages[-1].fingerprint == (
        manifest["stages"][-1]["fingerprint"])
    model.write_bytes(retrained.read_bytes())  # same path, other weights
    plan = plan_build("web-quality", overrides, base / "out")
    assert plan.stages[-1].fingerprint != manifest["stages"][-1]["fingerprint"]
    assert plan.stages[-2].fingerprint == manifest["stages"][-2]["fingerprint"]
    assert not plan.up_to_date


@pytest.mark.parametrize("override, message", [
    (["stages.quality.threshold=0.5"], "stages.7: give threshold or keep_top, not both"),
    (["stages.quality.model={tmp}/none.bin"], "quality: model file {tmp}/none.bin does not exist"),
    (["stages.quality.model={tmp}/junk.bin"], "quality: {tmp}/junk.bin is not a fastText model"),
    (["stages.quality.model={lid}"], "is a fastText model with labels [__label__en"),
])
def test_bad_quality_settings_fail_before_any_work(tmp_path, monkeypatch, override, message):
    monkeypatch.setenv("PIPELINES_HOME", str(tmp_path / "state"))
    (tmp_path / "junk.bin").write_bytes(b"\x00" * 64)
    fill = {"tmp": tmp_path, "lid": lid176_path()}
    with pytest.raises(RecipeError) as info:
        plan_build("web-quality", [o.format(**fill) for o in override], tmp_path / "out")
    assert message.format(**fill) in str(info.value) and "\n" not in str(info.value)
    assert not (tmp_path / "state" / "stages").exists()
